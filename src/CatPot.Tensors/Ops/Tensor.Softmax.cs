using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Tensors;

public static partial class Tensor
{
    /// <summary>Softmax over the last axis, computed stably (the row maximum is subtracted first).</summary>
    public static Tensor<T> Softmax<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0) throw new ArgumentException("Softmax needs a tensor of rank at least 1.", nameof(x));
        int n = x.Shape[^1];
        var y = Tensor<T>.Uninitialized(x.Shape);
        ReadOnlySpan<T> xs = x.Span;
        var ys = y.Span;
        for (int off = 0; off < xs.Length; off += n)
        {
            var row = xs.Slice(off, n);
            var dst = ys.Slice(off, n);
            TP.Subtract(row, TP.Max(row), dst);
            TP.Exp(dst, dst);
            TP.Divide(dst, TP.Sum<T>(dst), dst);
        }
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Softmax), [x], g => [Mul(y, Sub(g, Sum(Mul(g, y), -1, keepDim: true)))]);
    }

    /// <summary>log(softmax(x)) over the last axis, computed stably as x − max − log Σ exp(x − max).</summary>
    public static Tensor<T> LogSoftmax<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0) throw new ArgumentException("LogSoftmax needs a tensor of rank at least 1.", nameof(x));
        int n = x.Shape[^1];
        var y = Tensor<T>.Uninitialized(x.Shape);
        ReadOnlySpan<T> xs = x.Span;
        var ys = y.Span;
        for (int off = 0; off < xs.Length; off += n)
        {
            var row = xs.Slice(off, n);
            var dst = ys.Slice(off, n);
            T max = TP.Max(row);
            TP.Subtract(row, max, dst);
            TP.Exp(dst, dst);
            T logSum = max + T.Log(TP.Sum<T>(dst));
            TP.Subtract(row, logSum, dst);
        }
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(LogSoftmax), [x], g => [Sub(g, Mul(Exp(y), Sum(g, -1, keepDim: true)))]);
    }
}
