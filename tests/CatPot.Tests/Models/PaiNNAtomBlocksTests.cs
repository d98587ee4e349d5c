using CatPot.Models;
using CatPot.Tensors;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>
/// The hand-written φ and update-block kernels of the large-system path against the composite ops of <see cref="PaiNN{T}"/>
/// and their autodiff gradients, in float64: forward outputs and input gradients.
/// </summary>
public class PaiNNAtomBlocksTests
{
    private const int F = 8, Atoms = 5;

    private static PaiNN<double> Backbone(ulong seed)
    {
        var config = new PotentialConfig { Features = F, Layers = 2, RadialBasis = 6, Cutoff = 4.0 };
        var model = new Potential<double>(config, new PotentialStatistics { ElementReferences = new double[119], Sd = 1, ForceRms = 1, Lo = -1, Hi = 1 });
        model.InitializeParameters(seed);
        // Larger biases than the initialisation's, so that every term of the formulas matters.
        var rng = new Random((int)seed);
        foreach (var name in model.Parameters.Names.Where(n => n.EndsWith(".bias", StringComparison.Ordinal)))
        {
            var span = model.Parameters[name].Span;
            for (int i = 0; i < span.Length; i++) span[i] = rng.NextDouble() - 0.5;
        }
        model.Parameters.SetRequiresGrad(false);
        return model.Backbone;
    }

    private static double[] Random(int seed, int length)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (2 * rng.NextDouble()) - 1).ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Update_forward_and_input_gradients_match_the_composite_ops(int layer)
    {
        var backbone = Backbone(5);
        var blocks = new PaiNNAtomBlocks<double>(backbone, layer);
        double[] s = Random(1, Atoms * F), v = Random(2, Atoms * 3 * F), gsOut = Random(3, Atoms * F), gvOut = Random(4, Atoms * 3 * F);

        var sT = new Tensor<double>(s.ToArray(), Atoms, F) { RequiresGrad = true };
        var vT = new Tensor<double>(v.ToArray(), Atoms, 3, F) { RequiresGrad = true };
        var (s1, v1) = backbone.Update(layer, sT, vT);
        var grads = Autograd.Grad(Tensor.Sum(s1 * new Tensor<double>(gsOut, Atoms, F)) + Tensor.Sum(v1 * new Tensor<double>(gvOut, Atoms, 3, F)), [sT, vT]);

        var sOut = new double[Atoms * F];
        var vOut = new double[Atoms * 3 * F];
        blocks.UpdateForward(Atoms, s, v, sOut, vOut);
        AssertClose(s1.Span, sOut, 1e-13);
        AssertClose(v1.Span, vOut, 1e-13);

        // Without a vector output (the last layer under conservative forces) the scalars are the same.
        var sOnly = new double[Atoms * F];
        blocks.UpdateForward(Atoms, s, v, sOnly, default);
        Assert.Equal(sOut, sOnly);

        var gs = new double[Atoms * F];
        var gv = new double[Atoms * 3 * F];
        blocks.UpdateBackward(Atoms, s, v, gsOut, gvOut, gs, gv);
        AssertClose(grads[0].Span, gs, 1e-12);
        AssertClose(grads[1].Span, gv, 1e-12);
        // The gradient is not the residual alone: the block's own terms reach both inputs.
        Assert.True(MaxDifference(gsOut, gs) > 1e-3);
        Assert.True(MaxDifference(gvOut, gv) > 1e-3);
    }

    [Fact]
    public void Context_forward_and_input_gradient_match_the_composite_ops()
    {
        var backbone = Backbone(7);
        var blocks = new PaiNNAtomBlocks<double>(backbone, 1);
        double[] s = Random(5, Atoms * F), dphi = Random(6, Atoms * 3 * F);

        var sT = new Tensor<double>(s.ToArray(), Atoms, F) { RequiresGrad = true };
        var phi = backbone.Context(1, sT);
        var expected = Autograd.Grad(Tensor.Sum(phi * new Tensor<double>(dphi, Atoms, 3 * F)), [sT])[0];

        var phiOut = new double[Atoms * 3 * F];
        blocks.ContextForward(Atoms, s, phiOut);
        AssertClose(phi.Span, phiOut, 1e-13);

        // The gradient is added to what the destination holds.
        var ds = Enumerable.Repeat(0.25, Atoms * F).ToArray();
        blocks.ContextBackward(Atoms, s, dphi, ds);
        AssertClose(expected.Span.ToArray().Select(x => x + 0.25).ToArray(), ds, 1e-12);
    }

    private static double MaxDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0;
        foreach (var x in expected) scale = Math.Max(scale, Math.Abs(x));
        Assert.True(scale > 0.01, $"degenerate reference (largest |x| = {scale})");
        double diff = MaxDifference(expected, actual);
        Assert.True(diff <= tolerance * scale, $"largest difference {diff:E2} against a scale of {scale:E2}");
    }
}
