using CatPot.Numerics;

namespace CatPot.Models.Heads;

/// <summary>
/// A histogram support with K bins between increasing finite edges b_0 … b_K (any spacing) and two tail bins,
/// (−∞, b_0) and (b_K, ∞), so no probability mass is ever lost or clamped: K + 2 bins in all, tail first and last.
/// The Gaussian target of a value is built in the support's own coordinate u (u = j + (y − b_j)/w_j in bin j,
/// linear beyond the ends), with σ_u = σ / w of the bin holding y: for equal bins this is the HL-Gauss target with
/// its mass beyond the edges kept in the tails, for unequal bins the target keeps its width in absolute units where
/// the value lies. For expectations and plots each tail bin is given the width of two end bins, so its centre lies
/// one end-bin width beyond the edge.
/// </summary>
public sealed class TailedSupport
{
    private readonly double[] _edges;
    private readonly double[] _centres;
    private readonly double[] _plotEdges;

    /// <summary>Creates the support from K + 1 increasing finite edges (K ≥ 1).</summary>
    /// <exception cref="ArgumentException">Fewer than two edges, a non-finite edge or edges that do not increase.</exception>
    public TailedSupport(double[] edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Length < 2) throw new ArgumentException($"A support needs at least 2 edges; got {edges.Length}.", nameof(edges));
        for (int j = 0; j < edges.Length; j++)
        {
            if (!double.IsFinite(edges[j])) throw new ArgumentException($"Edge {j} is {edges[j]}; edges must be finite.", nameof(edges));
            if (j > 0 && !(edges[j] > edges[j - 1])) throw new ArgumentException($"Edges must increase; edge {j} ({edges[j]}) ≤ edge {j - 1} ({edges[j - 1]}).", nameof(edges));
        }
        _edges = (double[])edges.Clone();
        int k = edges.Length - 1;
        double w0 = edges[1] - edges[0], wk = edges[k] - edges[k - 1];
        _centres = new double[k + 2];
        _centres[0] = edges[0] - w0;
        for (int j = 0; j < k; j++) _centres[j + 1] = 0.5 * (edges[j] + edges[j + 1]);
        _centres[k + 1] = edges[k] + wk;
        _plotEdges = new double[k + 3];
        _plotEdges[0] = edges[0] - (2 * w0);
        edges.CopyTo(_plotEdges, 1);
        _plotEdges[k + 2] = edges[k] + (2 * wk);
    }

    /// <summary>Finite bins K (the support has K + 2 bins with the tails).</summary>
    public int InnerBinCount => _edges.Length - 1;

    /// <summary>All bins, tails included: K + 2.</summary>
    public int BinCount => _edges.Length + 1;

    /// <summary>b_0 … b_K.</summary>
    public ReadOnlySpan<double> Edges => _edges;

    /// <summary>Lowest finite edge b_0.</summary>
    public double Lo => _edges[0];

    /// <summary>Highest finite edge b_K.</summary>
    public double Hi => _edges[^1];

    /// <summary>The K + 2 representative values (tail centres one end-bin width beyond the edges).</summary>
    public ReadOnlySpan<double> Centres => _centres;

    /// <summary>K + 3 edges with finite tail bins of two end-bin widths, for plots, calibration and NLL.</summary>
    public double[] PlotEdges() => (double[])_plotEdges.Clone();

    /// <summary>Index j of the finite bin holding y, clamped to 0 … K − 1.</summary>
    public int InnerBin(double y)
    {
        int lo = 0, hi = _edges.Length - 2;
        if (y <= _edges[0]) return 0;
        if (y >= _edges[^1]) return hi;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_edges[mid] <= y) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>The support coordinate u(y): j + (y − b_j)/w_j inside bin j, continued linearly beyond the ends.</summary>
    public double Coordinate(double y)
    {
        int j = InnerBin(y);
        return j + ((y - _edges[j]) / (_edges[j + 1] - _edges[j]));
    }

    /// <summary>
    /// Writes the target of <paramref name="y"/> (length K + 2): the mass of a Gaussian of standard deviation
    /// <paramref name="sigma"/> (units of y) in each bin, built in the coordinate u with σ_u = σ / w(bin of y).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong length, σ not positive, or y not finite.</exception>
    public void Target(double y, double sigma, Span<double> q)
    {
        if (q.Length != BinCount) throw new ArgumentException($"The target span has length {q.Length}; expected {BinCount}.", nameof(q));
        if (!(sigma > 0) || !double.IsFinite(sigma)) throw new ArgumentException($"σ must be a positive number; got {sigma}.", nameof(sigma));
        if (!double.IsFinite(y)) throw new ArgumentException($"The target is {y}; it must be finite.", nameof(y));
        int j = InnerBin(y);
        double u = Coordinate(y);
        double scale = (_edges[j + 1] - _edges[j]) / (sigma * Math.Sqrt(2.0)); // 1/(σ_u √2)
        int k = InnerBinCount;
        // Φ(edge) = ½erfc(−z), 1 − Φ(edge) = ½erfc(z); differences are taken on the side without cancellation.
        double zPrev = (0 - u) * scale;
        double lowerPrev = SpecialFunctions.Erfc(-zPrev), upperPrev = SpecialFunctions.Erfc(zPrev);
        q[0] = 0.5 * lowerPrev;
        for (int b = 1; b <= k; b++)
        {
            double z = (b - u) * scale;
            double lower = SpecialFunctions.Erfc(-z), upper = SpecialFunctions.Erfc(z);
            double m = 0.5 * (0.5 * (z + zPrev) > 0 ? upperPrev - upper : lower - lowerPrev);
            q[b] = m > 0 ? m : 0.0;
            zPrev = z; lowerPrev = lower; upperPrev = upper;
        }
        q[k + 1] = 0.5 * upperPrev;
        double total = 0;
        foreach (double x in q) total += x;
        for (int b = 0; b < q.Length; b++) q[b] /= total;
    }

    /// <summary>Fractions of <paramref name="values"/> outside [b_0, b_K] and inside but within <paramref name="sigma"/> of an end.</summary>
    public SupportCoverage Coverage(ReadOnlySpan<double> values, double sigma)
    {
        if (values.IsEmpty) return new SupportCoverage(0, 0);
        int outside = 0, near = 0;
        foreach (double y in values)
        {
            if (y < Lo || y > Hi) outside++;
            else if (y - Lo < sigma || Hi - y < sigma) near++;
        }
        return new SupportCoverage((double)outside / values.Length, (double)near / values.Length);
    }

    /// <summary>How far (in bin widths) a range may fall short of a whole number of widths and still count as that number: the rounding of a scaled range.</summary>
    private const double WholeBinTolerance = 1e-9;

    /// <summary>
    /// Edges for a support from <paramref name="lo"/> to <paramref name="hi"/> with bins of width about
    /// <paramref name="width"/> (at most <paramref name="maxBins"/> bins): equal bins, or, with
    /// <paramref name="samples"/>, the mean of equal-width and equal-count (quantile) edges, which puts more bins where
    /// the samples are dense while every bin keeps at least half the equal width.
    /// </summary>
    public static double[] BuildEdges(double lo, double hi, double width, int maxBins, double[]? samples)
    {
        // A range that is a whole number of widths up to rounding gets that many bins: catres' ±1,000 meV/atom at 10 / 0.75
        // meV/atom is exactly 150 widths, and the rounding of its dataset-scaled range gave 150 or 151 bins by dataset,
        // so the head's shape changed between rounds of `catpot learn` (a warm start then could not copy it).
        int k = (int)Math.Clamp(Math.Ceiling(((hi - lo) / width) - WholeBinTolerance), 2, maxBins);
        var edges = new double[k + 1];
        double w = (hi - lo) / k;
        for (int j = 0; j <= k; j++) edges[j] = lo + (w * j);
        edges[k] = hi;
        if (samples is { Length: > 1 })
        {
            var sorted = (double[])samples.Clone();
            Array.Sort(sorted);
            for (int j = 1; j < k; j++)
            {
                double pos = (double)j / k * (sorted.Length - 1);
                int i = (int)Math.Floor(pos);
                double qv = i + 1 < sorted.Length ? sorted[i] + ((pos - i) * (sorted[i + 1] - sorted[i])) : sorted[^1];
                edges[j] = 0.5 * (edges[j] + Math.Clamp(qv, lo, hi));
            }
        }
        return edges;
    }
}
