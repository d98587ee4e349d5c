using CatPot.ActiveLearning;
using CatPot.Chemistry;
using Xunit;

namespace CatPot.Tests.ActiveLearning;

public sealed class FrameSelectorTests
{
    private static PoolFrame Frame(string id, double stretch, double uncertainty, bool flagged = true) =>
        new(id, new Structure([1, 1], [0, 0, 0, 0.7 + stretch, 0, 0]), 0, 0, 0, 300, uncertainty, flagged);

    [Fact]
    public void FeaturesAreInverseDistancesAndDifferentSpeciesAreFarApart()
    {
        var a = FrameFeatures.Of(new Structure([1, 1], [0, 0, 0, 2, 0, 0]));
        Assert.Equal([0.5], a.Values);
        var b = FrameFeatures.Of(new Structure([1, 1], [0, 0, 0, 0, 4, 0]));
        Assert.Equal(0.25, a.DistanceTo(b), 1e-15);
        var c = FrameFeatures.Of(new Structure([1, 8], [0, 0, 0, 2, 0, 0]));
        Assert.Equal(double.PositiveInfinity, a.DistanceTo(c));
    }

    [Fact]
    public void ActiveSelectionStartsWithTheMostUncertainThenTakesTheFarthest()
    {
        var pool = new[]
        {
            Frame("a", 0.00, 1.0),
            Frame("b", 0.50, 5.0),   // most uncertain: first
            Frame("c", 0.49, 0.5),   // near b: later
            Frame("d", -0.2, 0.2),   // farthest from b: second
            Frame("e", 0.30, 9.0, flagged: false),  // never: not flagged
        };
        var picked = FrameSelector.SelectActive(pool, [], 3, minDistance: 0, fillCandidates: 0);
        Assert.Equal(["b", "d", "a"], picked.Select(p => p.Id));
    }

    [Fact]
    public void UnflaggedFramesFillTheBudgetMostUncertainFirstAndOnlyWhenAllowed()
    {
        var pool = new[]
        {
            Frame("flagged", 0.0, 1.0),
            Frame("sure", 0.5, 0.1, flagged: false),
            Frame("unsure", -0.3, 0.9, flagged: false),
        };
        Assert.Equal(["flagged", "unsure"], FrameSelector.SelectActive(pool, [], 2, 0, fillCandidates: 1).Select(p => p.Id));
        Assert.Equal(["flagged"], FrameSelector.SelectActive(pool, [], 2, 0, fillCandidates: 0).Select(p => p.Id));
        Assert.Equal(3, FrameSelector.SelectActive(pool, [], 3, 0).Count);
    }

    [Fact]
    public void NearDuplicatesOfLabelledOrPickedFramesAreNeverPicked()
    {
        var labelled = new[] { FrameFeatures.Of(new Structure([1, 1], [0, 0, 0, 0.7, 0, 0])) };
        var pool = new[] { Frame("same-as-labelled", 0.0, 3), Frame("x", 0.4, 2), Frame("x-twin", 0.4000001, 1) };
        var picked = FrameSelector.SelectActive(pool, labelled, 10, minDistance: 1e-3, fillCandidates: 0);
        var only = Assert.Single(picked);         // the twins are near-duplicates of each other: one of them
        Assert.StartsWith("x", only.Id);
    }

    [Fact]
    public void RandomSelectionIsSeededAndDrawsFromTheWholePool()
    {
        var pool = Enumerable.Range(0, 50).Select(i => Frame($"f{i}", i * 0.01, 0, flagged: i % 2 == 0)).ToArray();
        var a = FrameSelector.SelectRandom(pool, 20, 7).Select(p => p.Id).ToList();
        var b = FrameSelector.SelectRandom(pool, 20, 7).Select(p => p.Id).ToList();
        Assert.Equal(a, b);
        Assert.Equal(20, a.Distinct().Count());
        Assert.Contains(a, id => int.Parse(id[1..]) % 2 == 1);
        Assert.NotEqual(a, FrameSelector.SelectRandom(pool, 20, 8).Select(p => p.Id).ToList());
    }
}

public sealed class FragmentTests
{
    [Fact]
    public void BondedFragmentsAreCountedByCovalentRadii()
    {
        var water = new Structure([8, 1, 1], [0, 0, 0.1173, 0, 0.7572, -0.4692, 0, -0.7572, -0.4692]);
        Assert.Equal(1, ActiveLearner.Fragments(water));
        var lostH = new Structure([8, 1, 1], [0, 0, 0.1173, 0, 0.7572, -0.4692, 0, -4.0, -0.4692]);
        Assert.Equal(2, ActiveLearner.Fragments(lostH));
        var apart = new Structure([1, 1, 1], [0, 0, 0, 5, 0, 0, 10, 0, 0]);
        Assert.Equal(3, ActiveLearner.Fragments(apart));
    }
}
