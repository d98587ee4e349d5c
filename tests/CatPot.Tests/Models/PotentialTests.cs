using CatPot.Models.Heads;
using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Tensors;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>Symmetry, exactness and batching properties of the model, checked in float64 on small random models.</summary>
public class PotentialTests
{
    private static readonly PotentialConfig SmallHL = new() { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0, Head = new HLGaussHeadConfig { Bins = 12, Temperature = 2.0 } };

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

    private static Structure Molecule(int seed, int atoms = 7, int charge = 0, int spin = 1)
    {
        var rng = new Random(seed);
        int[] zs = [1, 6, 7, 8, 9, 16, 17];
        var numbers = Enumerable.Range(0, atoms).Select(_ => zs[rng.Next(zs.Length)]).ToArray();
        var pos = new double[3 * atoms];
        for (int i = 0; i < atoms; i++)
        {
            // A loose chain keeps every pair apart and most within the cutoff.
            pos[3 * i] = 1.1 * i + rng.NextDouble() * 0.3;
            pos[3 * i + 1] = rng.NextDouble() * 1.5;
            pos[3 * i + 2] = rng.NextDouble() * 1.5;
        }
        return new Structure(numbers, pos, charge, spin);
    }

    [Fact]
    public void Charge_references_shift_each_structure_energy_by_their_term_and_leave_forces_alone()
    {
        var charge = new ChargeReference(7.9, 1.8);
        var plain = Model(SmallHL);
        var charged = new Potential<double>(SmallHL, Stats() with { Charge = charge });
        charged.InitializeParameters(1);
        var batch = Input(Molecule(1, charge: 2, spin: 3), Molecule(2, charge: -1), Molecule(3));
        var a = plain.Forward(batch, conservativeForces: true);
        var b = charged.Forward(batch, conservativeForces: true);
        (int Q, int S)[] states = [(2, 3), (-1, 1), (0, 1)];
        for (int k = 0; k < states.Length; k++)
            Assert.Equal(a.Energy[k] + charge.Energy(states[k].Q), b.Energy[k], 9);
        Assert.Equal(a.ConservativeForces!.ToArray(), b.ConservativeForces!.ToArray());
    }

    private static ModelInput<double> Input(params Structure[] structures)
        => ModelInput<double>.FromBatch(GraphBatch.Create(structures, new NeighborListBuilder(SmallHL.Cutoff)));

    private static double[] Rotate(double[] pos, double[,] rot, double[] shift)
    {
        var r = new double[pos.Length];
        for (int a = 0; a < pos.Length / 3; a++)
            for (int i = 0; i < 3; i++)
                r[3 * a + i] = rot[i, 0] * pos[3 * a] + rot[i, 1] * pos[3 * a + 1] + rot[i, 2] * pos[3 * a + 2] + shift[i];
        return r;
    }

