using CatPot.Models;
using CatPot.Tensors;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>The large-system path's direct force head kernel against <see cref="DirectForceHead{T}"/>, in float64.</summary>
public class DirectForceKernelTests
{
    [Fact]
    public void Matches_the_composite_head()
    {
        const int f = 8, atoms = 6;
        var config = new PotentialConfig { Features = f, Layers = 1, RadialBasis = 4, Cutoff = 4.0 };
        var model = new Potential<double>(config, new PotentialStatistics { ElementReferences = new double[119], Sd = 1, ForceRms = 1, Lo = -1, Hi = 1 });
        model.InitializeParameters(11);
        // Non-zero biases, so that every term of the formulas matters.
        var rng = new Random(3);
        foreach (var name in model.Parameters.Names.Where(n => n.StartsWith("forces.", StringComparison.Ordinal) && n.EndsWith(".bias", StringComparison.Ordinal)))
        {
            var span = model.Parameters[name].Span;
            for (int i = 0; i < span.Length; i++) span[i] = rng.NextDouble() - 0.5;
        }
        model.Parameters.SetRequiresGrad(false);
        double[] s = Enumerable.Range(0, atoms * f).Select(_ => (2 * rng.NextDouble()) - 1).ToArray();
        double[] v = Enumerable.Range(0, atoms * 3 * f).Select(_ => (2 * rng.NextDouble()) - 1).ToArray();

        Tensor<double> expected;
        using (Autograd.NoGrad()) expected = model.ForceHead.Forward(new Tensor<double>(s.ToArray(), atoms, f), new Tensor<double>(v.ToArray(), atoms, 3, f));
        var actual = new double[atoms * 3];
        new DirectForceKernel<double>(model.Parameters, f, config.Eps).Forward(atoms, s, v, actual);

        double scale = expected.Span.ToArray().Max(Math.Abs);
        Assert.True(scale > 1e-3, $"degenerate reference (largest |F| = {scale})");
        for (int k = 0; k < actual.Length; k++) Assert.True(Math.Abs(expected.Span[k] - actual[k]) <= 1e-13 * scale, $"component {k}: {actual[k]} vs {expected.Span[k]}");
    }
}
