using CatPot.Graphs;
using Xunit;

namespace CatPot.Tests.Graphs;

public class BatchPlannerTests
{
    private static int[] RandomAtomCounts(int count, int seed, int max = 70)
    {
        var rng = new Random(seed);
        var counts = new int[count];
        for (int k = 0; k < count; k++) counts[k] = rng.Next(3, max + 1);
        return counts;
    }

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(37, 100)]
    [InlineData(2000, 1000)]
    [InlineData(500, 65)]
    public void Plan_UsesEachStructureOnce_AndRespectsTheBudget(int structures, int maxAtoms)
    {
        int[] counts = RandomAtomCounts(structures, structures, max: 70);
        var plan = new BatchPlanner(seed: 42, maxAtoms).Plan(counts, epoch: 0);

        var seen = new HashSet<int>();
        foreach (var batch in plan.Batches)
        {
            Assert.NotEmpty(batch);
            Assert.True(batch.Sum(s => counts[s]) <= maxAtoms);
            foreach (int s in batch) Assert.True(seen.Add(s), $"structure {s} appears twice");
        }
        foreach (int s in plan.Dropped)
        {
            Assert.True(counts[s] > maxAtoms);
            Assert.True(seen.Add(s));
        }
        Assert.Equal(structures, seen.Count);
    }

    [Fact]
    public void Plan_PacksGreedily_NextStructureWouldNotHaveFit()
    {
        int[] counts = RandomAtomCounts(1000, 3);
        var plan = new BatchPlanner(seed: 9, maxAtoms: 300).Plan(counts, epoch: 2);
        for (int b = 0; b + 1 < plan.Batches.Count; b++)
        {
            int used = plan.Batches[b].Sum(s => counts[s]);
            int next = counts[plan.Batches[b + 1][0]];
            Assert.True(used + next > 300, $"batch {b} has {used} atoms and the next structure ({next} atoms) would have fitted");
        }
    }

    [Fact]
    public void Plan_IsDeterministicUnderSeed_AndDiffersAcrossEpochsAndSeeds()
    {
        int[] counts = RandomAtomCounts(800, 5);
        var a = new BatchPlanner(seed: 123).Plan(counts, epoch: 4);
        var b = new BatchPlanner(seed: 123).Plan(counts, epoch: 4);
        var nextEpoch = new BatchPlanner(seed: 123).Plan(counts, epoch: 5);
        var otherSeed = new BatchPlanner(seed: 124).Plan(counts, epoch: 4);

        Assert.Equal(Flatten(a), Flatten(b));
        Assert.Equal(a.Batches.Select(x => x.Length), b.Batches.Select(x => x.Length));
        Assert.NotEqual(Flatten(a), Flatten(nextEpoch));
        Assert.NotEqual(Flatten(a), Flatten(otherSeed));
        // Still a permutation of everything.
        Assert.Equal(Enumerable.Range(0, 800), Flatten(nextEpoch).Order());
    }

    [Fact]
    public void Unshuffled_KeepsDatasetOrder()
    {
        int[] counts = RandomAtomCounts(100, 8);
        var plan = new BatchPlanner(seed: 1, maxAtoms: 200, shuffle: false).Plan(counts, epoch: 3);
        Assert.Equal(Enumerable.Range(0, 100), Flatten(plan));
    }

    [Fact]
    public void OversizeStructures_AreDroppedAndCounted_OrGivenTheirOwnBatch()
    {
        int[] counts = [10, 500, 20, 1200, 30, 2000];
        var dropped = new BatchPlanner(seed: 7, maxAtoms: 1000).Plan(counts, epoch: 0);
        Assert.Equal([3, 5], dropped.Dropped);
        Assert.DoesNotContain(3, Flatten(dropped));

        var own = new BatchPlanner(seed: 7, maxAtoms: 1000, oversize: OversizeStructurePolicy.OwnBatch).Plan(counts, epoch: 0);
        Assert.Empty(own.Dropped);
        Assert.Contains(own.Batches, b => b.Length == 1 && b[0] == 3);
        Assert.Contains(own.Batches, b => b.Length == 1 && b[0] == 5);
    }

    [Fact]
    public void SplitMix64_MatchesTheReferenceStream()
    {
        // First outputs of Vigna's splitmix64.c from state 0.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
    }

    [Fact]
    public void SplitMix64_BoundedDraws_AreInRangeAndRoughlyUniform()
    {
        var rng = new SplitMix64(99);
        var hist = new int[7];
        for (int k = 0; k < 70_000; k++) hist[rng.NextUInt64(7)]++;
        Assert.All(hist, h => Assert.InRange(h, 9_500, 10_500));
        double u = rng.NextDouble();
        Assert.InRange(u, 0.0, 1.0);
    }

    private static List<int> Flatten(BatchPlan plan) => plan.Batches.SelectMany(b => b).ToList();
}