    private static double[,] RandomRotation(int seed)
    {
        var rng = new Random(seed);
        double a = rng.NextDouble() * 6.28, b = rng.NextDouble() * 3.14, c = rng.NextDouble() * 6.28;
        double[,] rz(double t) => new[,] { { Math.Cos(t), -Math.Sin(t), 0 }, { Math.Sin(t), Math.Cos(t), 0 }, { 0, 0, 1 } };
        double[,] ry(double t) => new[,] { { Math.Cos(t), 0, Math.Sin(t) }, { 0, 1, 0 }, { -Math.Sin(t), 0, Math.Cos(t) } };
        static double[,] mul(double[,] x, double[,] y)
        {
            var m = new double[3, 3];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) m[i, j] += x[i, k] * y[k, j];
            return m;
        }
        return mul(rz(a), mul(ry(b), rz(c)));
    }

    [Theory]
    [MemberData(nameof(TestHeads.Names), MemberType = typeof(TestHeads))]
    public void Energy_and_entropy_are_invariant_and_forces_rotate(string head)
    {
        var model = Model(SmallHL with { Head = TestHeads.Of(head) });
        var mol = Molecule(3, charge: 1, spin: 2);
        var rot = RandomRotation(5);
        var moved = new Structure(mol.Numbers, Rotate(mol.Positions, rot, [0.3, -1.2, 2.5]), 1, 2);
        var o1 = model.Forward(Input(mol), conservativeForces: true);
        var o2 = model.Forward(Input(moved), conservativeForces: true);
        Assert.Equal(o1.Energy[0], o2.Energy[0], 1e-9);
        if (head != "mae")
        {
            Assert.Equal(o1.Entropy![0], o2.Entropy![0], 1e-10);
            Assert.Equal(o1.EnergyStd![0], o2.EnergyStd![0], 1e-10);
        }
        foreach (var (f1, f2) in new[] { (o1.DirectForces!, o2.DirectForces!), (o1.ConservativeForces!, o2.ConservativeForces!) })
        {
            var rotated = Rotate(f1.ToArray(), rot, [0, 0, 0]);
            for (int i = 0; i < rotated.Length; i++) Assert.Equal(rotated[i], f2[i], 1e-9);
            Assert.Contains(f1.ToArray(), x => Math.Abs(x) > 1e-6); // forces are not trivially zero
        }
    }

    [Fact]
    public void Energy_is_invariant_under_atom_permutation_and_forces_permute()
    {
        var model = Model(SmallHL);
        var mol = Molecule(4);
        int n = mol.AtomCount;
        var perm = Enumerable.Range(0, n).Reverse().ToArray();
        var pos = new double[3 * n];
        for (int a = 0; a < n; a++) Array.Copy(mol.Positions, 3 * perm[a], pos, 3 * a, 3);
        var permuted = new Structure(perm.Select(p => mol.Numbers[p]).ToArray(), pos);
        var o1 = model.Forward(Input(mol));
        var o2 = model.Forward(Input(permuted));
        Assert.Equal(o1.Energy[0], o2.Energy[0], 1e-9);
        Assert.Equal(o1.Entropy![0], o2.Entropy![0], 1e-10);
        for (int a = 0; a < n; a++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(o1.DirectForces![perm[a], c], o2.DirectForces![a, c], 1e-9);
    }

    [Fact]
    public void Conservative_forces_equal_central_differences_of_the_energy()
    {
        var model = Model(SmallHL);
        var mol = Molecule(6, charge: -1);
        AssertConservativeForcesMatchCentralDifferences(model, mol, Input);
    }

    /// <summary>−∂E/∂R by autodiff against central differences of the energy (h = 1e-5 Å, float64), every component.</summary>
    internal static void AssertConservativeForcesMatchCentralDifferences(Potential<double> model, Structure mol, Func<Structure[], ModelInput<double>> input)
    {
        var forces = model.Forward(input([mol]), directForces: false, conservativeForces: true).ConservativeForces!;
        const double h = 1e-5;
        for (int k = 0; k < mol.Positions.Length; k++)
        {
            double keep = mol.Positions[k];
            mol.Positions[k] = keep + h;
            double up = model.Forward(input([mol]), directForces: false).Energy[0];
            mol.Positions[k] = keep - h;
            double down = model.Forward(input([mol]), directForces: false).Energy[0];
            mol.Positions[k] = keep;
            double fd = -(up - down) / (2 * h);
            Assert.True(Math.Abs(fd - forces[k]) < 1e-6 * Math.Max(1, Math.Abs(fd)), $"component {k}: autodiff {forces[k]} vs finite difference {fd}");
        }
    }

    [Theory]
    [MemberData(nameof(TestHeads.Names), MemberType = typeof(TestHeads))]
    public void A_batch_gives_the_same_numbers_as_each_structure_alone(string head)
    {
        var model = Model(SmallHL with { Head = TestHeads.Of(head) });
        var mols = new[] { Molecule(10, 5), Molecule(11, 1), Molecule(12, 9, charge: 2, spin: 3) };
        var batch = model.Forward(Input(mols), conservativeForces: true);
        int offset = 0;
        for (int k = 0; k < mols.Length; k++)
        {
            var alone = model.Forward(Input(mols[k]), conservativeForces: true);
            Assert.Equal(alone.Energy[0], batch.Energy[k], 1e-9);
            if (head != "mae") Assert.Equal(alone.Entropy![0], batch.Entropy![k], 1e-10);
            for (int i = 0; i < 3 * mols[k].AtomCount; i++)
            {
                Assert.Equal(alone.DirectForces![i], batch.DirectForces![3 * offset + i], 1e-9);
                Assert.Equal(alone.ConservativeForces![i], batch.ConservativeForces![3 * offset + i], 1e-9);
            }
            offset += mols[k].AtomCount;
        }
    }

    [Fact]
    public void Parameter_names_and_shapes_follow_the_contract()
    {
        var hl = new Potential<float>(new PotentialConfig(), Stats());
        Assert.Equal(new[] { 101, 128 }, hl.Parameters["embedding.z.weight"].Shape);
        Assert.Equal(new[] { 384, 20 }, hl.Parameters["layers.2.message.filter.weight"].Shape);
        Assert.Equal(new[] { 256, 128 }, hl.Parameters["layers.0.update.uv.weight"].Shape);
        Assert.Equal(new[] { 128, 128 }, hl.Parameters["energy.mlp1.weight"].Shape);
        Assert.Equal(new[] { 128, 128 }, hl.Parameters["energy.mlp2.weight"].Shape);
        Assert.Equal(new[] { 64, 192 }, hl.Parameters["forces.block1.mlp1.weight"].Shape);
        Assert.Equal(new[] { 64, 65 }, hl.Parameters["forces.block2.mlp1.weight"].Shape);
        Assert.Equal(new[] { 2, 64 }, hl.Parameters["forces.block2.mix.weight"].Shape);
        var mae = new Potential<float>(new PotentialConfig { Head = new MaeHeadConfig() }, Stats());
        Assert.Equal(new[] { 1, 64 }, mae.Parameters["energy.mlp2.weight"].Shape);
        Assert.Throws<KeyNotFoundException>(() => mae.Parameters["layers.3.update.uv.weight"]);
    }
}
