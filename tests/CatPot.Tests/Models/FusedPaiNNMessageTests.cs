using CatPot.Models.Heads;
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
    private static Graph RandomGraph(int n, int seed, double density = 0.5)
    {
        var rng = new Random(seed);
        var pairs = new List<(int, int)>();
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (rng.NextDouble() < density) { pairs.Add((i, j)); pairs.Add((j, i)); }
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
    private static Tensor<double> Composite(Message m, Tensor<double>? v, Graph g)
    {
        int e = g.Receivers.Length;
        var x = Tensor.IndexSelect(m.Phi, g.Senders) * (Tensor.Linear(m.Rbf, m.Wf, m.B) * m.Fc);
        var u = m.U;
        var parts = Tensor.Split(x, [F, F, F], axis: -1);
        var ds = Tensor.IndexAdd(parts[0], g.Receivers, g.N);
        var dvEdge = Tensor.Reshape(u, e, 3, 1) * Tensor.Reshape(parts[2], e, 1, F);
        if (v is not null) dvEdge = dvEdge + Tensor.Reshape(parts[1], e, 1, F) * Tensor.IndexSelect(v, g.Senders);
        var dv = Tensor.IndexAdd(dvEdge, g.Receivers, g.N);
        return Tensor.Concat([Tensor.Reshape(ds, g.N, 1, F), dv], axis: 1);
    }

    private const int R = 4;

    private sealed record Message(Tensor<double> Phi, Tensor<double> Rbf, Tensor<double> Wf, Tensor<double> B, Tensor<double> Fc, Tensor<double> U, Tensor<double> V)
    {
        public Tensor<double>[] All(bool withV) => withV ? [Phi, Rbf, Wf, B, Fc, U, V] : [Phi, Rbf, Wf, B, Fc, U];

        public Tensor<double> Fused(Graph g, bool withV = true)
            => FusedPaiNNMessage.Forward(Phi, Rbf, Wf, B, Fc, U, withV ? V : null, g.Receivers, g.Senders, g.Topology);
    }

    private static Message Inputs(Graph g, int seed)
    {
        int e = g.Receivers.Length;
        var m = new Message(Random(seed, g.N, 3 * F), Random(seed + 1, e, R), Random(seed + 5, 3 * F, R), Random(seed + 6, 3 * F),
            Random(seed + 2, e, 1), Random(seed + 3, e, 3), Random(seed + 4, g.N, 3, F));
        foreach (var t in m.All(true)) t.RequiresGrad = true;
        return m;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_equals_the_composite_ops_bit_for_bit(bool withV)
    {
        var g = RandomGraph(9, 1);
        var m = Inputs(g, 10);
        using var noGrad = Autograd.NoGrad();
        var fused = m.Fused(g, withV);
        var composite = Composite(m, withV ? m.V : null, g);
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
        var m = Inputs(g, 20);
        var weights = Random(99, g.N, 4, F);
        var inputs = m.All(withV);
        var fused = Autograd.Grad(Tensor.Sum(m.Fused(g, withV) * weights), inputs);
        var composite = Autograd.Grad(Tensor.Sum(Composite(m, withV ? m.V : null, g) * weights), inputs);
        for (int t = 0; t < inputs.Length; t++)
        {
            Assert.Equal(composite[t].Shape, fused[t].Shape);
            for (int i = 0; i < composite[t].Length; i++)
                Assert.True(Math.Abs(composite[t][i] - fused[t][i]) <= 1e-12 * Math.Max(1, Math.Abs(composite[t][i])), $"input {t}, element {i}: {fused[t][i]} vs {composite[t][i]}");
            Assert.Contains(fused[t].ToArray(), x => Math.Abs(x) > 1e-6);
        }
    }

    [Fact]
    public void Many_chunks_and_blocks_give_the_composite_values_and_the_same_gradients_on_any_thread_count()
    {
        // ~5600 edges: dozens of chunks, several blocks, and above the op's threading threshold.
        var g = RandomGraph(150, 6, density: 0.25);
        Assert.True(g.Topology.BlockCount > 2);
        Assert.True(g.Topology.ChunkAtomStarts.Length > 3 * g.Topology.BlockCount);
        var m = Inputs(g, 60);
        var weights = Random(61, g.N, 4, F);
        var inputs = m.All(true);
        int keep = TensorThreading.MaxThreads;
        try
        {
            TensorThreading.MaxThreads = 1;
            var one = Autograd.Grad(Tensor.Sum(m.Fused(g) * weights), inputs);
            TensorThreading.MaxThreads = 3;
            var fusedValue = m.Fused(g).Detach();
            var three = Autograd.Grad(Tensor.Sum(m.Fused(g) * weights), inputs);
            var composite = Autograd.Grad(Tensor.Sum(Composite(m, m.V, g) * weights), inputs);
            using (Autograd.NoGrad()) Assert.Equal(Composite(m, m.V, g).ToArray(), fusedValue.ToArray());
            for (int t = 0; t < inputs.Length; t++)
            {
                Assert.Equal(one[t].ToArray(), three[t].ToArray());
                for (int i = 0; i < composite[t].Length; i++)
                    Assert.True(Math.Abs(composite[t][i] - three[t][i]) <= 1e-11 * Math.Max(1, Math.Abs(composite[t][i])), $"input {t}, element {i}: {three[t][i]} vs {composite[t][i]}");
            }
        }
        finally
        {
            TensorThreading.MaxThreads = keep;
        }
    }

    [Theory]
    [InlineData(40, 0.5)]  // ~780 edges: a few chunks, one block (a molecule's force call)
    [InlineData(150, 0.25)] // ~5600 edges: many chunks and blocks
    public void Without_weight_gradients_chunks_run_on_helper_threads_and_give_the_same_bits(int atoms, double density)
    {
        // Conservative forces at inference: the filter weights are constants, so chunks, not blocks, are split among threads.
        var g = RandomGraph(atoms, 8, density);
        Assert.True(g.Topology.ChunkCount > 2);
        var m = Inputs(g, 80);
        var weights = Random(81, g.N, 4, F);
        Tensor<double>[] positionsPath = [m.Phi, m.Rbf, m.Fc, m.U, m.V];
        int keep = TensorThreading.MaxThreads;
        try
        {
            TensorThreading.MaxThreads = 1;
            var withWeights = Autograd.Grad(Tensor.Sum(m.Fused(g) * weights), positionsPath);
            m.Wf.RequiresGrad = false;
            m.B.RequiresGrad = false;
            var one = Autograd.Grad(Tensor.Sum(m.Fused(g) * weights), positionsPath);
            TensorThreading.MaxThreads = 2;
            var two = Autograd.Grad(Tensor.Sum(m.Fused(g) * weights), positionsPath);
            for (int t = 0; t < positionsPath.Length; t++)
            {
                Assert.Equal(withWeights[t].ToArray(), one[t].ToArray());
                Assert.Equal(one[t].ToArray(), two[t].ToArray());
            }
        }
        finally
        {
            TensorThreading.MaxThreads = keep;
        }
    }

    [Fact]
    public void A_transposed_filter_weight_gives_the_same_bits()
    {
        var g = RandomGraph(40, 9);
        var m = Inputs(g, 90);
        m.Wf.RequiresGrad = false;
        m.B.RequiresGrad = false;
        Tensor<double> wT;
        using (Autograd.NoGrad()) wT = Tensor.Transpose(m.Wf).Clone();
        var weights = Random(91, g.N, 4, F);
        Tensor<double>[] positionsPath = [m.Phi, m.Rbf, m.Fc, m.U, m.V];
        var plainOut = m.Fused(g);
        var plain = Autograd.Grad(Tensor.Sum(plainOut * weights), positionsPath);
        var withTOut = FusedPaiNNMessage.Forward(m.Phi, m.Rbf, m.Wf, m.B, m.Fc, m.U, m.V, g.Receivers, g.Senders, g.Topology, wT);
        var withT = Autograd.Grad(Tensor.Sum(withTOut * weights), positionsPath);
        Assert.Equal(plainOut.ToArray(), withTOut.ToArray());
        for (int t = 0; t < positionsPath.Length; t++) Assert.Equal(plain[t].ToArray(), withT[t].ToArray());
        Assert.Throws<ArgumentException>(() => FusedPaiNNMessage.Forward(m.Phi, m.Rbf, m.Wf, m.B, m.Fc, m.U, m.V, g.Receivers, g.Senders, g.Topology, m.Wf));
    }

    [Fact]
    public void Gradients_match_central_differences()
    {
        var g = RandomGraph(6, 3);
        var m = Inputs(g, 30);
        var weights = Random(7, g.N, 4, F);
        double Loss()
        {
            using var noGrad = Autograd.NoGrad();
            return Tensor.Sum(m.Fused(g) * weights).ToScalar();
        }
        var inputs = m.All(true);
        var grads = Autograd.Grad(Tensor.Sum(m.Fused(g) * weights), inputs);
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
    public void A_second_backward_pass_recomputes_the_saved_filter_product_to_the_same_bits()
    {
        // The first pass uses the filter product the forward kept (and gives it back); the second recomputes it.
        var g = RandomGraph(11, 6);
        var m = Inputs(g, 60);
        var weights = Random(61, g.N, 4, F);
        var inputs = m.All(true);
        var y = Tensor.Sum(m.Fused(g, true) * weights);
        var first = Autograd.Grad(y, inputs);
        var second = Autograd.Grad(y, inputs);
        for (int t = 0; t < inputs.Length; t++)
        {
            Assert.Equal(first[t].ToArray(), second[t].ToArray());
            Assert.Contains(first[t].ToArray(), x => Math.Abs(x) > 1e-6);
        }
    }

    /// <summary>
    /// A scalar of the first-order gradients (with createGraph) and its gradient with respect to every input and to the
    /// output weights: exercises every term of the second-order rule (g, φ, rbf, W, b, fc, u, v).
    /// </summary>
    private static Tensor<double>[] SecondOrder(Func<Tensor<double>> message, Tensor<double>[] inputs, Tensor<double> weights, int seed)
    {
        var y = Tensor.Sum(message() * weights);
        var first = Autograd.Grad(y, inputs, createGraph: true);
        Tensor<double>? l = null;
        for (int t = 0; t < inputs.Length; t++)
        {
            var term = Tensor.Sum(first[t] * Random(seed + t, inputs[t].Shape)) + Tensor.Sum(Tensor.Square(first[t]));
            l = l is null ? term : l + term;
        }
        return Autograd.Grad(l!, [.. inputs, weights]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Second_order_gradients_equal_those_of_the_composite_ops(bool withV)
    {
        var g = RandomGraph(11, 12);
        var m = Inputs(g, 120);
        var weights = Random(121, g.N, 4, F);
        weights.RequiresGrad = true;
        var inputs = m.All(withV);
        var fused = SecondOrder(() => m.Fused(g, withV), inputs, weights, 200);
        var composite = SecondOrder(() => Composite(m, withV ? m.V : null, g), inputs, weights, 200);
        for (int t = 0; t < composite.Length; t++)
        {
            Assert.Equal(composite[t].Shape, fused[t].Shape);
            for (int i = 0; i < composite[t].Length; i++)
                Assert.True(Math.Abs(composite[t][i] - fused[t][i]) <= 1e-11 * Math.Max(1, Math.Abs(composite[t][i])), $"input {t}, element {i}: {fused[t][i]} vs {composite[t][i]}");
            Assert.Contains(fused[t].ToArray(), x => Math.Abs(x) > 1e-6);
        }
    }

    [Fact]
    public void Second_order_gradients_match_central_differences_of_the_first_order_gradients()
    {
        var g = RandomGraph(6, 13);
        var m = Inputs(g, 130);
        var weights = Random(131, g.N, 4, F);
        weights.RequiresGrad = true;
        var inputs = m.All(true);
        Tensor<double>[] all = [.. inputs, weights];
        // L = Σ_t ⟨∂y/∂x_t, R_t⟩ + |∂y/∂x_t|², with the first-order gradients from the (already checked) first-order rule.
        double L()
        {
            var first = Autograd.Grad(Tensor.Sum(m.Fused(g) * weights), inputs);
            double sum = 0;
            for (int t = 0; t < inputs.Length; t++)
            {
                var r = Random(300 + t, inputs[t].Shape);
                for (int i = 0; i < first[t].Length; i++) sum += (first[t][i] * r[i]) + (first[t][i] * first[t][i]);
            }
            return sum;
        }
        var grads = SecondOrder(() => m.Fused(g), inputs, weights, 300);
        const double h = 1e-6;
        for (int t = 0; t < all.Length; t++)
        {
            for (int i = 0; i < all[t].Length; i += 2)
            {
                double keep = all[t][i];
                all[t][i] = keep + h;
                double up = L();
                all[t][i] = keep - h;
                double down = L();
                all[t][i] = keep;
                double fd = (up - down) / (2 * h);
                Assert.True(Math.Abs(fd - grads[t][i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"input {t}, element {i}: {grads[t][i]} vs central difference {fd}");
            }
        }
    }

    [Fact]
    public void Second_order_gradients_are_the_same_bits_on_any_thread_count()
    {
        var g = RandomGraph(150, 14, density: 0.25);
        Assert.True(g.Topology.BlockCount > 2);
        var m = Inputs(g, 140);
        var weights = Random(141, g.N, 4, F);
        weights.RequiresGrad = true;
        var inputs = m.All(true);
        int keep = TensorThreading.MaxThreads;
        try
        {
            TensorThreading.MaxThreads = 1;
            var one = SecondOrder(() => m.Fused(g), inputs, weights, 400);
            TensorThreading.MaxThreads = 2;
            var two = SecondOrder(() => m.Fused(g), inputs, weights, 400);
            TensorThreading.MaxThreads = 3;
            var three = SecondOrder(() => m.Fused(g), inputs, weights, 400);
            for (int t = 0; t < one.Length; t++)
            {
                Assert.Equal(one[t].ToArray(), two[t].ToArray());
                Assert.Equal(one[t].ToArray(), three[t].ToArray());
            }
        }
        finally
        {
            TensorThreading.MaxThreads = keep;
        }
    }

    [Fact]
    public void Differentiating_a_third_time_is_refused()
    {
        var g = RandomGraph(5, 4);
        var m = Inputs(g, 40);
        var y = Tensor.Sum(m.Fused(g));
        var du = Autograd.Grad(y, [m.U], createGraph: true)[0];
        // The second derivative itself is available; recording it for a third is not.
        Assert.Contains(Autograd.Grad(Tensor.Sum(Tensor.Square(du)), [m.Phi])[0].ToArray(), x => Math.Abs(x) > 1e-6);
        Assert.Throws<NotSupportedException>(() => Autograd.Grad(Tensor.Sum(Tensor.Square(du)), [m.Phi], createGraph: true));
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
    public void Conservative_force_training_gradients_are_the_same_fused_or_composite()
    {
        var config = new PotentialConfig { Features = 8, Layers = 3, RadialBasis = 6, Cutoff = 4.0 };
        var parameters = new ParameterSet<double>();
        var backbone = new PaiNN<double>(parameters, config);
        var rng = new Random(15);
        foreach (var (_, t, _) in parameters.Items)
            for (int i = 0; i < t.Length; i++) t[i] = (rng.NextDouble() * 2) - 1;
        var structures = new[] { Molecule(11, 7), Molecule(12, 5) };
        var input = ModelInput<double>.FromBatch(GraphBatch.Create(structures, new NeighborListBuilder(config.Cutoff)));
        Assert.NotNull(input.Topology);
        input.Positions.RequiresGrad = true;
        var leaves = parameters.Items.Select(p => p.Tensor).Append(input.Positions).ToArray();

        Tensor<double>[] Run(bool fused)
        {
            var (s, v) = backbone.Forward(input, allowFused: fused);
            var energy = Tensor.Sum(Tensor.Square(s)) + Tensor.Sum(v * v * v);
            var forces = Autograd.Grad(energy, [input.Positions], createGraph: true)[0];
            return Autograd.Grad(Tensor.Sum(Tensor.Square(forces)) + energy, leaves);
        }
        var gf = Run(true);
        var gc = Run(false);
        for (int t = 0; t < leaves.Length; t++)
            for (int i = 0; i < gc[t].Length; i++)
                Assert.True(Math.Abs(gc[t][i] - gf[t][i]) <= 1e-10 * Math.Max(1, Math.Abs(gc[t][i])), $"{parameters.Items.ElementAtOrDefault(t).Name ?? "positions"}[{i}]: {gf[t][i]} vs {gc[t][i]}");
    }

    [Fact]
    public void Backbone_features_in_float_are_bit_identical_fused_or_composite()
    {
        // Wide enough for the SIMD paths of both the filter GEMM and the per-edge loops; many atoms for several chunks.
        var config = new PotentialConfig { Features = 48, Layers = 2, RadialBasis = 20, Cutoff = 5.0 };
        var parameters = new ParameterSet<float>();
        var backbone = new PaiNN<float>(parameters, config);
        var rng = new Random(8);
        foreach (var (_, t, _) in parameters.Items)
            for (int i = 0; i < t.Length; i++) t[i] = (float)((rng.NextDouble() * 2) - 1);
        var input = ModelInput<float>.FromBatch(GraphBatch.Create([Molecule(3, 40), Molecule(4, 7)], new NeighborListBuilder(config.Cutoff)));
        Assert.NotNull(input.Topology);
        Assert.True(input.Topology!.ChunkAtomStarts.Length > 2);
        using var noGrad = Autograd.NoGrad();
        var (sf, vf) = backbone.Forward(input, allowFused: true);
        var (sc, vc) = backbone.Forward(input, allowFused: false);
        Assert.Equal(sc.ToArray(), sf.ToArray());
        Assert.Equal(vc.ToArray(), vf.ToArray());
    }

    [Fact]
    public void Training_on_conservative_forces_uses_the_differentiable_path()
    {
        var model = new Potential<double>(new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0, Head = new HLGaussHeadConfig { Bins = 12 } }, new PotentialStatistics());
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

    /// <summary>A loose chain of H, C, N, O atoms (seeded): every pair apart, most within a 4 Å cutoff. Shared with RankTwoFeaturesTests.</summary>
    internal static Structure Molecule(int seed, int atoms)
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
