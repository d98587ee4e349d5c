using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Tensors;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>The fused PaiNN message op against the composite ops it replaces: values, first-order gradients, fallbacks.</summary>
public class FusedPaiNNMessageTests
{
    private const int F = 5;

    private sealed record Graph(int N, int[] Receivers, int[] Senders, EdgeTopology Topology);

    /// <summary>A random symmetric, receiver-sorted edge list (some atoms isolated).</summary>
    private static Graph RandomGraph(int n, int seed)
    {
        var rng = new Random(seed);
        var pairs = new List<(int, int)>();
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (rng.NextDouble() < 0.5) { pairs.Add((i, j)); pairs.Add((j, i)); }
        pairs.Sort();
        int[] rec = [.. pairs.Select(p => p.Item1)], snd = [.. pairs.Select(p => p.Item2)];
        return new Graph(n, rec, snd, EdgeTopology.TryCreate(n, rec, snd)!);
    }

    private static Tensor<double> Random(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var t = new Tensor<double>(shape);
        for (int i = 0; i < t.Length; i++) t[i] = (rng.NextDouble() * 2) - 1;
        return t;
    }

    /// <summary>The composite form of the message, packed like the fused op's output [N, 4, F].</summary>
    private static Tensor<double> Composite(Tensor<double> phi, Tensor<double> w, Tensor<double> fc, Tensor<double> u, Tensor<double>? v, Graph g)
    {
        int e = g.Receivers.Length;
        var x = Tensor.IndexSelect(phi, g.Senders) * (w * fc);
        var parts = Tensor.Split(x, [F, F, F], axis: -1);
        var ds = Tensor.IndexAdd(parts[0], g.Receivers, g.N);
        var dvEdge = Tensor.Reshape(u, e, 3, 1) * Tensor.Reshape(parts[2], e, 1, F);
        if (v is not null) dvEdge = dvEdge + Tensor.Reshape(parts[1], e, 1, F) * Tensor.IndexSelect(v, g.Senders);
        var dv = Tensor.IndexAdd(dvEdge, g.Receivers, g.N);
        return Tensor.Concat([Tensor.Reshape(ds, g.N, 1, F), dv], axis: 1);
    }

