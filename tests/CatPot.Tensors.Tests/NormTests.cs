using CatPot.Tensors;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>The fused Norm against the composite ops it replaces (bit for bit) and against finite differences (first and second order).</summary>
public class NormTests
{
    public static TheoryData<int[], int, bool> Cases => new()
    {
        { new[] { 7, 3 }, -1, true },     // edge vectors: innermost axis
        { new[] { 6, 3, 5 }, 1, false },  // vector features: middle axis
        { new[] { 4, 3, 40 }, 1, true },  // wide enough for SIMD
        { new[] { 5, 9 }, 0, false },
    };

    private static Tensor<T> Composite<T>(Tensor<T> x, int axis, T eps, bool keepDim) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => Tensor.Sqrt(Tensor.AddScalar(Tensor.Sum(Tensor.Square(x), axis, keepDim), eps));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Values_and_gradients_equal_the_composite_ops_bit_for_bit(int[] shape, int axis, bool keepDim)
    {
        var rng = new Random(shape.Length + shape[0]);
        var x = new Tensor<float>(shape);
        for (int i = 0; i < x.Length; i++) x[i] = (float)((rng.NextDouble() * 2) - 1);
        x[0] = 0; // the eps keeps the norm and its gradient finite here
        x.RequiresGrad = true;
        var fused = Tensor.Norm(x, axis, 1e-8f, keepDim);
        var composite = Composite(x, axis, 1e-8f, keepDim);
        Assert.Equal(composite.Shape, fused.Shape);
        Assert.Equal(composite.ToArray(), fused.ToArray());
        var w = new Tensor<float>(fused.Shape);
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2) - 1);
        var gf = Autograd.Grad(Tensor.Sum(fused * w), [x])[0];
        var gc = Autograd.Grad(Tensor.Sum(composite * w), [x])[0];
        Assert.Equal(gc.ToArray(), gf.ToArray());
        var gfRecorded = Autograd.Grad(Tensor.Sum(Tensor.Norm(x, axis, 1e-8f, keepDim) * w), [x], createGraph: true)[0];
        Assert.Equal(gc.ToArray(), gfRecorded.ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void First_and_second_derivatives_match_finite_differences(int[] shape, int axis, bool keepDim)
    {
        var rng = new Random(11);
        var x = GradCheck.Random(rng, shape);
        Tensor<double> F(Tensor<double>[] t) => Tensor.Sum(Tensor.Square(Tensor.Norm(t[0], axis, 1e-6, keepDim)) * Tensor.Norm(t[0], axis, 1e-6, keepDim));
        GradCheck.First(F, [x]);
        GradCheck.Second(F, [x]);
    }
}
