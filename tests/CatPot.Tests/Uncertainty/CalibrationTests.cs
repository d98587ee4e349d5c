using CatPot.Evaluation;
using CatPot.Uncertainty;
using Xunit;

namespace CatPot.Tests.Uncertainty;

/// <summary>Isotonic regression, the fused log-error model and conformal coverage on synthetic data.</summary>
public sealed class CalibrationTests
{
    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void Isotonic_pools_adjacent_violators_exactly()
    {
        var iso = IsotonicRegression.Fit([1, 2, 3, 4], [1, 3, 2, 4]);
        Assert.Equal([1, 2.5, 4], iso.KnotX);
        Assert.Equal([1, 2.5, 4], iso.KnotY);
        Assert.Equal(2.5, iso.Predict(2.5), 12);
        Assert.Equal(1.75, iso.Predict(1.75), 12); // halfway between the knots (1, 1) and (2.5, 2.5)
        Assert.Equal(1, iso.Predict(-10), 12);
        Assert.Equal(4, iso.Predict(10), 12);
    }

    [Fact]
    public void Isotonic_keeps_increasing_data_and_averages_a_decreasing_run()
    {
        var inc = IsotonicRegression.Fit([3, 1, 2], [30, 10, 20]);
        Assert.Equal([1, 2, 3], inc.KnotX);
        Assert.Equal([10, 20, 30], inc.KnotY);
        var dec = IsotonicRegression.Fit([1, 2, 3], [3, 2, 1]);
        Assert.Equal([2.0], dec.KnotX);
        Assert.Equal([2.0], dec.KnotY);
        // weights: the heavier point pulls the pooled level
        var w = IsotonicRegression.Fit([1, 2], [4, 1], [3, 1]);
        Assert.Equal([3.25], w.KnotY);
        // equal x share one level
        var ties = IsotonicRegression.Fit([1, 1, 2], [0, 2, 5]);
        Assert.Equal([1, 5], ties.KnotY);
    }

    [Fact]
    public void Isotonic_fit_is_monotone_on_noisy_data()
    {
        var rng = new Random(7);
        var x = Enumerable.Range(0, 500).Select(_ => rng.NextDouble() * 10).ToArray();
        var y = x.Select(v => Math.Sqrt(v) + Normal(rng)).ToArray();
        var iso = IsotonicRegression.Fit(x, y);
        double prev = double.NegativeInfinity;
        for (double t = -1; t <= 11; t += 0.01)
        {
            double v = iso.Predict(t);
            Assert.True(v >= prev - 1e-12);
            prev = v;
        }
        // each knot level lies within the range of y, and levels rise strictly between knots
        Assert.All(iso.KnotY, v => Assert.InRange(v, y.Min(), y.Max()));
        for (int i = 1; i < iso.KnotY.Length; i++) Assert.True(iso.KnotY[i] > iso.KnotY[i - 1]);
    }

