namespace CatPot.Evaluation;

/// <summary>Correlation and ranking statistics used to judge uncertainty estimates. Undefined results are NaN.</summary>
public static class RankStatistics
{
    /// <summary>Ranks 1..n with tied values given the average of their ranks.</summary>
    public static double[] Ranks(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = x.ToArray();
        Array.Sort(keys, order);
        var ranks = new double[n];
        int a = 0;
        while (a < n)
        {
            int b = a;
            while (b + 1 < n && keys[b + 1] == keys[a]) b++;
            double r = 0.5 * (a + b) + 1.0;
            for (int k = a; k <= b; k++) ranks[order[k]] = r;
            a = b + 1;
        }
        return ranks;
    }

    /// <summary>Pearson correlation; NaN for fewer than 2 values or a constant input.</summary>
    public static double Pearson(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Pearson needs equal lengths; got {a.Length} and {b.Length}.", nameof(b));
        int n = a.Length;
        if (n < 2) return double.NaN;
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
        ma /= n; mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db; saa += da * da; sbb += db * db;
        }
        if (!(saa > 0) || !(sbb > 0)) return double.NaN;
        return Math.Clamp(sab / Math.Sqrt(saa * sbb), -1.0, 1.0);
    }

    /// <summary>Spearman correlation: Pearson of the tie-averaged ranks.</summary>
    public static double Spearman(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => Pearson(Ranks(a), Ranks(b));

    /// <summary>
    /// Area under the ROC curve of <paramref name="score"/> for the positives in <paramref name="label"/>
    /// (Mann–Whitney U with tie-averaged ranks); NaN when either class is empty.
    /// </summary>
    public static double Auroc(ReadOnlySpan<double> score, ReadOnlySpan<bool> label)
    {
        if (score.Length != label.Length) throw new ArgumentException($"AUROC needs one label per score; got {score.Length} scores and {label.Length} labels.", nameof(label));
        var r = Ranks(score);
        long pos = 0;
        double rankSum = 0;
        for (int i = 0; i < r.Length; i++)
            if (label[i]) { pos++; rankSum += r[i]; }
        long neg = r.Length - pos;
        if (pos == 0 || neg == 0) return double.NaN;
        return (rankSum - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }

    /// <summary>
    /// Flags the max(1, round(fraction·n)) largest values (round half to even, as Python's round); among equal
    /// values the earlier index is flagged first. With fraction 0.1 these are the "worst 10 %" positives.
    /// </summary>
    public static bool[] FlagLargest(ReadOnlySpan<double> values, double fraction)
    {
        int n = values.Length;
        var flags = new bool[n];
        if (n == 0) return flags;
        int k = Math.Clamp((int)Math.Round(fraction * n, MidpointRounding.ToEven), 1, n);
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var v = values.ToArray();
        // stable: descending value, then ascending index
        Array.Sort(order, (i, j) => v[j].CompareTo(v[i]) is var c && c != 0 ? c : i.CompareTo(j));
        for (int i = 0; i < k; i++) flags[order[i]] = true;
        return flags;
    }
}
