using CatPot.Tensors;
using Xunit;

namespace CatPot.Tensors.Tests;

public class ArithmeticGradTests
{
    public static TheoryData<int[], int[]> BroadcastPairs => new()
    {
        { new[] { 3, 4 }, new[] { 3, 4 } },
        { new[] { 5, 3 }, new[] { 3 } },
        { new[] { 5, 3 }, new[] { 5, 1 } },
        { new[] { 1 }, new[] { 2, 7 } },
        { new[] { 2, 1, 3 }, new[] { 4, 1 } },
        { new[] { 1, 1 }, new[] { 1 } },
    };

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Add_Sub_Mul_Div_match_finite_differences(int[] sa, int[] sb)
    {
        var rng = new Random(1);
        var a = GradCheck.Random(rng, sa);
        var b = GradCheck.Random(rng, 0.5, 2.0, sb);
        Tensor<double> F(Tensor<double>[] x) => Tensor.Sum(Tensor.Div(Tensor.Mul(Tensor.Sub(Tensor.Add(x[0], x[1]), x[1] * x[1]), x[0]), x[1]));
        GradCheck.First(F, [a, b]);
        GradCheck.Second(F, [a, b]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatMul_matches_finite_differences(bool ta, bool tb)
    {
        var rng = new Random(2);
        var a = GradCheck.Random(rng, ta ? new[] { 4, 3 } : new[] { 3, 4 });
        var b = GradCheck.Random(rng, tb ? new[] { 5, 4 } : new[] { 4, 5 });
        Tensor<double> F(Tensor<double>[] x) { var c = Tensor.MatMul(x[0], x[1], ta, tb); return Tensor.Sum(c * c); }
        GradCheck.First(F, [a, b]);
        GradCheck.Second(F, [a, b]);
    }

    [Theory]
    [InlineData(1, 1, 1, true)]
    [InlineData(5, 3, 4, true)]
    [InlineData(5, 3, 4, false)]
    public void Linear_forward_and_gradients(int rows, int inputs, int outputs, bool withBias)
    {
        var rng = new Random(3);
        var x = GradCheck.Random(rng, rows, inputs);
        var w = GradCheck.Random(rng, outputs, inputs);
        var b = GradCheck.Random(rng, outputs);
        var y = Tensor.Linear(x.Detach(), w.Detach(), withBias ? b.Detach() : null);
        for (int i = 0; i < rows; i++)
            for (int o = 0; o < outputs; o++)
            {
                double s = withBias ? b[o] : 0;
                for (int k = 0; k < inputs; k++) s += x[i, k] * w[o, k];
                Assert.Equal(s, y[i, o], 1e-14);
            }
        Tensor<double> F(Tensor<double>[] p) { var z = Tensor.Linear(p[0], p[1], withBias ? p[2] : null); return Tensor.Sum(z * z * z); }
        GradCheck.First(F, [x, w, b]);
        GradCheck.Second(F, [x, w, b]);
    }

    [Theory]
    [InlineData(1, 1, 1, true)]
    [InlineData(5, 3, 4, true)]
    [InlineData(5, 3, 4, false)]
    [InlineData(21, 17, 40, true)]
    public void Linear_with_a_transposed_weight_copy_matches_Linear_and_its_gradients(int rows, int inputs, int outputs, bool withBias)
    {
        var rng = new Random(4);
        var x = GradCheck.Random(rng, rows, inputs);
        var w = GradCheck.Random(rng, outputs, inputs);
        var b = GradCheck.Random(rng, outputs);
        var expected = Tensor.Linear(x.Detach(), w.Detach(), withBias ? b.Detach() : null);
        var y = Tensor.Linear(x.Detach(), w.Detach(), withBias ? b.Detach() : null, Tensor.Transpose(w.Detach()));
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 1e-14);
        // The copy is rebuilt from the (perturbed) weight on every evaluation, as a caller refreshing it would.
        Tensor<double> F(Tensor<double>[] p)
        {
            var z = Tensor.Linear(p[0], p[1], withBias ? p[2] : null, Tensor.Transpose(p[1].Detach()));
            return Tensor.Sum(z * z * z);
        }
        GradCheck.First(F, [x, w, b]);
        GradCheck.Second(F, [x, w, b]);
        if (inputs != outputs) Assert.Throws<ArgumentException>(() => Tensor.Linear(x, w, null, w));
    }

    [Fact]
    public void NoGrad_records_nothing()
    {
        var a = GradCheck.Random(new Random(3), 2, 2);
        Tensor<double> y;
        using (Autograd.NoGrad()) y = a * a;
        Assert.False(y.TracksGrad);
        Assert.True((a * a).TracksGrad);
    }
}
