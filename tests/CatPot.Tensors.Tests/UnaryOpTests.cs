using CatPot.Tensors;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>Element-wise ops: gradients (first and second order) and forward values against scalar references.</summary>
public class UnaryOpTests
{
    /// <summary>An op under test: the tensor op, its scalar reference, and a sampler of inputs away from kinks and poles.</summary>
    private sealed record UnaryCase(Func<Tensor<double>, Tensor<double>> Op, Func<Tensor<float>, Tensor<float>> OpF, Func<double, double> Reference, Func<Random, double> Sample);

    private static double Uniform(Random rng, double lo, double hi) => lo + ((hi - lo) * rng.NextDouble());

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static readonly Dictionary<string, UnaryCase> Cases = new()
    {
        ["Exp"] = new(Tensor.Exp, Tensor.Exp, Math.Exp, r => Uniform(r, -2, 2)),
        ["Log"] = new(Tensor.Log, Tensor.Log, Math.Log, r => Uniform(r, 0.3, 3)),
        ["Sqrt"] = new(Tensor.Sqrt, Tensor.Sqrt, Math.Sqrt, r => Uniform(r, 0.3, 3)),
        ["Sin"] = new(Tensor.Sin, Tensor.Sin, Math.Sin, r => Uniform(r, -3, 3)),
        ["Cos"] = new(Tensor.Cos, Tensor.Cos, Math.Cos, r => Uniform(r, -3, 3)),
        ["Abs"] = new(Tensor.Abs, Tensor.Abs, Math.Abs, r => (r.Next(2) == 0 ? -1 : 1) * Uniform(r, 0.2, 2)),
        ["Square"] = new(Tensor.Square, Tensor.Square, x => x * x, r => Uniform(r, -2, 2)),
        ["Reciprocal"] = new(Tensor.Reciprocal, Tensor.Reciprocal, x => 1 / x, r => (r.Next(2) == 0 ? -1 : 1) * Uniform(r, 0.4, 2)),
        ["Sigmoid"] = new(Tensor.Sigmoid, Tensor.Sigmoid, Sigmoid, r => Uniform(r, -4, 4)),
        ["Silu"] = new(Tensor.Silu, Tensor.Silu, x => x * Sigmoid(x), r => Uniform(r, -4, 4)),
        ["Softplus"] = new(Tensor.Softplus, Tensor.Softplus, x => Math.Log(1 + Math.Exp(x)), r => Uniform(r, -4, 4)),
        // Clamp to [-0.5, 0.7]; samples keep 0.1 away from either bound so finite differences do not straddle a kink.
        ["Clamp"] = new(x => Tensor.Clamp(x, -0.5, 0.7), x => Tensor.Clamp(x, -0.5f, 0.7f), x => Math.Clamp(x, -0.5, 0.7),
            r => r.Next(3) switch { 0 => Uniform(r, -1.5, -0.6), 1 => Uniform(r, -0.4, 0.6), _ => Uniform(r, 0.8, 1.5) }),
    };

    public static TheoryData<string, int[]> GradCases()
    {
        var data = new TheoryData<string, int[]>();
        foreach (var name in Cases.Keys)
            foreach (var shape in new[] { new[] { 1 }, new[] { 7 }, new[] { 3, 5 }, new[] { 2, 1, 3 } })
                data.Add(name, shape);
        return data;
    }

    private static Tensor<double> Sample(UnaryCase c, Random rng, int[] shape)
    {
        var t = new Tensor<double>(shape);
        for (int i = 0; i < t.Length; i++) t[i] = c.Sample(rng);
        t.RequiresGrad = true;
        return t;
    }

    [Theory]
    [MemberData(nameof(GradCases))]
    public void Gradients_match_finite_differences(string op, int[] shape)
    {
        var c = Cases[op];
        var rng = new Random(11);
        var x = Sample(c, rng, shape);
        var w = GradCheck.Random(rng, shape);
        w.RequiresGrad = false;
        // y·y·w makes the incoming gradient depend on x, so second order also exercises ∂(backward)/∂(gradOutput).
        Tensor<double> F(Tensor<double>[] xs) { var y = c.Op(xs[0]); return Tensor.Sum(y * (y * w)); }
        GradCheck.First(F, [x]);
        GradCheck.Second(F, [x]);
    }

    public static TheoryData<string, int> ForwardCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in Cases.Keys)
            foreach (int n in new[] { 1, 3, 8, 17, 33, 255, 1031 })
                data.Add(name, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward_matches_scalar_reference(string op, int n)
    {
        var c = Cases[op];
        var rng = new Random(n);
        var xd = new Tensor<double>(n);
        var xf = new Tensor<float>(n);
        for (int i = 0; i < n; i++) { xd[i] = c.Sample(rng); xf[i] = (float)xd[i]; }
        var yd = c.Op(xd);
        var yf = c.OpF(xf);
        for (int i = 0; i < n; i++)
        {
            double expect = c.Reference(xd[i]);
            Assert.True(Math.Abs(yd[i] - expect) <= 1e-13 * Math.Max(1, Math.Abs(expect)), $"double {op}({xd[i]:R}) = {yd[i]:R}, expected {expect:R}");
            double expectF = c.Reference(xf[i]);
            Assert.True(Math.Abs(yf[i] - expectF) <= 2e-6 * Math.Max(1, Math.Abs(expectF)), $"float {op}({xf[i]:R}) = {yf[i]:R}, expected {expectF:R}");
        }
    }

    [Fact]
    public void Softplus_is_stable_for_large_magnitudes()
    {
        var x = Tensor.From<float>([-100f, -30f, 30f, 100f], 4);
        var y = Tensor.Softplus(x);
        Assert.Equal(0f, y[0], 1e-30f);
        Assert.Equal((float)Math.Exp(-30), y[1], 1e-15f);
        Assert.Equal(30f, y[2]);
        Assert.Equal(100f, y[3]);
    }

    [Fact]
    public void Activation_third_derivative_matches_finite_differences_of_the_second()
    {
        // σ, SiLU and softplus derivatives of any order come from one polynomial recurrence; check order 3 as well.
        foreach (var op in new Func<Tensor<double>, Tensor<double>>[] { Tensor.Sigmoid, Tensor.Silu, Tensor.Softplus })
        {
            var x = GradCheck.Random(new Random(5), -3.0, 3.0, 6);
            Tensor<double> SecondDerivativeSum(Tensor<double>[] xs)
            {
                var g1 = Autograd.Grad(Tensor.Sum(op(xs[0])), xs, createGraph: true)[0];
                var g2 = Autograd.Grad(Tensor.Sum(g1), xs, createGraph: true)[0];
                return Tensor.Sum(g2);
            }
            GradCheck.First(SecondDerivativeSum, [x], step: 1e-5, tol: 1e-6);
        }
    }
}
