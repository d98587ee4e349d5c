using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Tensors;

public static partial class Tensor
{
    /// <summary>The smooth activations that share the sigmoid-polynomial derivative machinery below.</summary>
    private enum Activation
    {
        Sigmoid,
        Silu,
        Softplus,
    }

    /// <summary>σ(x) = 1 / (1 + e⁻ˣ) element-wise.</summary>
    public static Tensor<T> Sigmoid<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => ActivationDerivative(Activation.Sigmoid, 0, null, x);

    /// <summary>SiLU (swish) x·σ(x) element-wise.</summary>
    public static Tensor<T> Silu<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => ActivationDerivative(Activation.Silu, 0, null, x);

    /// <summary>Softplus log(1 + eˣ) element-wise, computed stably as max(x, 0) + log1p(e^−|x|).</summary>
    public static Tensor<T> Softplus<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => ActivationDerivative(Activation.Softplus, 0, null, x);

    /// <summary>
    /// g ⊙ f⁽ⁿ⁾(x) (just f⁽ⁿ⁾(x) when g is null) for activation f, in one fused pass. The op is closed under
    /// differentiation: ∂/∂x is the same op at order n+1 and ∂/∂g the same op at order n, so gradients of any
    /// order cost one fused pass each instead of a chain of element-wise ops.
    /// </summary>
    private static Tensor<T> ActivationDerivative<T>(Activation kind, int order, Tensor<T>? g, Tensor<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Tensor<T>.Uninitialized(x.Shape);
        var poly = SigmoidDerivativePolynomials<T>(order);
        T[]? gData = g?.Data;
        T[] xData = x.Data, yData = y.Data;
        const int block = 16384;
        int length = x.Length;
        int blocks = (length + block - 1) / block;
        // Small tensors stay on the calling thread: below ~8 blocks (~100 µs) the wake-up of a second thread costs more.
        int threads = blocks < 8 ? 1 : Math.Min(TensorThreading.MaxThreads, blocks);
        if (threads <= 1)
        {
            ActivationKernel(kind, order, poly, gData, xData, yData, 0, length);
        }
        else
        {
            // Element-wise, so splitting the range cannot change any result.
            SpinningThreadPool.For(blocks, b =>
            {
                int start = b * block;
                ActivationKernel(kind, order, poly, gData, xData, yData, start, Math.Min(block, length - start));
            });
        }

        bool record = g is null ? Autograd.ShouldRecord(x) : Autograd.ShouldRecord(g, x);
        if (!record) return y;
        string name = order == 0 ? kind.ToString() : $"{kind}Derivative{order}";
        if (g is null)
            return Autograd.Record(y, name, [x], gg => [ActivationDerivative(kind, order + 1, gg, x)]);
        return Autograd.Record(y, name, [g, x], gg =>
            [g.TracksGrad ? ActivationDerivative(kind, order, gg, x) : null,
             x.TracksGrad ? ActivationDerivative(kind, order + 1, Mul(gg, g), x) : null]);
    }

    private static void ActivationKernel<T>(Activation kind, int order, T[][] poly, T[]? gData, T[] xData, T[] yData, int start, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int chunk = 1024;
        Span<T> s = stackalloc T[chunk];
        Span<T> a = stackalloc T[chunk];
        Span<T> b = stackalloc T[chunk];
        for (int off = start; off < start + length; off += chunk)
        {
            int n = Math.Min(chunk, start + length - off);
            ReadOnlySpan<T> xc = xData.AsSpan(off, n);
            Span<T> yc = yData.AsSpan(off, n);
            Span<T> sc = s[..n], ac = a[..n], bc = b[..n];
            if (kind == Activation.Softplus && order == 0)
            {
                // log1p(u) for u = e^−|x| ∈ (0, 1] as log(w)·u/(w − 1) with w = 1 + u (exact where w rounds to 1);
                // a plain log(1 + u) returns 0 instead of e^x for x ≪ 0.
                TP.Abs(xc, ac);
                TP.Negate(ac, ac);
                TP.Exp(ac, ac);
                TP.Add(ac, T.One, bc);
                TP.Log(bc, sc);
                for (int i = 0; i < n; i++)
                {
                    T u = ac[i], w = bc[i];
                    T log1p = w == T.One ? u : sc[i] * u / (w - T.One);
                    yc[i] = T.Max(xc[i], T.Zero) + log1p;
                }
            }
            else
            {
                TP.Sigmoid(xc, sc);
                switch (kind)
                {
                    case Activation.Sigmoid:
                        Horner(poly[order], sc, yc);
                        break;
                    case Activation.Softplus:
                        Horner(poly[order - 1], sc, yc);
                        break;
                    default: // Silu: (x·σ)⁽ⁿ⁾ = x·σ⁽ⁿ⁾ + n·σ⁽ⁿ⁻¹⁾
                        Horner(poly[order], sc, ac);
                        if (order == 0)
                        {
                            TP.Multiply(ac, xc, yc);
                        }
                        else
                        {
                            TP.Multiply(ac, xc, ac);
                            Horner(poly[order - 1], sc, bc);
                            TP.MultiplyAdd(bc, T.CreateTruncating(order), ac, yc);
                        }
                        break;
                }
            }
            if (gData is not null) TP.Multiply(yc, gData.AsSpan(off, n), yc);
        }
    }

    /// <summary>dest = Σₖ c[k]·sᵏ by Horner's rule, vectorised across elements.</summary>
    private static void Horner<T>(T[] c, ReadOnlySpan<T> s, Span<T> dest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (c.Length == 2 && c[0] == T.Zero && c[1] == T.One)
        {
            s.CopyTo(dest);
            return;
        }
        dest.Fill(c[^1]);
        for (int k = c.Length - 2; k >= 0; k--) TP.MultiplyAdd(dest, s, c[k], dest);
    }

    /// <summary>
    /// Coefficients (ascending powers of s = σ(x)) of the polynomials Pₙ with σ⁽ⁿ⁾(x) = Pₙ(σ(x)) for n = 0..order:
    /// P₀(s) = s and Pₙ₊₁(s) = Pₙ′(s)·(s − s²), since σ′ = σ(1 − σ).
    /// </summary>
    private static T[][] SigmoidDerivativePolynomials<T>(int order) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var exact = new double[order + 1][];
        exact[0] = [0, 1];
        for (int n = 1; n <= order; n++)
        {
            var p = exact[n - 1];
            var next = new double[p.Length + 1];
            for (int k = 1; k < p.Length; k++)
            {
                double dk = k * p[k]; // coefficient of s^(k-1) in Pₙ′
                next[k] += dk;        // · s
                next[k + 1] -= dk;    // · (−s²)
            }
            exact[n] = next;
        }
        var result = new T[order + 1][];
        for (int n = 0; n <= order; n++) result[n] = Array.ConvertAll(exact[n], T.CreateTruncating);
        return result;
    }
}
