using System.Numerics;
using CatPot.Tensors.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Models;

/// <summary>
/// Dense layers on row-major blocks of rows, outside autodiff: the pieces the hand-written kernels of the large-system path
/// (<see cref="PaiNNAtomBlocks{T}"/>, <see cref="DirectForceKernel{T}"/>) are made of.
/// </summary>
internal static class DenseRows
{
    /// <summary>The transpose [cols, rows] of a row-major [rows, cols] matrix.</summary>
    public static T[] Transposed<T>(ReadOnlySpan<T> w, int rows, int cols) where T : unmanaged
    {
        var t = new T[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[(c * rows) + r] = w[(r * cols) + c];
        return t;
    }

    /// <summary>y [rows, out] = bias + x [rows, in] · wT [in, out] (the bias is the product's starting value).</summary>
    public static void Linear<T>(int rows, int outFeatures, int inFeatures, ReadOnlySpan<T> x, T[] wT, T[] bias, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++) bias.CopyTo(y.Slice(r * outFeatures, outFeatures));
        Gemm.Multiply(false, false, rows, outFeatures, inFeatures, T.One, x, inFeatures, wT, outFeatures, T.One, y, outFeatures);
    }

    /// <summary>y = x·σ(x) (may be in place).</summary>
    public static void Silu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int block = 512;
        Span<T> sig = stackalloc T[block];
        for (int o = 0; o < x.Length; o += block)
        {
            int n = Math.Min(block, x.Length - o);
            TP.Sigmoid(x.Slice(o, n), sig[..n]);
            TP.Multiply(x.Slice(o, n), sig[..n], y.Slice(o, n));
        }
    }

    /// <summary>g ⊙= silu′(x) = σ(x)·(1 + x·(1 − σ(x))).</summary>
    public static void SiluGradient<T>(ReadOnlySpan<T> x, Span<T> g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int block = 512;
        Span<T> sig = stackalloc T[block];
        for (int o = 0; o < x.Length; o += block)
        {
            int n = Math.Min(block, x.Length - o);
            TP.Sigmoid(x.Slice(o, n), sig[..n]);
            int i = 0;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var sg = new Vector<T>(sig[i..]);
                var gi = g.Slice(o + i, Vector<T>.Count);
                (new Vector<T>(gi) * (sg * (Vector<T>.One + (new Vector<T>(x[(o + i)..]) * (Vector<T>.One - sg))))).CopyTo(gi);
            }
            for (; i < n; i++)
            {
                T sg = sig[i];
                g[o + i] *= sg * (T.One + (x[o + i] * (T.One - sg)));
            }
        }
    }
}
