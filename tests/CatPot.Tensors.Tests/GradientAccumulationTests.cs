using CatPot.Tensors;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>
/// The backward sweep's in-place accumulation: Narrow/Split parts scattered into one owned gradient buffer, and sums
/// into buffers the sweep allocated, must give exactly the gradients of the recorded (createGraph) rules.
/// </summary>
public class GradientAccumulationTests
{
    private static Tensor<double> Random(Random rng, params int[] shape)
    {
        var t = new Tensor<double>(shape);
        for (int i = 0; i < t.Length; i++) t[i] = (rng.NextDouble() * 2) - 1;
        return t;
    }

    [Fact]
    public void Split_parts_and_other_uses_of_the_input_sum_to_the_analytic_gradient()
    {
        var rng = new Random(3);
        var x = Random(rng, 4, 3, 6);
        x.RequiresGrad = true;
        var c0 = Random(rng, 4, 3, 2);
        var c2 = Random(rng, 4, 3, 1);
        var c3 = Random(rng, 4, 3, 6);
        Tensor<double> Loss()
        {
            var parts = Tensor.Split(x, [2, 3, 1], axis: -1); // parts[1] unused: its columns get no gradient from the split
            return Tensor.Sum(parts[0] * c0) + Tensor.Sum(x * c3) + Tensor.Sum(parts[2] * c2) + Tensor.Sum(Tensor.Narrow(x, 0, 1, 2));
        }
        var scattered = Autograd.Grad(Loss(), [x])[0];
        var recorded = Autograd.Grad(Loss(), [x], createGraph: true)[0];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 6; k++)
                {
                    int at = (((i * 3) + j) * 6) + k;
                    double expected = c3[at] + (k < 2 ? c0[(((i * 3) + j) * 2) + k] : 0) + (k == 5 ? c2[(i * 3) + j] : 0) + (i is 1 or 2 ? 1 : 0);
                    Assert.Equal(expected, scattered[at], 1e-14);
                    Assert.Equal(recorded[at], scattered[at], 1e-15);
                }
    }

    [Fact]
    public void Accumulating_in_place_does_not_alter_a_gradient_shared_by_two_inputs()
    {
        // Add passes its output gradient on unchanged to both inputs; a later sum into a's gradient must not reach b's.
        var rng = new Random(4);
        var a = Random(rng, 5, 4);
        var b = Random(rng, 5, 4);
        a.RequiresGrad = b.RequiresGrad = true;
        var w = Random(rng, 5, 4);
        var w2 = Random(rng, 5, 4);
        var w3 = Random(rng, 5, 4);
        var y = a + b;
        var loss = Tensor.Sum(y * w) + Tensor.Sum(a * w2) + Tensor.Sum(a * w3) + Tensor.Sum(Tensor.Split(a, [1, 3], axis: 1)[1]);
        var g = Autograd.Grad(loss, [a, b]);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(w[i], g[1][i]);
            Assert.Equal(w[i] + w2[i] + w3[i] + (i % 4 == 0 ? 0 : 1), g[0][i], 1e-14);
        }
    }

    [Fact]
    public void Split_gradient_is_the_same_twice_and_leaves_the_seed_untouched()
    {
        var rng = new Random(5);
        var x = Random(rng, 3, 8);
        x.RequiresGrad = true;
        var parts = Tensor.Split(x, [4, 4], axis: 1);
        var y = Tensor.Concat([parts[1], parts[0]], axis: 1);
        var seed = Random(rng, 3, 8);
        var keep = seed.ToArray();
        var g1 = Autograd.Grad(y, [x], gradOutput: seed)[0].ToArray();
        var g2 = Autograd.Grad(y, [x], gradOutput: seed)[0].ToArray();
        Assert.Equal(keep, seed.ToArray());
        Assert.Equal(g1, g2);
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 8; k++)
                Assert.Equal(seed[(r * 8) + ((k + 4) % 8)], g1[(r * 8) + k]);
    }
}
