using System.Runtime.CompilerServices;
using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Tensors;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>
/// The large-system path (chunked atom blocks, edge features per edge chunk, hand-ordered reverse pass) against the whole-graph
/// autodiff path of <see cref="Potential{T}.Forward"/>: energies, direct and conservative forces, several structures per batch,
/// many chunks, both heads; and results independent of the thread count.
/// </summary>
public class ChunkedPotentialEvaluatorTests
{
    private static PotentialStatistics Stats() => new()
    {
        ElementReferences = Enumerable.Range(0, 119).Select(z => -10.0 * z).ToArray(),
        Mu = -0.3, Sd = 0.7, Lo = -3, Hi = 3, ForceRms = 1.7,
    };

    /// <summary>A random cloud of atoms at about liquid density, every pair at least 0.9 Å apart.</summary>
    private static Structure Cloud(int seed, int atoms, int charge = 0, int spin = 1)
    {
        var rng = new Random(seed);
        int[] zs = [1, 6, 7, 8];
        double side = Math.Cbrt(atoms / 0.08);
        var pos = new List<double>();
        while (pos.Count < 3 * atoms)
        {
            double x = rng.NextDouble() * side, y = rng.NextDouble() * side, z = rng.NextDouble() * side;
            bool clash = false;
            for (int k = 0; k < pos.Count && !clash; k += 3)
                clash = ((pos[k] - x) * (pos[k] - x)) + ((pos[k + 1] - y) * (pos[k + 1] - y)) + ((pos[k + 2] - z) * (pos[k + 2] - z)) < 0.81;
            if (!clash) pos.AddRange([x, y, z]);
        }
        return new Structure(Enumerable.Range(0, atoms).Select(_ => zs[rng.Next(zs.Length)]).ToArray(), [.. pos], charge, spin);
    }

    private static ModelInput<T> Input<T>(double cutoff, params Structure[] structures) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => ModelInput<T>.FromBatch(GraphBatch.Create(structures, new NeighborListBuilder(cutoff)));

