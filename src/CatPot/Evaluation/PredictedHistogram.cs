namespace CatPot.Evaluation;

/// <summary>
/// A predicted probability histogram over bins with increasing <see cref="Edges"/> (K + 1 of them, usually the
/// HL-Gauss support in y_n units), together with the true value in the same units. The density is taken as
/// uniform inside each bin, so the CDF is piecewise linear.
/// </summary>
public sealed record PredictedHistogram
{
    /// <summary>Creates the histogram, checking the lengths and that the edges increase.</summary>
    /// <param name="probabilities">p_k, K of them (not renormalised here).</param>
    /// <param name="edges">b_0 &lt; … &lt; b_K.</param>
    /// <param name="trueValue">The reference value in the units of the edges (e.g. the true y_n).</param>
    /// <param name="energyPerUnit">eV of total energy per unit of the edges (N·sd for y_n), or 0 when unknown.</param>
    /// <exception cref="ArgumentException">Lengths disagree or edges do not increase.</exception>
    public PredictedHistogram(double[] probabilities, double[] edges, double trueValue, double energyPerUnit = 0)
    {
        if (probabilities.Length < 1 || edges.Length != probabilities.Length + 1)
            throw new ArgumentException($"A histogram of {probabilities.Length} bins needs {probabilities.Length + 1} edges; got {edges.Length}.", nameof(edges));
        for (int k = 0; k < probabilities.Length; k++)
            if (!(edges[k + 1] > edges[k])) throw new ArgumentException($"Histogram edges must increase; edge {k + 1} ({edges[k + 1]}) ≤ edge {k} ({edges[k]}).", nameof(edges));
        Probabilities = probabilities;
        Edges = edges;
        TrueValue = trueValue;
        EnergyPerUnit = energyPerUnit;
    }

    /// <summary>Smallest probability used in the NLL, so a true value in an empty bin (or outside the support) costs a finite amount.</summary>
    public const double ProbabilityFloor = 1e-12;

    /// <summary>p_k.</summary>
    public double[] Probabilities { get; }

    /// <summary>b_0..b_K.</summary>
    public double[] Edges { get; }

    /// <summary>The reference value in the units of the edges.</summary>
    public double TrueValue { get; }

    /// <summary>eV of total energy per unit of the edges (N·sd for y_n), or 0 when unknown.</summary>
    public double EnergyPerUnit { get; }

    /// <summary>The predicted CDF at <paramref name="x"/>: 0 below b_0, 1 above b_K, linear inside each bin.</summary>
    public double Cdf(double x)
    {
        if (x <= Edges[0]) return 0.0;
        int k = Probabilities.Length;
        if (x >= Edges[k]) return 1.0;
        double c = 0;
        int j = 0;
        while (x >= Edges[j + 1]) c += Probabilities[j++];
        return c + Probabilities[j] * (x - Edges[j]) / (Edges[j + 1] - Edges[j]);
    }

    /// <summary>
    /// −ln of the predicted density at the true value: −ln(max(p_k, 1e-12)/w_k) for the bin k containing it
    /// (the top edge belongs to the last bin; outside the support the nearest end bin with p floored at 1e-12).
    /// Nats, in the units of the edges (add ln <see cref="EnergyPerUnit"/> for eV of total energy).
    /// </summary>
    public double NegativeLogDensity()
    {
        double y = TrueValue;
        int last = Probabilities.Length - 1;
        int k;
        double p;
        if (y < Edges[0] || y > Edges[last + 1])
        {
            k = y < Edges[0] ? 0 : last;
            p = ProbabilityFloor;
        }
        else
        {
            k = BinOf(y);
            p = Math.Max(Probabilities[k], ProbabilityFloor);
        }
        return -Math.Log(p / (Edges[k + 1] - Edges[k]));
    }

    private int BinOf(double y)
    {
        int lo = 0, hi = Probabilities.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (Edges[mid] <= y) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>Entropy −Σ p ln p (nats).</summary>
    public double Entropy()
    {
        double h = 0;
        foreach (double p in Probabilities) if (p > 0) h -= p * Math.Log(p);
        return h;
    }

    /// <summary>Standard deviation over the bin centres, in the units of the edges.</summary>
    public double Std()
    {
        double m = 0;
        for (int k = 0; k < Probabilities.Length; k++) m += Probabilities[k] * 0.5 * (Edges[k] + Edges[k + 1]);
        double v = 0;
        for (int k = 0; k < Probabilities.Length; k++)
        {
            double d = 0.5 * (Edges[k] + Edges[k + 1]) - m;
            v += Probabilities[k] * d * d;
        }
        return Math.Sqrt(v);
    }
}