    [Fact]
    public void Log_error_model_recovers_coefficients_and_keeps_them_non_negative()
    {
        var rng = new Random(8);
        const int n = 4000;
        var x = new double[n * 2];
        var err = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i * 2] = Normal(rng);
            x[(i * 2) + 1] = Normal(rng);
            // ln|e| = 0.5 + 0.8 x0 − 0.6 x1 + noise
            err[i] = Math.Exp(0.5 + (0.8 * x[i * 2]) - (0.6 * x[(i * 2) + 1]) + (0.1 * Normal(rng)));
        }
        var m = LogErrorModel.Fit(["a", "b"], x, err, floor: 0, ridge: 0);
        Assert.Equal(0.8, m.Weights[0] * 1 / m.Scales[0], 1);
        Assert.Equal(0.0, m.Weights[1], 12); // a falling signal gets no weight
        Assert.True(m.Size([2, 0]) > m.Size([1, 0]));
    }

    // 30 parents × 40 frames: ln|ΔE| = η_parent + 0.8·s + noise, where s varies frame by frame and "size" is constant
    // inside a parent and follows η there (as atom count did on the xtb4 calibration parents) but carries no frame-level
    // information. Columns: size, s.
    private static (double[] X, double[] Err, string[] Groups) ParentConfounded(int seed, double sizeFollowsParent)
    {
        var rng = new Random(seed);
        const int parents = 30, frames = 40;
        var x = new double[parents * frames * 2];
        var err = new double[parents * frames];
        var groups = new string[parents * frames];
        for (int g = 0; g < parents; g++)
        {
            double eta = Normal(rng), size = (sizeFollowsParent * eta) + (0.3 * Normal(rng));
            for (int f = 0; f < frames; f++)
            {
                int i = (g * frames) + f;
                double s = Normal(rng);
                x[2 * i] = size;
                x[(2 * i) + 1] = s;
                err[i] = Math.Exp(eta + (0.8 * s) + (0.1 * Normal(rng)));
                groups[i] = $"p{g}";
            }
        }
        return (x, err, groups);
    }

    [Fact]
    public void Within_parent_fit_ignores_a_signal_that_only_tells_parents_apart()
    {
        var (x, err, groups) = ParentConfounded(11, sizeFollowsParent: 1);
        var pooled = LogErrorModel.Fit(["size", "s"], x, err, floor: 0, ridge: 0);
        var within = LogErrorModel.Fit(["size", "s"], x, err, floor: 0, ridge: 0, groups: groups);
        Assert.True(pooled.Weights[0] > 0.5, $"pooled weight on the parent-level signal {pooled.Weights[0]}"); // learns which parents were hard
        Assert.Equal(0.0, within.Weights[0]);                     // constant inside every parent: no weight
        Assert.Equal(0.8, within.Weights[1] / within.Scales[1], 1); // the frame-level slope, rescaled to the pooled data
        // a fresh draw in which size does not follow the parents: the within-parent model ranks the errors better
        var (x2, err2, _) = ParentConfounded(12, sizeFollowsParent: -1);
        double Spearman(LogErrorModel m) => RankStatistics.Spearman(
            Enumerable.Range(0, err2.Length).Select(i => m.LogSize(x2.AsSpan(2 * i, 2))).ToArray(), err2);
        Assert.True(Spearman(within) > Spearman(pooled) + 0.1, $"within {Spearman(within)}, pooled {Spearman(pooled)}");
    }

    [Fact]
    public void Within_parent_fit_falls_back_to_the_pooled_fit_without_repeated_groups()
    {
        var (x, err, _) = ParentConfounded(13, sizeFollowsParent: 1);
        var singletons = Enumerable.Range(0, err.Length).Select(i => $"#{i}").ToArray();
        var pooled = LogErrorModel.Fit(["size", "s"], x, err);
        var fallback = LogErrorModel.Fit(["size", "s"], x, err, groups: singletons);
        Assert.Equal(pooled.Weights, fallback.Weights);
        Assert.Equal(pooled.Intercept, fallback.Intercept);
        Assert.Throws<ArgumentException>(() => LogErrorModel.Fit(["size", "s"], x, err, groups: ["a"]));
    }

    [Fact]
    public void Normalised_conformal_intervals_cover_what_they_say_on_exchangeable_data()
    {
        var rng = new Random(9);
        (double[] Err, double[] Size) Draw(int n)
        {
            var e = new double[n];
            var u = new double[n];
            for (int i = 0; i < n; i++)
            {
                u[i] = Math.Exp(2 * rng.NextDouble());          // heteroscedastic: scale varies 7×
                e[i] = Math.Abs(u[i] * 0.7 * Normal(rng));    // true σ = 0.7 u
            }
            return (e, u);
        }
        var (ce, cu) = Draw(3000);
        var q = NormalisedResidualQuantiles.Fit(ce, cu);
        Assert.Equal(0.7, q.StdFactor, 1); // ±1σ of a normal error: factor ≈ σ/u
        var (te, tu) = Draw(40_000);
        foreach (double p in new[] { 0.1, 0.5, 0.9 })
        {
            double covered = te.Where((e, i) => e <= q.HalfWidth(tu[i] * q.StdFactor, p)).Count() / (double)te.Length;
            Assert.InRange(covered, p - 0.02, p + 0.03);
        }
        var cal = IntervalCalibration.Compute(te, (i, p) => q.HalfWidth(tu[i] * q.StdFactor, p));
        Assert.True(cal.MiscalibrationArea < 0.02);
        // a Gaussian error with the right σ is calibrated with ±z·σ too
        var g = IntervalCalibration.Compute(te, (i, p) => IntervalCalibration.GaussianHalfWidth(0.7 * tu[i], p));
        Assert.True(g.MiscalibrationArea < 0.02);
        Assert.Equal(1.6448536269514722, IntervalCalibration.GaussianHalfWidth(1, 0.9), 9);
    }

    [Fact]
    public void Conformal_quantile_is_the_ceil_n_plus_1_p_order_statistic()
    {
        var q = new NormalisedResidualQuantiles([1, 2, 3, 4]);
        Assert.Equal(3, q.Quantile(0.5));   // ⌈5·0.5⌉ = 3
        Assert.Equal(4, q.Quantile(0.9));   // ⌈4.5⌉ = 5 > n: the largest
        Assert.Equal(1, q.Quantile(0.1));
        Assert.Throws<ArgumentException>(() => new NormalisedResidualQuantiles([2, 1]));
    }

    [Fact]
    public void Folds_never_split_a_group()
    {
        var groups = new[] { "a", "b", "a", "c", "d", "b", "e", "f" };
        var folds = UncertaintyCalibrator.AssignFolds(groups, 3);
        Assert.Equal(folds[0], folds[2]);
        Assert.Equal(folds[1], folds[5]);
        Assert.Equal(3, folds.Distinct().Count());
    }
}