    /// <summary>A model with seeded weights that need no gradients (inference; forces come from the evaluator's own reverse pass).</summary>
    private static Potential<T> Frozen<T>(PotentialConfig config, ulong seed) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var model = new Potential<T>(config, Stats());
        model.InitializeParameters(seed);
        model.Parameters.SetRequiresGrad(false);
        return model;
    }

    [Theory]
    [InlineData("hlgauss", 7, 3, 8)]
    [InlineData("mae", 7, 3, 8)]
    [InlineData("hlgauss", 1000, 3, 8)]
    [InlineData("hlgauss", 7, 0, 8)]
    [InlineData("mae", 7, 1, 8)]
    [InlineData("hlgauss", 7, 1, 6)] // a width that is no multiple of any vector: the kernels' scalar tails
    public void Matches_the_autodiff_path_in_float64(string head, int atomChunk, int keptLayers, int features)
    {
        var config = new PotentialConfig { Features = features, Layers = 3, RadialBasis = 6, Cutoff = 3.5, Head = head == "hlgauss" ? new CatPot.Models.Heads.HLGaussHeadConfig { Bins = 12 } : TestHeads.Of(head) };
        var model = Frozen<double>(config, 3);
        Structure[] batch = [Cloud(1, 40), Cloud(2, 25, charge: 1, spin: 2)];

        var reference = Input<double>(config.Cutoff, batch);
        var expected = model.Forward(reference, directForces: true, conservativeForces: true);
        var input = Input<double>(config.Cutoff, batch);
        Assert.True(input.EdgeCount > 300);
        var evaluator = new ChunkedPotentialEvaluator<double>(model, atomChunk, keptLayers * MessageBytes<double>(input.AtomCount, config.Features));
        var conservative = evaluator.Evaluate(input, directForces: false, conservativeForces: true);
        PotentialOutput<double> direct;
        using (Autograd.NoGrad()) direct = evaluator.Evaluate(input, directForces: true, conservativeForces: false);

        foreach (var actual in new[] { conservative, direct })
        {
            for (int s = 0; s < batch.Length; s++) Assert.Equal(expected.Energy[s], actual.Energy[s], 1e-9);
            Assert.Equal(expected.NormalizedEnergy.ToArray(), actual.NormalizedEnergy.ToArray(), new Tolerance(1e-12));
            Assert.Equal(expected.ScalarFeatures.ToArray(), actual.ScalarFeatures.ToArray(), new Tolerance(1e-12));
            if (head == "hlgauss")
            {
                Assert.Equal(expected.EnergyStd!, actual.EnergyStd!, new Tolerance(1e-12));
                Assert.Equal(expected.Entropy!, actual.Entropy!, new Tolerance(1e-12));
            }
        }
        Assert.Equal(expected.ConservativeForces!.ToArray(), conservative.ConservativeForces!.ToArray(), new Tolerance(1e-10));
        Assert.Equal(expected.DirectForces!.ToArray(), direct.DirectForces!.ToArray(), new Tolerance(1e-12));
        Assert.Contains(conservative.ConservativeForces!.ToArray(), x => Math.Abs(x) > 1e-3);
    }

    [Fact]
    public void Matches_the_autodiff_path_in_float32_at_the_default_size()
    {
        var model = Frozen<float>(new PotentialConfig(), 5);
        model.FreezeForInference();
        var structure = Cloud(7, 300);
        var expected = model.Forward(Input<float>(5.0, structure), directForces: true, conservativeForces: true);
        var evaluator = new ChunkedPotentialEvaluator<float>(model, 128);
        var input = Input<float>(5.0, structure);
        var conservative = evaluator.Evaluate(input, directForces: false, conservativeForces: true);
        PotentialOutput<float> direct;
        using (Autograd.NoGrad()) direct = evaluator.Evaluate(input, directForces: true, conservativeForces: false);

        Assert.Equal(expected.Energy[0], conservative.Energy[0], Math.Abs(expected.Energy[0]) * 1e-6);
        Assert.Equal(expected.Energy[0], direct.Energy[0], Math.Abs(expected.Energy[0]) * 1e-6);
        AssertClose(expected.ConservativeForces!.ToArray(), conservative.ConservativeForces!.ToArray());
        AssertClose(expected.DirectForces!.ToArray(), direct.DirectForces!.ToArray());
    }

    [Fact]
    public void Kept_and_recomputed_messages_give_the_same_bits()
    {
        var model = Frozen<float>(new PotentialConfig { Features = 32, Layers = 3 }, 13);
        var structure = Cloud(17, 400);
        var results = new List<(double, float[])>();
        foreach (int keptLayers in new[] { 3, 2, 1, 0 })
        {
            var evaluator = new ChunkedPotentialEvaluator<float>(model, 100, keptLayers * MessageBytes<float>(structure.AtomCount, 32));
            // Twice: the second call reuses the arrays the first one sized.
            for (int call = 0; call < 2; call++)
            {
                var output = evaluator.Evaluate(Input<float>(5.0, structure), directForces: false, conservativeForces: true);
                results.Add((output.Energy[0], output.ConservativeForces!.ToArray()));
            }
        }
        Assert.Contains(results[0].Item2, x => MathF.Abs(x) > 1e-3f);
        foreach (var r in results.Skip(1))
        {
            Assert.Equal(results[0].Item1, r.Item1);
            Assert.Equal(results[0].Item2, r.Item2);
        }
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        var model = Frozen<float>(new PotentialConfig { Features = 32, Layers = 2 }, 9);
        var structure = Cloud(11, 500);
        int saved = TensorThreading.MaxThreads;
        var results = new List<(double, float[], float[])>();
        try
        {
            foreach (int threads in new[] { 1, 2, 7 })
            {
                TensorThreading.MaxThreads = threads;
                var evaluator = new ChunkedPotentialEvaluator<float>(model, 200);
                var input = Input<float>(5.0, structure);
                var c = evaluator.Evaluate(input, directForces: false, conservativeForces: true);
                PotentialOutput<float> d;
                using (Autograd.NoGrad()) d = evaluator.Evaluate(input, directForces: true, conservativeForces: false);
                results.Add((c.Energy[0], c.ConservativeForces!.ToArray(), d.DirectForces!.ToArray()));
            }
        }
        finally
        {
            TensorThreading.MaxThreads = saved;
        }
        foreach (var r in results.Skip(1))
        {
            Assert.Equal(results[0].Item1, r.Item1);
            Assert.Equal(results[0].Item2, r.Item2);
            Assert.Equal(results[0].Item3, r.Item3);
        }
    }

    /// <summary>Bytes of one layer's message [N, 4F].</summary>
    private static long MessageBytes<T>(int atoms, int features) where T : unmanaged => (long)atoms * 4 * features * Unsafe.SizeOf<T>();

    /// <summary>Float32 agreement: each component within 1e-3 of the largest force component, relative.</summary>
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = expected.Max(MathF.Abs);
        Assert.True(scale > 0);
        for (int i = 0; i < expected.Length; i++) Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-4f * scale, $"component {i}: {expected[i]} vs {actual[i]}");
    }

    private sealed class Tolerance(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tol * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
