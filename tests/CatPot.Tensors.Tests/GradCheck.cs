using CatPot.Tensors;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>
/// Float64 central-difference gradient checks, first and second order. The second-order check differentiates
/// h(x) = Σ v ⊙ ∂f/∂x (a gradient computed with createGraph) and compares it with central differences of h.
/// </summary>
internal static class GradCheck
{
    public static Tensor<double> Random(Random rng, params int[] shape) => Random(rng, -1, 1, shape);

    public static Tensor<double> Random(Random rng, double lo, double hi, params int[] shape)
    {
        var t = new Tensor<double>(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = lo + ((hi - lo) * rng.NextDouble());
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Checks ∂f/∂inputs against central differences. f must return a one-element tensor.</summary>
    public static void First(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, double step = 1e-6, double tol = 1e-6)
    {
        var y = f(inputs);
        var grads = Autograd.Grad(y, inputs);
        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k].Span;
            for (int i = 0; i < x.Length; i++)
            {
                double keep = x[i];
                x[i] = keep + step; double up = Eval(f, inputs);
                x[i] = keep - step; double down = Eval(f, inputs);
                x[i] = keep;
                double fd = (up - down) / (2 * step);
                double an = grads[k].Span[i];
                Assert.True(Math.Abs(fd - an) <= tol * Math.Max(1, Math.Abs(fd)),
                    $"input {k} element {i}: analytic {an:R} vs finite difference {fd:R}");
            }
        }
    }

    /// <summary>Checks the gradient of h(x) = Σ v ⊙ ∂f/∂x_k (summed over k) against central differences of h.</summary>
    public static void Second(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, int seed = 7, double step = 1e-5, double tol = 1e-5)
    {
        var rng = new Random(seed);
        var vs = inputs.Select(x => { var v = Random(rng, x.Shape); v.RequiresGrad = false; return v; }).ToArray();
        Tensor<double> H(Tensor<double>[] xs)
        {
            var g = Autograd.Grad(f(xs), xs, createGraph: true);
            Tensor<double>? h = null;
            for (int k = 0; k < xs.Length; k++)
            {
                var term = Tensor.Sum(Tensor.Mul(g[k], vs[k]));
                h = h is null ? term : Tensor.Add(h, term);
            }
            return h!;
        }
        First(H, inputs, step, tol);
    }

    // Not under NoGrad: f may itself compute a gradient (the second-order check).
    private static double Eval(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs) => f(inputs).ToScalar();
}
