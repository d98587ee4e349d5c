namespace CatPot.Simulation;

/// <summary>
/// What a calculator returns for one geometry. Owned by the caller and overwritten in place by every
/// <see cref="IForceCalculator.Calculate"/>, so a simulation loop allocates it once.
/// </summary>
public sealed class CalculationResult
{
    /// <summary>Creates a result for <paramref name="atomCount"/> atoms.</summary>
    public CalculationResult(int atomCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(atomCount);
        Forces = new double[3 * atomCount];
    }

    /// <summary>Number of atoms the result holds forces for.</summary>
    public int AtomCount => Forces.Length / 3;

    /// <summary>Total energy in eV.</summary>
    public double Energy { get; set; }

    /// <summary>Forces in eV/Å, flat atom-major (length 3N).</summary>
    public double[] Forces { get; }

    /// <summary>std_E in eV (spread of the predicted energy histogram), or NaN when the model has none.</summary>
    public double EnergyStd { get; set; } = double.NaN;

    /// <summary>Calibrated per-atom uncertainty in eV/atom (<c>atom_uncertainty</c>), or null when the model file has no calibrated uncertainty.</summary>
    public double[]? AtomUncertainty { get; set; }

    /// <summary>Entropy of the predicted energy histogram in nats, or NaN when the model has none.</summary>
    public double Entropy { get; set; } = double.NaN;

    /// <summary>
    /// Probability mass in the first and last bins of the predicted histogram (NaN without one). Near 1 when the
    /// predicted per-atom energy lies at or beyond the edge of the training energy range: the histogram then looks
    /// confident (low entropy and std_E) exactly when the model is extrapolating.
    /// </summary>
    public double SupportEdgeMass { get; set; } = double.NaN;

    /// <summary>Largest per-atom force norm in eV/Å.</summary>
    public double MaxForceNorm()
    {
        double max = 0;
        var f = Forces;
        for (int a = 0; a < f.Length; a += 3)
        {
            double n2 = f[a] * f[a] + f[a + 1] * f[a + 1] + f[a + 2] * f[a + 2];
            if (n2 > max) max = n2;
        }
        return Math.Sqrt(max);
    }
}
