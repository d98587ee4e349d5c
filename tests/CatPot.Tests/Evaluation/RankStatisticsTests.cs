using CatPot.Evaluation;
using Xunit;

namespace CatPot.Tests.Evaluation;

public class RankStatisticsTests
{
    [Fact]
    public void Ranks_average_ties()
    {
        Assert.Equal(new[] { 2.5, 1.0, 2.5, 4.0 }, RankStatistics.Ranks([5.0, 1.0, 5.0, 7.0]));
        Assert.Equal(new[] { 2.0, 2.0, 2.0 }, RankStatistics.Ranks([3.0, 3.0, 3.0]));
    }

    [Fact]
    public void Pearson_of_lines_is_plus_or_minus_one_and_undefined_for_constants()
    {
        double[] x = [1, 2, 3, 4, 5];
        Assert.Equal(1.0, RankStatistics.Pearson(x, x.Select(v => 3 * v - 2).ToArray()), 14);
        Assert.Equal(-1.0, RankStatistics.Pearson(x, x.Select(v => -0.5 * v).ToArray()), 14);
        Assert.True(double.IsNaN(RankStatistics.Pearson(x, [2, 2, 2, 2, 2])));
        Assert.True(double.IsNaN(RankStatistics.Pearson([1.0], [2.0])));
        // monotone but not linear: Spearman 1, Pearson below 1
        double[] y = x.Select(v => Math.Exp(v)).ToArray();
        Assert.Equal(1.0, RankStatistics.Spearman(x, y), 14);
        Assert.True(RankStatistics.Pearson(x, y) < 0.95);
    }

    [Fact]
    public void Auroc_is_one_for_a_perfect_ranking_zero_reversed_half_for_ties()
    {
        double[] err = [0.1, 0.2, 0.3, 0.4, 5.0, 6.0];
        bool[] flags = [false, false, false, false, true, true];
        Assert.Equal(1.0, RankStatistics.Auroc(err, flags));
        Assert.Equal(0.0, RankStatistics.Auroc(err.Select(e => -e).ToArray(), flags));
        Assert.Equal(0.5, RankStatistics.Auroc([1, 1, 1, 1, 1, 1], flags));
        Assert.True(double.IsNaN(RankStatistics.Auroc([1, 2], [true, true])));
    }

    [Fact]
    public void FlagLargest_takes_round_of_a_tenth_with_earlier_index_first_among_ties()
    {
        // n = 25: round(2.5) = 2 (half to even, as Python)
        var v = Enumerable.Range(0, 25).Select(i => (double)(i % 5)).ToArray();
        var f = RankStatistics.FlagLargest(v, 0.1);
        Assert.Equal(new[] { 4, 9 }, Enumerable.Range(0, 25).Where(i => f[i]).ToArray());
        // at least one positive
        Assert.Single(RankStatistics.FlagLargest([1.0, 2.0, 3.0], 0.1), b => b);
    }
}
