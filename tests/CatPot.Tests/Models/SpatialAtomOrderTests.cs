using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>The large-system path's spatial renumbering of atoms: a permutation, the same edges, and neighbours close in number.</summary>
public class SpatialAtomOrderTests
{
    [Fact]
    public void Renumbers_atoms_and_edges_consistently_and_brings_neighbours_together()
    {
        // 3,000 atoms in a 30 Å box, numbered at random.
        var rng = new Random(4);
        int n = 3000;
        var positions = new double[3 * n];
        for (int k = 0; k < positions.Length; k++) positions[k] = 30 * rng.NextDouble();
        var structure = new Structure(Enumerable.Range(0, n).Select(a => a % 3 == 0 ? 8 : 1).ToArray(), positions);
        var input = ModelInput<double>.FromBatch(GraphBatch.Create([structure], new NeighborListBuilder(4.0)));
        var topology = input.Topology!;

        var order = SpatialAtomOrder.Of(input, topology, 4.0);

        Assert.Equal(Enumerable.Range(0, n), order.Order.Order());
        var oldEdges = new HashSet<(int, int)>();
        for (int i = 0; i < n; i++)
            for (int e = topology.ReceiverOffsets[i]; e < topology.ReceiverOffsets[i + 1]; e++) oldEdges.Add((i, input.Senders[e]));
        var renumbered = order.Topology;
        double spreadOld = 0, spreadNew = 0;
        for (int k = 0; k < n; k++)
        {
            Assert.Equal(input.AtomicNumbers[order.Order[k]], order.AtomicNumbers[k]);
            for (int d = renumbered.ReceiverOffsets[k]; d < renumbered.ReceiverOffsets[k + 1]; d++)
            {
                int m = order.Senders[d];
                Assert.Contains((order.Order[k], order.Order[m]), oldEdges);
                Assert.Equal(k, order.Senders[renumbered.Reverse[d]]);
                Assert.Equal(d, renumbered.Reverse[renumbered.Reverse[d]]);
                spreadNew += Math.Abs(k - m);
            }
        }
        Assert.Equal(oldEdges.Count, order.Senders.Length);
        for (int i = 0; i < n; i++)
            for (int e = topology.ReceiverOffsets[i]; e < topology.ReceiverOffsets[i + 1]; e++) spreadOld += Math.Abs(i - input.Senders[e]);
        // Random numbering puts neighbours ~n/3 apart on average; along the curve they are a few cells' atoms apart.
        Assert.True(spreadNew < 0.25 * spreadOld, $"mean |i − j| over edges: {spreadNew / order.Senders.Length:F0} (was {spreadOld / order.Senders.Length:F0})");
    }
}
