using CatPot.Chemistry;
using CatPot.Graphs;
using Xunit;

namespace CatPot.Tests.Graphs;

public class GraphBatchTests
{
    private static List<Structure> RandomMolecules(int count, int seed)
    {
        var rng = new Random(seed);
        var list = new List<Structure>();
        for (int s = 0; s < count; s++)
        {
            int n = rng.Next(1, 30);
            var z = new int[n];
            var p = new double[3 * n];
            for (int i = 0; i < n; i++) z[i] = rng.Next(1, 10);
            for (int k = 0; k < 3 * n; k++) p[k] = rng.NextDouble() * 8;
            var st = new Structure(z, p, charge: rng.Next(-2, 3), spin: rng.Next(1, 4));
            if (s % 3 != 0) st.Energy = -100 * n * rng.NextDouble();
            if (s % 4 != 1)
            {
                var f = new double[3 * n];
                for (int k = 0; k < f.Length; k++) f[k] = rng.NextDouble() - 0.5;
                st.Forces = f;
            }
            list.Add(st);
        }
        return list;
    }

    [Fact]
    public void Batch_ConcatenatesStructures_AndOffsetsEdges()
    {
        var data = RandomMolecules(40, 1);
        int[] pick = [5, 0, 17, 33, 2, 8];
        var cache = new NeighborListCache(data, 5.0);
        var batch = GraphBatch.Create(data, pick, cache);

        Assert.Equal(pick.Length, batch.StructureCount);
        Assert.Equal(pick.Sum(k => data[k].AtomCount), batch.AtomCount);
        for (int b = 0; b < pick.Length; b++)
        {
            var st = data[pick[b]];
            int a0 = batch.AtomOffsets[b];
            Assert.Equal(st.AtomCount, batch.AtomCounts[b]);
            Assert.Equal(a0 + st.AtomCount, batch.AtomOffsets[b + 1]);
            Assert.Equal(st.Charge, batch.Charges[b]);
            Assert.Equal(st.Spin, batch.Spins[b]);
            Assert.Equal(st.Energy ?? double.NaN, batch.Energies[b]);
            Assert.Equal(st.Forces is not null, batch.HasForces[b]);
            for (int i = 0; i < st.AtomCount; i++)
            {
                Assert.Equal(b, batch.AtomToStructure[a0 + i]);
                Assert.Equal(st.Numbers[i], batch.Numbers[a0 + i]);
                for (int d = 0; d < 3; d++)
                {
                    Assert.Equal(st.Positions[3 * i + d], batch.Positions[3 * (a0 + i) + d]);
                    Assert.Equal((float)st.Positions[3 * i + d], batch.PositionsF[3 * (a0 + i) + d]);
                    float expectedForce = st.Forces is null ? float.NaN : (float)st.Forces[3 * i + d];
                    Assert.Equal(expectedForce, batch.Forces![3 * (a0 + i) + d]);
                }
            }

            var nl = cache.Get(pick[b]);
            int e0 = batch.EdgeOffsets[b];
            Assert.Equal(nl.EdgeCount, batch.EdgeOffsets[b + 1] - e0);
            for (int e = 0; e < nl.EdgeCount; e++)
            {
                Assert.Equal(nl.Receivers[e] + a0, batch.Receivers[e0 + e]);
                Assert.Equal(nl.Senders[e] + a0, batch.Senders[e0 + e]);
                Assert.Equal(b, batch.AtomToStructure[batch.Senders[e0 + e]]);
            }
        }

        for (int e = 1; e < batch.EdgeCount; e++) Assert.True(batch.Receivers[e - 1] <= batch.Receivers[e]);
        // Edge vectors agree with float positions to float rounding.
        for (int e = 0; e < batch.EdgeCount; e++)
        {
            int i = batch.Receivers[e], j = batch.Senders[e];
            for (int d = 0; d < 3; d++)
                Assert.Equal(batch.PositionsF[3 * j + d] - batch.PositionsF[3 * i + d], batch.EdgeVectors[3 * e + d], 1e-5f);
        }
    }

    [Fact]
    public void Cache_ReturnsTheSameListAndMatchesAFreshBuild()
    {
        var data = RandomMolecules(10, 2);
        var cache = new NeighborListCache(data, 4.0);
        var first = cache.Get(3);
        Assert.Same(first, cache.Get(3));
        var fresh = new NeighborListBuilder(4.0).Build(data[3]);
        Assert.Equal(fresh.Senders.ToArray(), first.Senders.ToArray());
        Assert.Equal(fresh.Receivers.ToArray(), first.Receivers.ToArray());
    }

    [Fact]
    public void BatchWithoutForces_HasNullForces()
    {
        var data = RandomMolecules(6, 3);
        foreach (var s in data) s.Forces = null;
        var batch = GraphBatch.Create(data, new NeighborListBuilder(5.0));
        Assert.Null(batch.Forces);
        Assert.Equal(6, batch.StructureCount);
        Assert.All(batch.HasForces, Assert.False);
    }
}
