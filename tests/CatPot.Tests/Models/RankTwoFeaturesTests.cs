using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Models.Heads;
using CatPot.Tensors;
using CatPot.Tests.Cli;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>The rank-2 feature extension of PaiNN (<c>--backbone painn-t2</c>): symmetry, exact derivatives, file round trip.</summary>
public class RankTwoFeaturesTests
{
    private static readonly PotentialConfig Config = new()
    {
        Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0, TensorChannels = 4, Head = new MaeHeadConfig(),
    };

    private static PotentialStatistics Stats() => new()
    {
        ElementReferences = Enumerable.Range(0, 119).Select(z => -10.0 * z).ToArray(),
        Mu = -0.3, Sd = 0.7, Lo = -3, Hi = 3, ForceRms = 1.7,
    };

    private static Potential<double> Model(PotentialConfig config, ulong seed = 1)
    {
        var m = new Potential<double>(config, Stats());
        m.InitializeParameters(seed);
        return m;
    }

    private static Structure Molecule(int seed, int atoms = 6) => FusedPaiNNMessageTests.Molecule(seed, atoms);

    private static ModelInput<double> Input(params Structure[] structures)
        => ModelInput<double>.FromBatch(GraphBatch.Create(structures, new NeighborListBuilder(Config.Cutoff)));

    private static double[] Transform(double[] xyz, double[,] m, double[] shift)
    {
        var r = new double[xyz.Length];
        for (int a = 0; a < xyz.Length / 3; a++)
            for (int i = 0; i < 3; i++)
                r[3 * a + i] = m[i, 0] * xyz[3 * a] + m[i, 1] * xyz[3 * a + 1] + m[i, 2] * xyz[3 * a + 2] + shift[i];
        return r;
    }

    public static TheoryData<bool> Reflect => new() { false, true };

