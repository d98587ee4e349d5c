namespace CatPot.Uncertainty;

/// <summary>
/// Last-layer prediction rigidity (LLPR; Bigi et al. 2024, as in MACE's <c>llpr.py</c>): with f the readout's
/// last-layer feature vector of a structure (the per-atom mean of the energy head's hidden layer, which the final
/// linear layer maps to the prediction), the variance of a prediction is σ² ∝ fᵀ(FᵀF + ς² I)⁻¹f, F the stacked
/// training features. The two constants (the prefactor and ς²) are left to the calibration: ς² here is a small
/// ridge, <see cref="DefaultRelativeRidge"/> × tr(FᵀF)/d, so that the matrix is invertible.
/// </summary>
public sealed class LastLayerRigidity
{
    /// <summary>Default ridge relative to the mean diagonal of FᵀF.</summary>
    public const double DefaultRelativeRidge = 1e-6;

    private readonly CholeskyFactor _factor;

    /// <summary>Builds the estimator from a stored regularised matrix FᵀF + ς² I (row-major [d, d]).</summary>
    /// <exception cref="ArgumentException">The matrix is not positive definite.</exception>
    public LastLayerRigidity(double[] regularisedGram, int dimension)
    {
        RegularisedGram = regularisedGram;
        Dimension = dimension;
        _factor = CholeskyFactor.Factor(regularisedGram, dimension);
    }

    /// <summary>FᵀF + ς² I, row-major [d, d].</summary>
    public double[] RegularisedGram { get; }

    /// <summary>Feature dimension d.</summary>
    public int Dimension { get; }

    /// <summary>Fits from the training structures' last-layer features, row-major [S, d].</summary>
    /// <exception cref="ArgumentException">No rows, or a length that is not a multiple of d.</exception>
    public static LastLayerRigidity Fit(ReadOnlySpan<double> features, int dimension, double relativeRidge = DefaultRelativeRidge)
    {
        int d = dimension;
        if (d < 1 || features.Length == 0 || features.Length % d != 0)
            throw new ArgumentException($"Need a non-empty row-major [S, {d}] array; got {features.Length} values.", nameof(features));
        int s = features.Length / d;
        var gram = new double[d * d];
        for (int r = 0; r < s; r++)
        {
            var f = features.Slice(r * d, d);
            for (int a = 0; a < d; a++)
            {
                double fa = f[a];
                var row = gram.AsSpan(a * d, a + 1);
                for (int b = 0; b <= a; b++) row[b] += fa * f[b];
            }
        }
        double trace = 0;
        for (int a = 0; a < d; a++)
        {
            trace += gram[(a * d) + a];
            for (int b = 0; b < a; b++) gram[(b * d) + a] = gram[(a * d) + b];
        }
        double ridge = Math.Max(relativeRidge * trace / d, 1e-300);
        for (int a = 0; a < d; a++) gram[(a * d) + a] += ridge;
        return new LastLayerRigidity(gram, d);
    }

    /// <summary>√(fᵀ(FᵀF + ς² I)⁻¹f) of one structure's last-layer feature vector (uncalibrated, dimensionless).</summary>
    public double Score(ReadOnlySpan<double> feature)
    {
        if (feature.Length != Dimension) throw new ArgumentException($"Expected {Dimension} features; got {feature.Length}.", nameof(feature));
        Span<double> work = Dimension <= 512 ? stackalloc double[Dimension] : new double[Dimension];
        return Math.Sqrt(_factor.SquaredMahalanobis(feature, work));
    }
}
