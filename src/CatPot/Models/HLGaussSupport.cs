using CatPot.Numerics;

namespace CatPot.Models;

/// <summary>
/// The HL-Gauss histogram support of the model contract: <see cref="BinCount"/> equal bins over
/// [<see cref="Lo"/>, <see cref="Hi"/>] in normalised per-atom energy units (y_n), the soft target
/// distribution of a scalar (readouts of a predicted histogram: <see cref="Heads.HeadMath.Readouts"/>). All in double.
/// </summary>
public sealed class HLGaussSupport
{
    private const double Sqrt2 = 1.41421356237309504880;
    private const double TinyNormaliser = 1e-300;

    private readonly double[] _edges;
    private readonly double[] _centres;

    /// <summary>Creates K equal bins over [lo, hi]: edges b_k = lo + k·w, centres lo + (k + ½)·w, w = (hi − lo)/K.</summary>
    /// <exception cref="ArgumentOutOfRangeException">K &lt; 1, or lo/hi not finite, or hi ≤ lo.</exception>
    public HLGaussSupport(double lo, double hi, int binCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || !(hi > lo))
            throw new ArgumentOutOfRangeException(nameof(hi), $"The HL-Gauss support needs finite lo < hi; got lo = {lo}, hi = {hi}.");
        Lo = lo;
        Hi = hi;
        BinCount = binCount;
        Width = (hi - lo) / binCount;
        // Same construction as the PyTorch peer (lo + w·k) so both sides use bit-identical edges.
        _edges = new double[binCount + 1];
        for (int k = 0; k <= binCount; k++) _edges[k] = lo + Width * k;
        _centres = new double[binCount];
        for (int k = 0; k < binCount; k++) _centres[k] = lo + Width * (k + 0.5);
    }

    /// <summary>Lower end of the support (y_n units).</summary>
    public double Lo { get; }

    /// <summary>Upper end of the support (y_n units).</summary>
    public double Hi { get; }

    /// <summary>Number of bins K.</summary>
    public int BinCount { get; }

    /// <summary>Bin width w = (hi − lo)/K.</summary>
    public double Width { get; }

    /// <summary>The K + 1 bin edges b_0..b_K.</summary>
    public ReadOnlySpan<double> Edges => _edges;

    /// <summary>The K bin centres c_k.</summary>
    public ReadOnlySpan<double> Centres => _centres;

    /// <summary>
    /// The contract's support from training targets: min and max of <paramref name="normalisedTargets"/>,
    /// each widened by 10 % of the span (a zero span counts as 1 so the support is never empty).
    /// </summary>
    /// <exception cref="ArgumentException">No targets, or a target is not finite.</exception>
    public static (double Lo, double Hi) RangeFromTargets(ReadOnlySpan<double> normalisedTargets)
    {
        if (normalisedTargets.IsEmpty) throw new ArgumentException("At least one training target is needed to build the HL-Gauss support.", nameof(normalisedTargets));
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int i = 0; i < normalisedTargets.Length; i++)
        {
            double y = normalisedTargets[i];
            if (!double.IsFinite(y)) throw new ArgumentException($"Training target {i} is {y}; every target must be finite.", nameof(normalisedTargets));
            if (y < min) min = y;
            if (y > max) max = y;
        }
        double span = max - min;
        if (!(span > 0)) span = 1.0;
        return (min - 0.1 * span, max + 0.1 * span);
    }

    /// <summary>The support built by <see cref="RangeFromTargets"/> with <paramref name="binCount"/> bins.</summary>
    public static HLGaussSupport FromTargets(ReadOnlySpan<double> normalisedTargets, int binCount)
    {
        var (lo, hi) = RangeFromTargets(normalisedTargets);
        return new HLGaussSupport(lo, hi, binCount);
    }

    /// <summary>
    /// Writes the HL-Gauss target q (length K) of the scalar <paramref name="yn"/>: a Gaussian of
    /// σ = sigmaRatio·w centred on y_n, integrated over each bin and renormalised to the support.
    /// y_n is first clamped into [b_0, b_K]; each Φ difference is taken from the tail where it has no
    /// cancellation (erfc); if the normaliser still underflows, all mass goes to the bin nearest y_n.
    /// </summary>
    /// <returns>True when y_n lay outside the support and was clamped.</returns>
    /// <exception cref="ArgumentException">q has the wrong length, sigmaRatio is not positive, or y_n is NaN.</exception>
    public bool Target(double yn, double sigmaRatio, Span<double> q)
    {
        int k = BinCount;
        if (q.Length != k) throw new ArgumentException($"The target span has length {q.Length}; expected K = {k}.", nameof(q));
        if (!(sigmaRatio > 0) || !double.IsFinite(sigmaRatio)) throw new ArgumentException($"sigma_ratio must be a positive number; got {sigmaRatio}.", nameof(sigmaRatio));
        if (double.IsNaN(yn)) throw new ArgumentException("The target y_n is NaN.", nameof(yn));

        double b0 = _edges[0], bK = _edges[k];
        bool clamped = yn < b0 || yn > bK;
        double y = Math.Clamp(yn, b0, bK);
        double scale = 1.0 / (sigmaRatio * Width * Sqrt2);

        // z_j = (b_j − y)/(σ√2); Φ(b_j) = ½erfc(−z_j), 1 − Φ(b_j) = ½erfc(z_j). The ½ cancels in q.
        double zPrev = (b0 - y) * scale;
        double lowerPrev = SpecialFunctions.Erfc(-zPrev), upperPrev = SpecialFunctions.Erfc(zPrev);
        double lower0 = lowerPrev, upper0 = upperPrev, z0 = zPrev;
        for (int j = 0; j < k; j++)
        {
            double z = (_edges[j + 1] - y) * scale;
            double lower = SpecialFunctions.Erfc(-z), upper = SpecialFunctions.Erfc(z);
            double m = 0.5 * (z + zPrev) > 0 ? upperPrev - upper : lower - lowerPrev;
            q[j] = m > 0 ? m : 0.0;
            zPrev = z; lowerPrev = lower; upperPrev = upper;
        }
        double den = 0.5 * (z0 + zPrev) > 0 ? upper0 - upperPrev : lowerPrev - lower0;
        if (!(den > TinyNormaliser))
        {
            q.Clear();
            q[BinIndexClamped(y)] = 1.0;
            return clamped;
        }
        double inv = 1.0 / den;
        for (int j = 0; j < k; j++) q[j] *= inv;
        return clamped;
    }

    /// <summary>The bin containing <paramref name="y"/>, clamped to 0..K−1 (the top edge belongs to the last bin).</summary>
    public int BinIndexClamped(double y)
    {
        double t = Math.Floor((y - Lo) / (Hi - Lo) * BinCount);
        if (!(t >= 0)) return 0;
        return t >= BinCount ? BinCount - 1 : (int)t;
    }
}
