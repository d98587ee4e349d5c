using CatPot.Chemistry;
using CatPot.Graphs;
using Xunit;

namespace CatPot.Tests.Graphs;

public class NeighborListTests
{
    /// <summary>Plain reference: every ordered pair, in (i, j) order, by the definition |R_j − R_i| &lt; cutoff.</summary>
    private static List<(int I, int J, double Dx, double Dy, double Dz, double R)> BruteForce(double[] p, double cutoff)
    {
        int n = p.Length / 3;
        var edges = new List<(int, int, double, double, double, double)>();
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double dx = p[3 * j] - p[3 * i], dy = p[3 * j + 1] - p[3 * i + 1], dz = p[3 * j + 2] - p[3 * i + 2];
                double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                if (r < cutoff) edges.Add((i, j, dx, dy, dz, r));
            }
        }
        return edges;
    }

    private static void AssertSameAsReference(List<(int I, int J, double Dx, double Dy, double Dz, double R)> expected, NeighborList actual, string what)
    {
        Assert.True(expected.Count == actual.EdgeCount, $"{what}: expected {expected.Count} edges, got {actual.EdgeCount}");
        var rec = actual.Receivers;
        var snd = actual.Senders;
        var vec = actual.Vectors;
        var dist = actual.Distances;
        for (int e = 0; e < expected.Count; e++)
        {
            var x = expected[e];
            if (x.I != rec[e] || x.J != snd[e] || x.Dx != vec[3 * e] || x.Dy != vec[3 * e + 1] || x.Dz != vec[3 * e + 2] || x.R != dist[e])
                Assert.Fail($"{what}: edge {e} is ({rec[e]},{snd[e]}) r={dist[e]:R}, expected ({x.I},{x.J}) r={x.R:R}");
        }
        Assert.All(actual.Shifts.ToArray(), s => Assert.Equal(0, s));
    }

    /// <summary>Random positions: uniform in a box, or in a few tight clusters, at a given density.</summary>
    private static double[] RandomPositions(int n, Random rng, bool clustered, double density)
    {
        var p = new double[3 * n];
        double side = Math.Cbrt(Math.Max(n, 1) / density);
        int clusters = Math.Max(1, n / 50);
        var centres = new double[3 * clusters];
        for (int k = 0; k < centres.Length; k++) centres[k] = rng.NextDouble() * side;
        for (int i = 0; i < n; i++)
        {
            if (clustered)
            {
                int c = rng.Next(clusters);
                for (int d = 0; d < 3; d++) p[3 * i + d] = centres[3 * c + d] + (rng.NextDouble() - 0.5) * 4.0;
            }
            else
            {
                for (int d = 0; d < 3; d++) p[3 * i + d] = rng.NextDouble() * side - side / 2;
            }
        }
        return p;
    }

    [Theory]
    [InlineData(1, false, 1)]
    [InlineData(2, false, 2)]
    [InlineData(7, true, 3)]
    [InlineData(21, false, 4)]
    [InlineData(64, true, 5)]
    [InlineData(199, false, 6)]
    [InlineData(200, true, 7)]
    [InlineData(201, false, 8)]
    [InlineData(777, true, 9)]
    [InlineData(2_000, false, 10)]
    [InlineData(3_000, true, 11)]
    [InlineData(10_000, false, 12)]
    public void AllAlgorithms_MatchBruteForce_ExactlyAndInOrder(int n, bool clustered, int seed)
    {
        var rng = new Random(seed);
        double cutoff = 1.5 + 5 * rng.NextDouble();
        double density = clustered ? 0.05 : 0.01 + 0.2 * rng.NextDouble();
        var p = RandomPositions(n, rng, clustered, density);
        var expected = BruteForce(p, cutoff);

        AssertSameAsReference(expected, new NeighborListBuilder(cutoff, NeighborListAlgorithm.CellList).Build(p), $"cell list n={n}");
        AssertSameAsReference(expected, new NeighborListBuilder(cutoff, NeighborListAlgorithm.Auto).Build(p), $"auto n={n}");
        if (n <= 3_000) AssertSameAsReference(expected, new NeighborListBuilder(cutoff, NeighborListAlgorithm.Direct).Build(p), $"direct n={n}");
    }

    [Theory]
    [InlineData(5.0, 40, false)]
    [InlineData(1.7, 300, false)]
    [InlineData(3.1, 1_000, true)]
    public void PairsAtAndJustInsideTheCutoff_AreDecidedByTheDefinition(double cutoff, int n, bool jitter)
    {
        // A lattice with spacing exactly the cutoff puts many pairs at (or, after rounding, near) the cutoff;
        // some atoms are moved by one ulp so pairs land just inside and just outside.
        var rng = new Random(n);
        int side = (int)Math.Ceiling(Math.Cbrt(n));
        var p = new double[3 * n];
        for (int i = 0; i < n; i++)
        {
            p[3 * i] = (i % side) * cutoff;
            p[3 * i + 1] = (i / side % side) * cutoff;
            p[3 * i + 2] = (i / (side * side)) * cutoff;
            if (jitter && rng.Next(3) == 0) p[3 * i + rng.Next(3)] = Math.BitDecrement(p[3 * i + rng.Next(3)] + 0);
            if (rng.Next(4) == 0) p[3 * i] = Math.BitIncrement(p[3 * i]);
        }
        var expected = BruteForce(p, cutoff);
        Assert.NotEmpty(expected);
        AssertSameAsReference(expected, new NeighborListBuilder(cutoff, NeighborListAlgorithm.CellList).Build(p), "cell list");
        AssertSameAsReference(expected, new NeighborListBuilder(cutoff, NeighborListAlgorithm.Direct).Build(p), "direct");
    }

    [Fact]
    public void PairAtExactlyTheCutoff_IsNotAnEdge_OneUlpInsideIs()
    {
        const double cutoff = 5.0;
        var builder = new NeighborListBuilder(cutoff, NeighborListAlgorithm.CellList);
        Assert.Equal(0, builder.Build([0, 0, 0, cutoff, 0, 0]).EdgeCount);
        var inside = builder.Build([0, 0, 0, Math.BitDecrement(cutoff), 0, 0]);
        Assert.Equal(2, inside.EdgeCount);
        Assert.Equal([0, 1], inside.Receivers.ToArray());
        Assert.Equal([1, 0], inside.Senders.ToArray());
        // r_vec_ij = R_j − R_i points from the receiver to the sender.
        Assert.True(inside.Vectors[0] > 0);
        Assert.True(inside.Vectors[3] < 0);
    }

    [Fact]
    public void SparseCloudFarApart_UsesBoundedBinsAndStaysCorrect()
    {
        var rng = new Random(3);
        var p = new double[3 * 300];
        for (int i = 0; i < 300; i++)
        {
            double offset = (i % 3) * 1e6; // three clusters a million Å apart
            for (int d = 0; d < 3; d++) p[3 * i + d] = offset + rng.NextDouble() * 10;
        }
        var expected = BruteForce(p, 2.5);
        AssertSameAsReference(expected, new NeighborListBuilder(2.5, NeighborListAlgorithm.CellList).Build(p), "sparse");
    }

    [Fact]
    public void Edges_AreSymmetric_WithOppositeVectors()
    {
        var rng = new Random(11);
        var p = RandomPositions(500, rng, clustered: true, density: 0.05);
        var nl = new NeighborListBuilder(4.0).Build(p);
        var index = new Dictionary<(int, int), int>();
        for (int e = 0; e < nl.EdgeCount; e++) index[(nl.Receivers[e], nl.Senders[e])] = e;
        for (int e = 0; e < nl.EdgeCount; e++)
        {
            int back = index[(nl.Senders[e], nl.Receivers[e])];
            for (int d = 0; d < 3; d++) Assert.Equal(-nl.Vectors[3 * e + d], nl.Vectors[3 * back + d]);
            Assert.Equal(nl.Distances[e], nl.Distances[back]);
        }
        int[] perReceiver = nl.CountPerReceiver();
        Assert.Equal(nl.EdgeCount, perReceiver.Sum());
    }

    [Theory]
    [InlineData(150, NeighborListAlgorithm.Direct)]
    [InlineData(3_000, NeighborListAlgorithm.CellList)]
    public void PairsOnlyLists_HaveTheSamePairs_AndNoGeometry(int n, NeighborListAlgorithm algorithm)
    {
        var p = RandomPositions(n, new Random(n), clustered: false, density: 0.08);
        var full = new NeighborListBuilder(4.0, algorithm).Build(p);
        var pairs = new NeighborListBuilder(4.0, algorithm) { EdgeGeometry = false }.Build(p);
        Assert.True(full.HasGeometry);
        Assert.False(pairs.HasGeometry);
        Assert.True(full.EdgeCount > n);
        Assert.Equal(full.Receivers.ToArray(), pairs.Receivers.ToArray());
        Assert.Equal(full.Senders.ToArray(), pairs.Senders.ToArray());
        Assert.Equal(0, pairs.Vectors.Length);
        Assert.Equal(0, pairs.Distances.Length);
        Assert.Equal(0, pairs.Shifts.Length);
    }

    [Fact]
    public void OneList_RebuiltWithAndWithoutGeometry_StaysConsistent()
    {
        var p = RandomPositions(500, new Random(3), clustered: false, density: 0.08);
        var expected = BruteForce(p, 4.0);
        var list = new NeighborList();
        new NeighborListBuilder(4.0) { EdgeGeometry = false }.Build(p, list);
        new NeighborListBuilder(4.0).Build(p, list);
        AssertSameAsReference(expected, list, "geometry after pairs-only");
        new NeighborListBuilder(4.0) { EdgeGeometry = false }.Build(p, list);
        Assert.Equal(expected.Count, list.EdgeCount);
        Assert.Equal(0, list.Vectors.Length);
    }

    [Fact]
    public void LargeCellListBuild_GrowsToAboutTheFinalSize()
    {
        // The capacity follows the edges the atoms so far predict (+1/8), not repeated doubling.
        var p = RandomPositions(20_000, new Random(8), clustered: false, density: 0.1);
        var list = new NeighborListBuilder(5.0) { EdgeGeometry = false }.Build(p);
        Assert.True(list.EdgeCount > 20 * 20_000);
        Assert.InRange(list.Capacity, list.EdgeCount, (int)(list.EdgeCount * 1.35));
    }

    [Fact]
    public void Rebuild_IntoExistingList_AllocatesNothing()
    {
        var rng = new Random(5);
        var p = RandomPositions(21, rng, clustered: true, density: 0.1);
        var direct = new NeighborListBuilder(5.0);
        var cells = new NeighborListBuilder(5.0, NeighborListAlgorithm.CellList);
        var list = new NeighborList();
        direct.Build(p, list);
        cells.Build(p, list);
        int edges = list.EdgeCount;
        Assert.True(edges > 0);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 100; step++)
        {
            p[step % p.Length] += 1e-3; // small moves, as in MD
            direct.Build(p, list);
            cells.Build(p, list);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void PeriodicStructure_IsRejectedWithAClearMessage()
    {
        var s = new Structure([1, 1], [0, 0, 0, 0.7, 0, 0]) { Cell = [10, 0, 0, 0, 10, 0, 0, 0, 10], Pbc = [true, true, true] };
        var ex = Assert.Throws<NotSupportedException>(() => new NeighborListBuilder(5.0).Build(s));
        Assert.Contains("pbc", ex.Message, StringComparison.Ordinal);
        var molecule = new Structure([1, 1], [0, 0, 0, 0.7, 0, 0]);
        Assert.Equal(2, new NeighborListBuilder(5.0).Build(molecule).EdgeCount);
    }

    [Fact]
    public void NonFinitePositionOrBadCutoff_Throw()
    {
        Assert.Throws<ArgumentException>(() => new NeighborListBuilder(5.0).Build([0, 0, 0, double.NaN, 0, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NeighborListBuilder(0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NeighborListBuilder(double.PositiveInfinity));
    }

    [Fact]
    public void Auto_PicksDirectForSmallAndCellListForLarge()
    {
        var b = new NeighborListBuilder(5.0);
        Assert.Equal(NeighborListAlgorithm.Direct, b.Resolve(21));
        Assert.Equal(NeighborListAlgorithm.Direct, b.Resolve(NeighborListBuilder.DirectMaxAtoms));
        Assert.Equal(NeighborListAlgorithm.CellList, b.Resolve(NeighborListBuilder.DirectMaxAtoms + 1));
        Assert.Equal(0, b.Build(ReadOnlySpan<double>.Empty).EdgeCount);
    }

    [Fact]
    public void Large_systems_searched_on_several_threads_give_the_serial_list()
    {
        // 20,000 atoms (above the parallel threshold) in a 70 Å box; a few atoms far out so bins are uneven.
        var rng = new Random(12);
        var p = new double[3 * 20_000];
        for (int k = 0; k < p.Length; k++) p[k] = 70 * rng.NextDouble();
        for (int k = 0; k < 30; k++) p[k] = 200 + k;
        int saved = CatPot.Tensors.TensorThreading.MaxThreads;
        var lists = new List<NeighborList>();
        try
        {
            foreach (int threads in new[] { 1, 2, 5 })
            {
                CatPot.Tensors.TensorThreading.MaxThreads = threads;
                lists.Add(new NeighborListBuilder(4.0).Build(p));
            }
        }
        finally
        {
            CatPot.Tensors.TensorThreading.MaxThreads = saved;
        }
        Assert.True(lists[0].EdgeCount > 100_000);
        foreach (var list in lists.Skip(1))
        {
            Assert.True(lists[0].Receivers.SequenceEqual(list.Receivers));
            Assert.True(lists[0].Senders.SequenceEqual(list.Senders));
            Assert.True(lists[0].Vectors.SequenceEqual(list.Vectors));
            Assert.True(lists[0].Distances.SequenceEqual(list.Distances));
        }
        // And the serial list is the definition's (spot-checked on the first atoms' rows).
        var reference = BruteForce(p, 4.0).Where(x => x.I < 200).ToList();
        var firstRows = Enumerable.Range(0, lists[0].EdgeCount).Where(e => lists[0].Receivers[e] < 200).Select(e => (lists[0].Receivers[e], lists[0].Senders[e])).ToList();
        Assert.Equal(reference.Select(x => (x.I, x.J)), firstRows);
    }
}