    [Theory]
    [MemberData(nameof(Reflect))]
    public void Energy_is_invariant_and_both_force_kinds_rotate_with_the_molecule(bool reflect)
    {
        var model = Model(Config);
        var mol = Molecule(3);
        double c = Math.Cos(0.7), s = Math.Sin(0.7), c2 = Math.Cos(1.9), s2 = Math.Sin(1.9);
        // A rotation about z times one about x, optionally times the inversion (rank-2 features are even under it, vectors odd).
        var rz = new[,] { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } };
        var rx = new[,] { { 1, 0, 0 }, { 0, c2, -s2 }, { 0, s2, c2 } };
        var m = new double[3, 3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) m[i, j] += rz[i, k] * rx[k, j] * (reflect ? -1 : 1);
        var moved = new Structure(mol.Numbers, Transform(mol.Positions, m, [0.4, -1.0, 2.2]));
        var o1 = model.Forward(Input(mol), conservativeForces: true);
        var o2 = model.Forward(Input(moved), conservativeForces: true);
        Assert.Equal(o1.Energy[0], o2.Energy[0], 1e-9);
        foreach (var (f1, f2) in new[] { (o1.DirectForces!, o2.DirectForces!), (o1.ConservativeForces!, o2.ConservativeForces!) })
        {
            var expected = Transform(f1.ToArray(), m, [0, 0, 0]);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], f2[i], 1e-9);
            Assert.Contains(f1.ToArray(), x => Math.Abs(x) > 1e-6);
        }
    }

    [Fact]
    public void The_tensors_change_the_energy_and_leave_the_initial_PaiNN_weights_as_they_were()
    {
        var plain = Model(Config with { TensorChannels = 0 });
        var tensor = Model(Config);
        foreach (var (name, t, _) in plain.Parameters.Items)
            Assert.Equal(t.ToArray(), tensor.Parameters[name].ToArray());
        Assert.Contains(tensor.Parameters.Items, p => p.Name.Contains(".tensor.", StringComparison.Ordinal));
        var mol = Molecule(5);
        Assert.True(Math.Abs(plain.Forward(Input(mol)).Energy[0] - tensor.Forward(Input(mol)).Energy[0]) > 1e-6);
    }

    [Fact]
    public void Conservative_forces_equal_central_differences_of_the_energy()
    {
        var model = Model(Config);
        var mol = Molecule(6, 7);
        PotentialTests.AssertConservativeForcesMatchCentralDifferences(model, mol, Input);
    }

    /// <summary>Second order: the gradient of a force loss with respect to the tensor weights (what conservative training uses) against central differences.</summary>
    [Theory]
    [InlineData("layers.0.tensor.filter.weight")]
    [InlineData("layers.0.tensor.context2.weight")]
    [InlineData("layers.1.tensor.mix.weight")]
    [InlineData("layers.0.tensor.vectors_in.weight")]
    [InlineData("layers.0.tensor.vectors_out.weight")]
    [InlineData("layers.1.tensor.gate2.weight")]
    public void The_force_loss_gradient_of_tensor_weights_equals_central_differences(string name)
    {
        var model = Model(Config);
        var mol = Molecule(8, 6);
        var rng = new Random(2);
        var weights = Enumerable.Range(0, 3 * mol.AtomCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double Loss(bool createGraph, out Tensor<double> loss)
        {
            var f = model.Forward(Input(mol), directForces: false, conservativeForces: true, createGraph: createGraph).ConservativeForces!;
            var w = new Tensor<double>(f.Shape[0], 3);
            weights.CopyTo(w.Span);
            loss = Tensor.Sum(Tensor.Square(f) * w);
            return loss[0];
        }

        var p = model.Parameters[name];
        Loss(createGraph: true, out var l);
        var grad = Autograd.Grad(l, [p])[0].ToArray();
        Assert.Contains(grad, g => Math.Abs(g) > 1e-8);
        const double h = 1e-5;
        foreach (int k in new[] { 0, p.Length / 3, p.Length - 1 })
        {
            double keep = p[k];
            p[k] = keep + h;
            double up = Loss(false, out _);
            p[k] = keep - h;
            double down = Loss(false, out _);
            p[k] = keep;
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - grad[k]) < 1e-6 * Math.Max(1, Math.Abs(fd)), $"{name}[{k}]: autodiff {grad[k]} vs finite difference {fd}");
        }
    }

    [Fact]
    public void A_batch_gives_the_same_numbers_as_each_structure_alone()
    {
        var model = Model(Config);
        var mols = new[] { Molecule(10, 5), Molecule(11, 1), Molecule(12, 8) };
        var batch = model.Forward(Input(mols), conservativeForces: true);
        int offset = 0;
        for (int k = 0; k < mols.Length; k++)
        {
            var alone = model.Forward(Input(mols[k]), conservativeForces: true);
            Assert.Equal(alone.Energy[0], batch.Energy[k], 1e-9);
            for (int i = 0; i < 3 * mols[k].AtomCount; i++)
                Assert.Equal(alone.ConservativeForces![i], batch.ConservativeForces![3 * offset + i], 1e-9);
            offset += mols[k].AtomCount;
        }
    }

    [Fact]
    public void A_saved_model_loads_with_its_tensor_features_and_gives_the_same_energy()
    {
        using var dir = new TempDirectory();
        var model = new Potential<float>(Config, Stats());
        model.InitializeParameters(4);
        string path = dir.File("t2.safetensors");
        PotentialFile.Save(model, path);
        var loaded = PotentialFile.Load<float>(path, out var metadata);
        Assert.True(loaded.Config.TensorFeatures);
        Assert.Equal(ModelMetadata.HeadSettingsFormat, metadata.Format);
        var input = ModelInput<float>.FromBatch(GraphBatch.Create([Molecule(2)], new NeighborListBuilder(Config.Cutoff)));
        Assert.Equal(model.Forward(input).Energy[0], loaded.Forward(input).Energy[0]);
        Assert.Throws<ArgumentException>(() => new ChunkedPotentialEvaluator<float>(loaded));
        Assert.False(ChunkedPotentialEvaluator<float>.Supports(loaded.Config));
    }

    [Fact]
    public void A_v1_file_that_claims_tensor_features_is_refused_with_the_key_named()
    {
        var md = ModelMetadata.Of(Config with { Head = new MaeHeadConfig() }, Stats()).ToSafeTensorsMetadata();
        md["format"] = ModelMetadata.CurrentFormat;
        md.Remove("catpot");
        var e = Assert.Throws<ModelFileException>(() => ModelMetadata.FromSafeTensorsMetadata(md, "x.safetensors"));
        Assert.Contains("tensor_channels", e.Message, StringComparison.Ordinal);
        Assert.False(ModelMetadata.Of(Config with { TensorChannels = 0 }, Stats()).ToSafeTensorsMetadata().ContainsKey("tensor_channels"));
    }
}
