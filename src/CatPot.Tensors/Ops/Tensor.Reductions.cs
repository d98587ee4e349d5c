using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Tensors;

public static partial class Tensor
{
    /// <summary>
    /// Views a shape as [outer, n, inner] around <paramref name="axis"/>: elements before the axis, the axis itself,
    /// and elements after it (contiguous).
    /// </summary>
    internal static (int Outer, int N, int Inner) AxisLayout(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }

    /// <summary>The shape with <paramref name="axis"/> set to 1 (keepDim) or removed.</summary>
    private static int[] ReducedShape(int[] shape, int axis, bool keepDim)
    {
        if (keepDim)
        {
            var keep = (int[])shape.Clone();
            keep[axis] = 1;
            return keep;
        }
        var removed = new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++)
            if (i != axis) removed[j++] = shape[i];
        return removed;
    }

    /// <summary>Sum over one axis (negative axes count from the end); the axis is dropped unless <paramref name="keepDim"/>.</summary>
    /// <remarks>Summation runs along the axis in index order, so results are deterministic.</remarks>
    public static Tensor<T> Sum<T>(Tensor<T> x, int axis, bool keepDim = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = NormalizeAxis(axis, x.Rank, nameof(Sum));
        var (outer, n, inner) = AxisLayout(x.Shape, ax);
        var reduced = ReducedShape(x.Shape, ax, keepDim);
        var y = inner == 1 ? Tensor<T>.Uninitialized(reduced) : Tensor<T>.Scratch(reduced); // the inner > 1 path accumulates
        ReadOnlySpan<T> xs = x.Span;
        var ys = y.Span;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) ys[o] = TP.Sum(xs.Slice(o * n, n));
        }
        else
        {
            for (int o = 0; o < outer; o++)
            {
                var dst = ys.Slice(o * inner, inner);
                for (int k = 0; k < n; k++) TP.Add(dst, xs.Slice(((o * n) + k) * inner, inner), dst);
            }
        }
        if (!Autograd.ShouldRecord(x)) return y;
        var shape = x.Shape;
        var keepShape = ReducedShape(shape, ax, keepDim: true);
        return Autograd.Record(y, nameof(Sum), [x], g => [BroadcastTo(keepDim ? g : Reshape(g, keepShape), shape)]);
    }

    /// <summary>Mean of all elements, as a one-element tensor of shape [].</summary>
    public static Tensor<T> Mean<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => Scale(Sum(x), T.One / T.CreateTruncating(x.Length));

    /// <summary>Mean over one axis; the axis is dropped unless <paramref name="keepDim"/>.</summary>
    public static Tensor<T> Mean<T>(Tensor<T> x, int axis, bool keepDim = false) where T : unmanaged, IFloatingPointIeee754<T>
        => Scale(Sum(x, axis, keepDim), T.One / T.CreateTruncating(x.Dim(axis)));

    /// <summary>
    /// Smoothed Euclidean norm over one axis: sqrt(Σ x² + <paramref name="eps"/>). The eps keeps the gradient finite
    /// at x = 0 (e.g. zero vector features).
    /// </summary>
    /// <remarks>
    /// One fused pass forward and one backward, rounded exactly as the composite Sqrt(AddScalar(Sum(Square(x)), eps)):
    /// squares are summed along the axis in index order (<see cref="TP.Sum{T}(ReadOnlySpan{T})"/> when the axis is
    /// innermost, as <see cref="Sum{T}(Tensor{T}, int, bool)"/> does). When gradients are recorded (createGraph) the
    /// backward rule is built from differentiable ops, so second derivatives work.
    /// </remarks>
    public static Tensor<T> Norm<T>(Tensor<T> x, int axis, T eps, bool keepDim = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = NormalizeAxis(axis, x.Rank, nameof(Norm));
        var (outer, n, inner) = AxisLayout(x.Shape, ax);
        var keepShape = ReducedShape(x.Shape, ax, keepDim: true);
        var y = Tensor<T>.Uninitialized(keepDim ? keepShape : ReducedShape(x.Shape, ax, keepDim: false));
        ReadOnlySpan<T> xs = x.Span;
        var ys = y.Span;
        if (inner == 1)
        {
            Span<T> squares = n <= 256 ? stackalloc T[n] : new T[n];
            for (int o = 0; o < outer; o++)
            {
                var row = xs.Slice(o * n, n);
                TP.Multiply(row, row, squares);
                ys[o] = T.Sqrt(TP.Sum<T>(squares) + eps);
            }
        }
        else
        {
            Span<T> square = inner <= 1024 ? stackalloc T[inner] : new T[inner];
            for (int o = 0; o < outer; o++)
            {
                var dst = ys.Slice(o * inner, inner);
                dst.Clear();
                for (int k = 0; k < n; k++)
                {
                    var row = xs.Slice(((o * n) + k) * inner, inner);
                    TP.Multiply(row, row, square);
                    TP.Add(dst, square, dst);
                }
                TP.Add(dst, eps, dst);
                TP.Sqrt(dst, dst);
            }
        }
        if (!Autograd.ShouldRecord(x)) return y;
        var shape = x.Shape;
        T half = T.One / (T.One + T.One), two = T.One + T.One;
        return Autograd.Record(y, nameof(Norm), [x], g =>
        {
            // d/dx = (g / y · ½) ⊙ (2x), the composite's rounding.
            if (Autograd.IsRecording)
                return [Mul(BroadcastTo(Reshape(Scale(Div(g, y), half), keepShape), shape), Scale(x, two))];
            var dx = Tensor<T>.Uninitialized(shape);
            ReadOnlySpan<T> gs = g.Span, yv = y.Span, xv = x.Span;
            var ds = dx.Span;
            Span<T> scale = inner <= 1024 ? stackalloc T[inner] : new T[inner];
            for (int o = 0; o < outer; o++)
            {
                TP.Divide(gs.Slice(o * inner, inner), yv.Slice(o * inner, inner), scale);
                TP.Multiply(scale, half, scale);
                for (int k = 0; k < n; k++)
                {
                    int at = ((o * n) + k) * inner;
                    var d = ds.Slice(at, inner);
                    TP.Multiply(xv.Slice(at, inner), two, d);
                    TP.Multiply(scale, d, d);
                }
            }
            return [dx];
        });
    }
}
