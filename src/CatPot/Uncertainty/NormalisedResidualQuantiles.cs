namespace CatPot.Uncertainty;

/// <summary>
/// Split-conformal intervals scaled by a predicted error size u (normalised, or locally weighted, conformal
/// prediction): on a calibration set the ratios r = |ΔE| / u are sorted, and the central p-interval of a new
/// prediction is E ± q_p·u with q_p the ⌈(n + 1)p⌉-th smallest ratio, which covers the truth with probability at
/// least p when calibration and test structures are exchangeable. <see cref="StdFactor"/> = q at p = 0.6827 turns u
/// into <c>energy_std</c>, the half-width of the calibrated "±1σ" interval.
/// </summary>
public sealed class NormalisedResidualQuantiles
{
    /// <summary>The coverage of ±1σ of a normal distribution.</summary>
    public const double OneSigmaCoverage = 0.682689492137086;

    /// <summary>Builds the calibration from stored sorted ratios.</summary>
    /// <exception cref="ArgumentException">No ratios, a negative or non-finite one, or not sorted.</exception>
    public NormalisedResidualQuantiles(double[] sortedRatios)
    {
        if (sortedRatios.Length == 0) throw new ArgumentException("At least one calibration ratio is needed.", nameof(sortedRatios));
        for (int i = 0; i < sortedRatios.Length; i++)
            if (!(sortedRatios[i] >= 0) || !double.IsFinite(sortedRatios[i]) || (i > 0 && sortedRatios[i] < sortedRatios[i - 1]))
                throw new ArgumentException($"Ratios must be finite, non-negative and sorted; ratio {i} is {sortedRatios[i]}.", nameof(sortedRatios));
        SortedRatios = sortedRatios;
    }

    /// <summary>The calibration ratios |ΔE|/u, ascending.</summary>
    public double[] SortedRatios { get; }

    /// <summary>q at <see cref="OneSigmaCoverage"/>: energy_std = StdFactor · u.</summary>
    public double StdFactor => Quantile(OneSigmaCoverage);

    /// <summary>Calibrates from absolute errors and predicted sizes u (u &gt; 0).</summary>
    /// <exception cref="ArgumentException">Unequal lengths, no points, or a size that is not positive.</exception>
    public static NormalisedResidualQuantiles Fit(ReadOnlySpan<double> absoluteErrors, ReadOnlySpan<double> sizes)
    {
        if (absoluteErrors.Length != sizes.Length || sizes.Length == 0)
            throw new ArgumentException($"Need one size per error, at least one; got {absoluteErrors.Length} and {sizes.Length}.");
        var r = new double[sizes.Length];
        for (int i = 0; i < r.Length; i++)
        {
            if (!(sizes[i] > 0) || !double.IsFinite(sizes[i])) throw new ArgumentException($"Size {i} is {sizes[i]}; sizes must be positive.", nameof(sizes));
            r[i] = Math.Abs(absoluteErrors[i]) / sizes[i];
        }
        Array.Sort(r);
        return new NormalisedResidualQuantiles(r);
    }

    /// <summary>The half-width factor q_p of the central p-interval: the ⌈(n + 1)p⌉-th smallest ratio (the largest when that exceeds n).</summary>
    public double Quantile(double p)
    {
        if (!(p > 0) || !(p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "The coverage must lie in (0, 1).");
        int n = SortedRatios.Length;
        int rank = (int)Math.Ceiling((n + 1) * p);
        return SortedRatios[Math.Clamp(rank, 1, n) - 1];
    }

    /// <summary>The half-width of the central p-interval for a structure whose energy_std is <paramref name="energyStd"/>.</summary>
    public double HalfWidth(double energyStd, double p) => energyStd / StdFactor * Quantile(p);
}
