using CatPot.Evaluation;

namespace CatPot.Uncertainty;

/// <summary>How well one score ranks the energy errors of one group of structures.</summary>
public sealed record ScoreQuality
{
    /// <summary>Group name ("overall" or a domain).</summary>
    public required string Group { get; init; }

    /// <summary>Structures in the group.</summary>
    public required int Structures { get; init; }

    /// <summary>Spearman correlation (ties averaged) of the score with |ΔE|; null when undefined.</summary>
    public double? Spearman { get; init; }

    /// <summary>AUROC of the score for the group's worst 10 % of |ΔE| (max(1, round(0.1·n)) positives); null when undefined.</summary>
    public double? Auroc { get; init; }

    /// <summary>The quality of <paramref name="score"/> against <paramref name="absoluteErrors"/>, overall and per group (ordinal order).</summary>
    public static List<ScoreQuality> Compute(IReadOnlyList<double> score, IReadOnlyList<double> absoluteErrors, IReadOnlyList<string> groups)
    {
        if (score.Count != absoluteErrors.Count || groups.Count != score.Count)
            throw new ArgumentException($"Need one score, error and group per structure; got {score.Count}, {absoluteErrors.Count}, {groups.Count}.");
        var result = new List<ScoreQuality> { Of("overall", score.ToArray(), absoluteErrors.ToArray()) };
        foreach (var g in groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var idx = Enumerable.Range(0, score.Count).Where(i => groups[i] == g).ToArray();
            result.Add(Of(g, idx.Select(i => score[i]).ToArray(), idx.Select(i => absoluteErrors[i]).ToArray()));
        }
        return result;
    }

    private static ScoreQuality Of(string group, double[] score, double[] err)
    {
        double sp = RankStatistics.Spearman(score, err);
        double au = RankStatistics.Auroc(score, RankStatistics.FlagLargest(err, 0.1));
        return new ScoreQuality
        {
            Group = group,
            Structures = score.Length,
            Spearman = double.IsNaN(sp) ? null : sp,
            Auroc = double.IsNaN(au) ? null : au,
        };
    }
}

/// <summary>Coverage of calibrated symmetric intervals E ± half-width(p) at the levels p = 0.1 … 0.9.</summary>
public sealed record IntervalCalibration
{
    /// <summary>The nominal central probabilities.</summary>
    public required double[] Levels { get; init; }

    /// <summary>Observed fraction of |ΔE| ≤ half-width at each level.</summary>
    public required double[] Observed { get; init; }

    /// <summary>Mean over the levels of |observed − p| (the convention of <c>docs/metrics.md</c>).</summary>
    public required double MiscalibrationArea { get; init; }

    /// <summary>Coverage of the intervals given by <paramref name="halfWidth"/>(structure, p).</summary>
    public static IntervalCalibration Compute(IReadOnlyList<double> absoluteErrors, Func<int, double, double> halfWidth)
    {
        var levels = (double[])GroupMetrics.CalibrationLevels.Clone();
        var observed = new double[levels.Length];
        double dev = 0;
        for (int j = 0; j < levels.Length; j++)
        {
            int inside = 0;
            for (int i = 0; i < absoluteErrors.Count; i++) if (absoluteErrors[i] <= halfWidth(i, levels[j])) inside++;
            observed[j] = (double)inside / absoluteErrors.Count;
            dev += Math.Abs(observed[j] - levels[j]);
        }
        return new IntervalCalibration { Levels = levels, Observed = observed, MiscalibrationArea = dev / levels.Length };
    }

    /// <summary>The half-width z_p·σ of the central p-interval of a normal distribution.</summary>
    public static double GaussianHalfWidth(double sigma, double p) => sigma * Math.Sqrt(2) * InverseErf(p);

    // Inverse error function by Newton steps on erf (double precision; p in (0, 1)).
    private static double InverseErf(double y)
    {
        double x = 0;
        for (int i = 0; i < 100; i++)
        {
            double f = CatPot.Numerics.SpecialFunctions.Erf(x) - y;
            double step = f / (2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x));
            x -= step;
            if (Math.Abs(step) < 1e-15) break;
        }
        return x;
    }
}
