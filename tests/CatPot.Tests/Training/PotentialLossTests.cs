using CatPot.Graphs;
using CatPot.IO;
using CatPot.Models;
using CatPot.Tensors;
using CatPot.Tests.Models;
using CatPot.Training;
using Xunit;

namespace CatPot.Tests.Training;

/// <summary>The force terms of the training loss against the same sums written out.</summary>
public sealed class PotentialLossTests
{
    private static (ModelInput<double> Input, double[] Predicted, double[] Reference) Case()
    {
        var frames = StructureFiles.ReadAll(PeerFixtures.PathOf("frames.extxyz")).Take(3).ToArray();
        var input = ModelInput<double>.FromBatch(GraphBatch.Create(frames, new NeighborListBuilder(5.0)));
        int n = input.AtomicNumbers.Length;
        var predicted = new double[3 * n];
        var reference = new double[3 * n];
        for (int i = 0; i < 3 * n; i++)
        {
            reference[i] = Math.Sin(0.37 * i);
            // one atom per structure far off, so the two terms differ
            predicted[i] = reference[i] + (0.05 * Math.Cos(1.3 * i)) + (i % 17 == 0 ? 2.0 : 0.0);
        }
        return (input, predicted, reference);
    }

    private static double Expected(ModelInput<double> input, double[] p, double[] r, bool rms)
    {
        var perStructure = new double[input.StructureCount];
        var counts = new int[input.StructureCount];
        for (int a = 0; a < input.AtomicNumbers.Length; a++)
        {
            double sq = 0;
            for (int k = 0; k < 3; k++) sq += (p[(3 * a) + k] - r[(3 * a) + k]) * (p[(3 * a) + k] - r[(3 * a) + k]);
            int s = input.AtomToStructure[a];
            perStructure[s] += rms ? sq : Math.Sqrt(sq);
            counts[s]++;
        }
        double total = 0;
        for (int s = 0; s < perStructure.Length; s++)
        {
            double mean = perStructure[s] / counts[s];
            total += rms ? Math.Sqrt(mean) : mean;
        }
        return total / perStructure.Length;
    }

    [Fact]
    public void The_l2mae_and_rms_force_terms_are_the_written_out_sums_and_rms_weighs_large_errors_more()
    {
        var (input, p, r) = Case();
        int n = input.AtomicNumbers.Length;
        var predicted = new Tensor<double>(p, n, 3);
        var reference = new Tensor<double>(r, n, 3);
        double l2mae = PotentialLoss.ForceL2Mae(predicted, reference, input, 0.0).ToScalar();
        double rms = PotentialLoss.ForceRms(predicted, reference, input, 0.0).ToScalar();
        Assert.Equal(Expected(input, p, r, rms: false), l2mae, 12);
        Assert.Equal(Expected(input, p, r, rms: true), rms, 12);
        Assert.True(rms > 1.2 * l2mae);
    }

    /// <summary>The gradient of a force term w.r.t. the predicted forces against central differences, at four components.</summary>
    private static void AssertFiniteDifferenceGradient(Func<Tensor<double>, Tensor<double>, ModelInput<double>, Tensor<double>> term)
    {
        var (input, p, r) = Case();
        int n = input.AtomicNumbers.Length;
        var predicted = new Tensor<double>((double[])p.Clone(), n, 3) { RequiresGrad = true };
        var reference = new Tensor<double>(r, n, 3);
        var grad = Autograd.Grad(term(predicted, reference, input), [predicted])[0];
        const double h = 1e-6;
        foreach (int i in new[] { 0, 5, 17, 3 * n - 1 })
        {
            var plus = (double[])p.Clone();
            var minus = (double[])p.Clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (term(new Tensor<double>(plus, n, 3), reference, input).ToScalar()
                - term(new Tensor<double>(minus, n, 3), reference, input).ToScalar()) / (2 * h);
            Assert.Equal(fd, grad[i / 3, i % 3], 7);
        }
    }

    [Fact]
    public void The_rms_force_term_has_the_finite_difference_gradient()
        => AssertFiniteDifferenceGradient((p, r, input) => PotentialLoss.ForceRms(p, r, input, 1e-9));

    [Fact]
    public void The_batch_rms_force_term_is_the_root_mean_square_over_all_atoms_not_the_mean_of_the_structures_roots()
    {
        var (input, p, r) = Case();
        int n = input.AtomicNumbers.Length;
        double sum = 0;
        for (int i = 0; i < 3 * n; i++) sum += (p[i] - r[i]) * (p[i] - r[i]);
        var predicted = new Tensor<double>(p, n, 3);
        var reference = new Tensor<double>(r, n, 3);
        double batch = PotentialLoss.ForceBatchRms(predicted, reference, 0.0).ToScalar();
        Assert.Equal(Math.Sqrt(sum / n), batch, 12);
        // the root of the batch mean is not the mean of the structures' roots (rms)
        Assert.NotEqual(PotentialLoss.ForceRms(predicted, reference, input, 0.0).ToScalar(), batch, 6);
    }

    [Fact]
    public void The_batch_rms_force_term_has_the_finite_difference_gradient()
        => AssertFiniteDifferenceGradient((p, r, _) => PotentialLoss.ForceBatchRms(p, r, 1e-9));
}
