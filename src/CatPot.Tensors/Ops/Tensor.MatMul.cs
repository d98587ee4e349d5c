using System.Numerics;
using CatPot.Tensors.Kernels;

namespace CatPot.Tensors;

public static partial class Tensor
{
    /// <summary>
    /// Matrix product op(a)·op(b) of rank-2 tensors, where op transposes when asked
    /// (the transposes are free: they only change how the kernel reads memory).
    /// </summary>
    public static Tensor<T> MatMul<T>(Tensor<T> a, Tensor<T> b, bool transA = false, bool transB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireRank(a, 2, nameof(MatMul), nameof(a));
        RequireRank(b, 2, nameof(MatMul), nameof(b));
        int m = transA ? a.Shape[1] : a.Shape[0];
        int k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0];
        int n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
            throw new ArgumentException($"MatMul: inner dimensions differ: {FormatShape(a.Shape)}{(transA ? "ᵀ" : "")} · {FormatShape(b.Shape)}{(transB ? "ᵀ" : "")} ({k} vs {kb}).");
        var c = Tensor<T>.Uninitialized([m, n]);
        Gemm.Multiply(transA, transB, m, n, k, a.Span, b.Span, c.Span);
        if (!Autograd.ShouldRecord(a, b)) return c;
        return Autograd.Record(c, nameof(MatMul), [a, b], g => (transA, transB) switch
        {
            (false, false) => [a.TracksGrad ? MatMul(g, b, false, true) : null, b.TracksGrad ? MatMul(a, g, true, false) : null],
            (true, false) => [a.TracksGrad ? MatMul(b, g, false, true) : null, b.TracksGrad ? MatMul(a, g, false, false) : null],
            (false, true) => [a.TracksGrad ? MatMul(g, b, false, false) : null, b.TracksGrad ? MatMul(g, a, true, false) : null],
            (true, true) => [a.TracksGrad ? MatMul(b, g, true, true) : null, b.TracksGrad ? MatMul(g, a, true, true) : null],
        });
    }

    /// <summary>A linear layer x·Wᵀ + b with x [N, in], W [out, in] (PyTorch's layout) and optional b [out].</summary>
    /// <remarks>The bias is added in place into the fresh product and the op is recorded once, saving a pass and a buffer.</remarks>
    public static Tensor<T> Linear<T>(Tensor<T> x, Tensor<T> weight, Tensor<T>? bias = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (bias is null) return MatMul(x, weight, transA: false, transB: true);
        CheckLinearBias(weight, bias);
        Tensor<T> y;
        using (Autograd.NoGrad()) y = MatMul(x, weight, transA: false, transB: true);
        return AddBiasAndRecordLinear(x, weight, bias, y);
    }

    /// <summary>
    /// y = x·Wᵀ + b like <see cref="Linear{T}(Tensor{T}, Tensor{T}, Tensor{T}?)"/>, but the product reads
    /// <paramref name="transposedWeight"/> (Wᵀ, shape [in, out], kept by the caller) instead of transposing W into the
    /// kernel's layout on every call, which is most of the cost for inputs of a few rows (one small molecule).
    /// Gradients are exactly those of Linear: the backward pass uses <paramref name="weight"/>, and no gradient flows
    /// to the copy. The caller guarantees that the copy holds W's current values.
    /// </summary>
    public static Tensor<T> Linear<T>(Tensor<T> x, Tensor<T> weight, Tensor<T>? bias, Tensor<T> transposedWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (transposedWeight.Rank != 2 || weight.Rank != 2 || transposedWeight.Shape[0] != weight.Shape[1] || transposedWeight.Shape[1] != weight.Shape[0])
            throw new ArgumentException($"Linear: the transposed weight has shape {FormatShape(transposedWeight.Shape)} but the weight is {FormatShape(weight.Shape)}.", nameof(transposedWeight));
        if (bias is not null) CheckLinearBias(weight, bias);
        Tensor<T> y;
        using (Autograd.NoGrad()) y = MatMul(x, transposedWeight);
        return AddBiasAndRecordLinear(x, weight, bias, y);
    }

    private static void CheckLinearBias<T>(Tensor<T> weight, Tensor<T> bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (bias.Rank != 1 || bias.Length != weight.Dim(0))
            throw new ArgumentException($"Linear: bias has shape {FormatShape(bias.Shape)} but the weight {FormatShape(weight.Shape)} has {weight.Dim(0)} outputs.", nameof(bias));
    }

    /// <summary>Adds the bias to every row of the unrecorded product y = x·Wᵀ and records the Linear node (gradients use W).</summary>
    private static Tensor<T> AddBiasAndRecordLinear<T>(Tensor<T> x, Tensor<T> weight, Tensor<T>? bias, Tensor<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (bias is not null)
        {
            int n = bias.Length;
            var ys = y.Span;
            ReadOnlySpan<T> bs = bias.Span;
            for (int off = 0; off < ys.Length; off += n)
                System.Numerics.Tensors.TensorPrimitives.Add(ys.Slice(off, n), bs, ys.Slice(off, n));
        }
        Tensor<T>[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        if (!Autograd.ShouldRecord(inputs)) return y;
        return Autograd.Record(y, nameof(Linear), inputs, g =>
        {
            var dx = x.TracksGrad ? MatMul(g, weight) : null;
            var dw = weight.TracksGrad ? MatMul(g, x, transA: true) : null;
            return bias is null ? [dx, dw] : [dx, dw, bias.TracksGrad ? SumTo(g, bias.Shape) : null];
        });
    }
}
