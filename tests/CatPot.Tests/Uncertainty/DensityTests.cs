using CatPot.Uncertainty;
using Xunit;

namespace CatPot.Tests.Uncertainty;

/// <summary>GaussianMixture recovers known mixtures; FeatureDensity scores per element and falls back to the pooled fit.</summary>
public sealed class DensityTests
{
    private static void Near(double expected, double actual) => Assert.InRange(actual, expected - (0.06 * Math.Max(1, Math.Abs(expected))), expected + (0.06 * Math.Max(1, Math.Abs(expected))));

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void One_component_is_the_sample_mean_and_covariance()
    {
        var rng = new Random(1);
        const int n = 20_000, d = 2;
        var x = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            double a = Normal(rng), b = Normal(rng);
            x[i * d] = 1 + (2 * a);
            x[(i * d) + 1] = -3 + (0.5 * a) + (0.5 * b);
        }
        var g = GaussianMixture.Fit(x, d, shrinkage: 0);
        Assert.Equal(1, g.Components);
        Near(1, g.Means[0]);
        Near(-3, g.Means[1]);
        Near(4, g.Covariances[0]);   // var(2a)
        Near(1, g.Covariances[1]);   // cov(2a, 0.5a + 0.5b)
        Near(0.5, g.Covariances[3]); // 0.25 + 0.25
        // novelty is squared Mahalanobis / d: about 1 on average over the training data
        var work = new double[d];
        double mean = 0;
        for (int i = 0; i < n; i++) mean += g.Novelty(x.AsSpan(i * d, d), work);
        Assert.InRange(mean / n, 0.97, 1.03);
    }

    [Fact]
    public void Em_recovers_a_known_two_component_mixture()
    {
        var rng = new Random(2);
        const int n = 6000, d = 2;
        var x = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            bool first = rng.NextDouble() < 0.3;
            x[i * d] = (first ? -4 : 5) + (first ? 0.5 : 1.0) * Normal(rng);
            x[(i * d) + 1] = (first ? 2 : -1) + (first ? 0.5 : 1.0) * Normal(rng);
        }
        var g = GaussianMixture.Fit(x, d, components: 2, seed: 3);
        int a = g.Means[0] < g.Means[2] ? 0 : 1, b = 1 - a;
        Near(0.3, g.Weights[a]);
        Near(-4, g.Means[a * d]);
        Near(2, g.Means[(a * d) + 1]);
        Near(5, g.Means[b * d]);
        Near(-1, g.Means[(b * d) + 1]);
        Near(0.25, g.Covariances[a * d * d]);
        Near(1.0, g.Covariances[b * d * d]);
        // a far point is more novel than a point at a component centre, and less likely
        var work = new double[d];
        Assert.True(g.Novelty([20, 20], work) > 100 * g.Novelty([5, -1], work));
        Assert.True(g.LogDensity([20, 20], work) < g.LogDensity([-4, 2], work));
    }

    [Fact]
    public void Shrinkage_keeps_a_covariance_usable_with_fewer_points_than_dimensions()
    {
        var rng = new Random(4);
        const int n = 5, d = 12;
        var x = Enumerable.Range(0, n * d).Select(_ => Normal(rng)).ToArray();
        var g = GaussianMixture.Fit(x, d);
        var work = new double[d];
        Assert.True(double.IsFinite(g.Novelty(new double[d], work)));
    }

    [Fact]
    public void Feature_density_scores_per_element_and_uses_the_pooled_fit_for_unseen_elements()
    {
        var rng = new Random(6);
        const int d = 3, perElement = 2000;
        var numbers = new int[2 * perElement];
        var x = new double[2 * perElement * d];
        for (int i = 0; i < 2 * perElement; i++)
        {
            bool h = i < perElement;
            numbers[i] = h ? 1 : 6;
            for (int j = 0; j < d; j++) x[(i * d) + j] = (h ? 0 : 10) + (0.1 * Normal(rng));
        }
        var density = FeatureDensity.Fit(x, numbers, d);
        var work = new double[d];
        // an H atom with a carbon-like feature vector is novel for H, typical for C
        Assert.True(density.AtomNovelty(1, [10, 10, 10], work) > 1000);
        Assert.True(density.AtomNovelty(6, [10, 10, 10], work) < 5);
        Assert.True(density.HasElement(6));
        Assert.False(density.HasElement(8));
        Assert.Equal(density.Pooled.Novelty([3, 3, 3], work), density.AtomNovelty(8, [3, 3, 3], work), 12);
        Assert.Equal(-Math.Log(0.5), density.Rarity(1), 12); // half of the training atoms are H
        Assert.Equal(-Math.Log(0.5 / (2 * perElement)), density.Rarity(8), 12); // unseen: half an atom
        Assert.Equal(4.0, FeatureDensity.TopMean([1, 5, 3, 2], 2), 12);
        Assert.Equal(5.0, FeatureDensity.Max([1, 5, 3, 2]), 12);
    }
}
