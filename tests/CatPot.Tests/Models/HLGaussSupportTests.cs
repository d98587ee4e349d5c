using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Models;

public class HLGaussSupportTests
{
    [Fact]
    public void Edges_centres_and_width_follow_the_contract()
    {
        var s = new HLGaussSupport(-2.0, 6.0, 16);
        Assert.Equal(0.5, s.Width, 15);
        Assert.Equal(17, s.Edges.Length);
        Assert.Equal(-2.0, s.Edges[0]);
        Assert.Equal(6.0, s.Edges[16], 12);
        Assert.Equal(-1.75, s.Centres[0], 15);
        Assert.Equal(5.75, s.Centres[15], 12);
    }

    [Fact]
    public void Support_from_targets_is_widened_by_ten_percent_of_the_span()
    {
        double[] y = [0.5, -1.0, 3.0, 2.0];
        var (lo, hi) = HLGaussSupport.RangeFromTargets(y);
        Assert.Equal(-1.4, lo, 12);
        Assert.Equal(3.4, hi, 12);
        var (lo1, hi1) = HLGaussSupport.RangeFromTargets([2.0, 2.0]);
        Assert.True(hi1 > lo1);
        Assert.Throws<ArgumentException>(() => HLGaussSupport.RangeFromTargets([1.0, double.NaN]));
    }

    [Theory]
    [InlineData(128, 0.75)]
    [InlineData(64, 0.75)]
    [InlineData(16, 2.0)]
    public void Target_sums_to_one_everywhere_and_recovers_y_inside(int k, double ratio)
    {
        var s = new HLGaussSupport(-3.0, 5.0, k);
        var q = new double[k];
        double sigma = ratio * s.Width;
        foreach (double y in new[] { -1e6, -1e3, -3.0 - 1e-12, -3.0, -2.99, 0.0, 1.234567, 4.99, 5.0, 5.0 + 1e-9, 40.0, 1e6, double.MaxValue, double.MinValue })
        {
            s.Target(y, ratio, q);
            double sum = 0;
            foreach (double v in q)
            {
                Assert.True(double.IsFinite(v) && v >= 0, $"q has {v} for y = {y}");
                sum += v;
            }
            Assert.Equal(1.0, sum, 12);
        }
        for (double y = -3.0 + 4 * sigma; y <= 5.0 - 4 * sigma; y += 0.0173)
        {
            s.Target(y, ratio, q);
            double mean = 0;
            for (int b = 0; b < q.Length; b++) mean += q[b] * s.Centres[b];
            Assert.True(Math.Abs(mean - y) < 1e-3 * s.Width, $"y = {y}: expectation {mean}");
        }
    }

    [Fact]
    public void Target_reports_clamping()
    {
        var s = new HLGaussSupport(-1, 1, 8);
        var q = new double[8];
        Assert.False(s.Target(0.3, 0.75, q));
        Assert.False(s.Target(1.0, 0.75, q));
        Assert.True(s.Target(1.0000001, 0.75, q));
        Assert.True(s.Target(-7, 0.75, q));
        // clamped to the lower end: the same target as y = lo
        var qLo = new double[8];
        s.Target(-1, 0.75, qLo);
        Assert.Equal(qLo, q);
    }

    [Fact]
    public void Target_with_a_vanishing_sigma_puts_all_mass_in_the_containing_bin()
    {
        var s = new HLGaussSupport(0, 1, 4);
        var q = new double[4];
        s.Target(0.6, 1e-300, q);
        Assert.Equal([0.0, 0.0, 1.0, 0.0], q);
    }

    [Fact]
    public void Target_matches_the_pytorch_peer()
    {
        var cases = PeerFixtures.Json("hlgauss_targets.json").GetProperty("cases");
        int n = 0;
        foreach (var c in cases.EnumerateArray())
        {
            int k = c.GetProperty("K").GetInt32();
            var s = new HLGaussSupport(c.GetProperty("lo").GetDouble(), c.GetProperty("hi").GetDouble(), k);
            var q = new double[k];
            s.Target(c.GetProperty("y").GetDouble(), c.GetProperty("sigma_ratio").GetDouble(), q);
            int j = 0;
            foreach (var e in c.GetProperty("q").EnumerateArray())
            {
                Assert.True(Math.Abs(e.GetDouble() - q[j]) < 1e-9, $"K={k} y={c.GetProperty("y").GetDouble()} bin {j}: peer {e.GetDouble():R}, ours {q[j]:R}");
                j++;
            }
            Assert.Equal(k, j);
            n++;
        }
        Assert.True(n >= 20);
    }

    [Fact]
    public void Readouts_of_simple_distributions()
    {
        // The heads' one readout (HeadMath.Readouts) over this support's centres: delta and uniform histograms.
        var s = new HLGaussSupport(0, 4, 4);
        var logp = new CatPot.Tensors.Tensor<double>(2, 4);
        double[] p = [1e-300, 1e-300, 1, 1e-300, 0.25, 0.25, 0.25, 0.25];
        for (int i = 0; i < p.Length; i++) logp[i] = Math.Log(p[i]);
        var r = CatPot.Models.Heads.HeadMath.Readouts(logp, s.Centres, [2, 3], 0.5);
        Assert.Equal(0.0, r.EnergyStd[0], 12);
        Assert.Equal(0.0, r.Entropy[0], 12);
        Assert.Equal(Math.Log(4), r.Entropy[1], 14);
        Assert.Equal(3 * 0.5 * Math.Sqrt(1.25), r.EnergyStd[1], 14);
        Assert.Equal(0.5, r.EdgeMass[1], 15);
        Assert.Equal(0.25, r.Probabilities[5], 15);
    }
}