    private static (Tensor<double> Phi, Tensor<double> W, Tensor<double> Fc, Tensor<double> U, Tensor<double> V) Inputs(Graph g, int seed)
    {
        int e = g.Receivers.Length;
        var phi = Random(seed, g.N, 3 * F);
        var w = Random(seed + 1, e, 3 * F);
        var fc = Random(seed + 2, e, 1);
        var u = Random(seed + 3, e, 3);
        var v = Random(seed + 4, g.N, 3, F);
        foreach (var t in new[] { phi, w, fc, u, v }) t.RequiresGrad = true;
        return (phi, w, fc, u, v);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_equals_the_composite_ops_bit_for_bit(bool withV)
    {
        var g = RandomGraph(9, 1);
        var (phi, w, fc, u, v) = Inputs(g, 10);
        using var noGrad = Autograd.NoGrad();
        var fused = FusedPaiNNMessage.Forward(phi, w, fc, u, withV ? v : null, g.Receivers, g.Senders, g.Topology);
        var composite = Composite(phi, w, fc, u, withV ? v : null, g);
        Assert.Equal(composite.Shape, fused.Shape);
        Assert.Equal(composite.ToArray(), fused.ToArray());
        Assert.Contains(fused.ToArray(), x => Math.Abs(x) > 1e-3);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gradients_equal_those_of_the_composite_ops(bool withV)
    {
        var g = RandomGraph(11, 2);
        var (phi, w, fc, u, v) = Inputs(g, 20);
        var weights = Random(99, g.N, 4, F);
        var inputs = withV ? new[] { phi, w, fc, u, v } : new[] { phi, w, fc, u };
        var fused = Autograd.Grad(Tensor.Sum(FusedPaiNNMessage.Forward(phi, w, fc, u, withV ? v : null, g.Receivers, g.Senders, g.Topology) * weights), inputs);
        var composite = Autograd.Grad(Tensor.Sum(Composite(phi, w, fc, u, withV ? v : null, g) * weights), inputs);
        for (int t = 0; t < inputs.Length; t++)
        {
            Assert.Equal(composite[t].Shape, fused[t].Shape);
            for (int i = 0; i < composite[t].Length; i++)
                Assert.True(Math.Abs(composite[t][i] - fused[t][i]) <= 1e-12 * Math.Max(1, Math.Abs(composite[t][i])), $"input {t}, element {i}: {fused[t][i]} vs {composite[t][i]}");
            Assert.Contains(fused[t].ToArray(), x => Math.Abs(x) > 1e-6);
        }
    }

    [Fact]
    public void Gradients_match_central_differences()
    {
        var g = RandomGraph(6, 3);
        var (phi, w, fc, u, v) = Inputs(g, 30);
        var weights = Random(7, g.N, 4, F);
        double Loss()
        {
            using var noGrad = Autograd.NoGrad();
            return Tensor.Sum(FusedPaiNNMessage.Forward(phi, w, fc, u, v, g.Receivers, g.Senders, g.Topology) * weights).ToScalar();
        }
        var inputs = new[] { phi, w, fc, u, v };
        var grads = Autograd.Grad(Tensor.Sum(FusedPaiNNMessage.Forward(phi, w, fc, u, v, g.Receivers, g.Senders, g.Topology) * weights), inputs);
        const double h = 1e-6;
        for (int t = 0; t < inputs.Length; t++)
        {
            for (int i = 0; i < inputs[t].Length; i += 3)
            {
                double keep = inputs[t][i];
                inputs[t][i] = keep + h;
                double up = Loss();
                inputs[t][i] = keep - h;
                double down = Loss();
                inputs[t][i] = keep;
                Assert.Equal((up - down) / (2 * h), grads[t][i], 1e-7);
            }
        }
    }

    [Fact]
    public void Differentiating_the_gradient_again_is_refused()
    {
        var g = RandomGraph(5, 4);
        var (phi, w, fc, u, v) = Inputs(g, 40);
        var y = Tensor.Sum(FusedPaiNNMessage.Forward(phi, w, fc, u, v, g.Receivers, g.Senders, g.Topology));
        Assert.Throws<NotSupportedException>(() => Autograd.Grad(y, [u], createGraph: true));
    }

    [Fact]
    public void Topology_is_refused_for_asymmetric_or_unsorted_edges()
    {
        Assert.Null(EdgeTopology.TryCreate(3, [0, 1], [1, 2]));
        Assert.Null(EdgeTopology.TryCreate(2, [1, 0], [0, 1]));
        var t = EdgeTopology.TryCreate(3, [0, 0, 1, 2], [1, 2, 0, 0])!;
        Assert.Equal(new[] { 2, 3, 0, 1 }, t.Reverse);
        Assert.Equal(new[] { 0, 2, 3, 4 }, t.ReceiverOffsets);
    }

    [Fact]
    public void Backbone_gives_the_same_features_and_parameter_gradients_fused_or_composite()
    {
        var config = new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0 };
        var parameters = new ParameterSet<double>();
        var backbone = new PaiNN<double>(parameters, config);
        var rng = new Random(5);
        foreach (var (_, t, _) in parameters.Items)
            for (int i = 0; i < t.Length; i++) t[i] = (rng.NextDouble() * 2) - 1;
        var structures = new[] { Molecule(1, 6), Molecule(2, 4) };
        var input = ModelInput<double>.FromBatch(GraphBatch.Create(structures, new NeighborListBuilder(config.Cutoff)));
        Assert.NotNull(input.Topology);
        input.Positions.RequiresGrad = true;
        var leaves = parameters.Items.Select(p => p.Tensor).Append(input.Positions).ToArray();

        Tensor<double>[] Run(bool fused, out double[] features)
        {
            var (s, v) = backbone.Forward(input, allowFused: fused);
            features = [.. s.ToArray(), .. v.ToArray()];
            var loss = Tensor.Sum(Tensor.Square(s)) + Tensor.Sum(v * v * v);
            return Autograd.Grad(loss, leaves);
        }
        var gf = Run(true, out var ff);
        var gc = Run(false, out var fcFeatures);
        Assert.Equal(fcFeatures, ff);
        for (int t = 0; t < leaves.Length; t++)
            for (int i = 0; i < gc[t].Length; i++)
                Assert.True(Math.Abs(gc[t][i] - gf[t][i]) <= 1e-10 * Math.Max(1, Math.Abs(gc[t][i])), $"{leaves[t].Name ?? "positions"}[{i}]: {gf[t][i]} vs {gc[t][i]}");
    }

    [Fact]
    public void Training_on_conservative_forces_uses_the_differentiable_path()
    {
        var model = new Potential<double>(new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0, Bins = 12 }, new PotentialStatistics());
        model.InitializeParameters(3);
        var input = ModelInput<double>.FromBatch(GraphBatch.Create([Molecule(7, 5)], new NeighborListBuilder(4.0)));
        var inference = model.Forward(input, directForces: false, conservativeForces: true).ConservativeForces!.ToArray();
        var input2 = ModelInput<double>.FromBatch(GraphBatch.Create([Molecule(7, 5)], new NeighborListBuilder(4.0)));
        var o = model.Forward(input2, directForces: false, conservativeForces: true, createGraph: true);
        for (int i = 0; i < inference.Length; i++) Assert.Equal(inference[i], o.ConservativeForces![i], 1e-12);
        var w = model.Parameters["layers.0.message.filter.weight"];
        var g = Autograd.Grad(Tensor.Sum(Tensor.Square(o.ConservativeForces!)), [w])[0];
        Assert.Contains(g.ToArray(), x => Math.Abs(x) > 1e-8);
    }

    private static Structure Molecule(int seed, int atoms)
    {
        var rng = new Random(seed);
        int[] zs = [1, 6, 7, 8];
        var pos = new double[3 * atoms];
        for (int i = 0; i < atoms; i++)
        {
            pos[3 * i] = 1.1 * i + rng.NextDouble() * 0.3;
            pos[3 * i + 1] = rng.NextDouble() * 1.5;
            pos[3 * i + 2] = rng.NextDouble() * 1.5;
        }
        return new Structure([.. Enumerable.Range(0, atoms).Select(_ => zs[rng.Next(zs.Length)])], pos);
    }
}
