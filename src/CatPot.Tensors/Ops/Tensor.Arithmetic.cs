using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Tensors;

public static partial class Tensor
{
    private readonly struct AddKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Add(x, y, d);
        public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Add(x, y, d);
        public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Add(y, x, d);
    }

    private readonly struct SubKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Subtract(x, y, d);
        public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Subtract(x, y, d);
        public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Subtract(x, y, d);
    }

    private readonly struct MulKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Multiply(x, y, d);
        public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Multiply(x, y, d);
        public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Multiply(y, x, d);
    }

    private readonly struct DivKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Divide(x, y, d);
        public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Divide(x, y, d);
        public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Divide(x, y, d);
    }

    /// <summary>a + b, broadcasting (NumPy rules).</summary>
    public static Tensor<T> Add<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = BinaryKernelRunner.Run<T, AddKernel<T>>(a, b, nameof(Add));
        if (!Autograd.ShouldRecord(a, b)) return y;
        return Autograd.Record(y, nameof(Add), [a, b], g => [SumTo(g, a.Shape), SumTo(g, b.Shape)]);
    }

    /// <summary>a − b, broadcasting.</summary>
    public static Tensor<T> Sub<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = BinaryKernelRunner.Run<T, SubKernel<T>>(a, b, nameof(Sub));
        if (!Autograd.ShouldRecord(a, b)) return y;
        return Autograd.Record(y, nameof(Sub), [a, b], g => [SumTo(g, a.Shape), b.TracksGrad ? SumTo(Neg(g), b.Shape) : null]);
    }

    /// <summary>a ⊙ b, broadcasting.</summary>
    public static Tensor<T> Mul<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = BinaryKernelRunner.Run<T, MulKernel<T>>(a, b, nameof(Mul));
        if (!Autograd.ShouldRecord(a, b)) return y;
        return Autograd.Record(y, nameof(Mul), [a, b], g =>
            [a.TracksGrad ? SumTo(Mul(g, b), a.Shape) : null, b.TracksGrad ? SumTo(Mul(g, a), b.Shape) : null]);
    }

    /// <summary>a / b, broadcasting.</summary>
    public static Tensor<T> Div<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = BinaryKernelRunner.Run<T, DivKernel<T>>(a, b, nameof(Div));
        if (!Autograd.ShouldRecord(a, b)) return y;
        return Autograd.Record(y, nameof(Div), [a, b], g =>
            [a.TracksGrad ? SumTo(Div(g, b), a.Shape) : null,
             b.TracksGrad ? SumTo(Neg(Div(Mul(g, a), Mul(b, b))), b.Shape) : null]);
    }

    /// <summary>x + c for a constant c.</summary>
    public static Tensor<T> AddScalar<T>(Tensor<T> x, T c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Tensor<T>.Uninitialized(x.Shape);
        TP.Add(x.Span, c, y.Span);
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(AddScalar), [x], g => [g]);
    }

    /// <summary>c · x for a constant c.</summary>
    public static Tensor<T> Scale<T>(Tensor<T> x, T c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Tensor<T>.Uninitialized(x.Shape);
        TP.Multiply(x.Span, c, y.Span);
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Scale), [x], g => [Scale(g, c)]);
    }

    /// <summary>−x.</summary>
    public static Tensor<T> Neg<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Tensor<T>.Uninitialized(x.Shape);
        TP.Negate(x.Span, y.Span);
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Neg), [x], g => [Neg(g)]);
    }

    /// <summary>
    /// Sums <paramref name="x"/> down to <paramref name="shape"/>, the adjoint of broadcasting <paramref name="shape"/>
    /// up to x's shape. Summation order is fixed (row order), so results are deterministic.
    /// </summary>
    public static Tensor<T> SumTo<T>(Tensor<T> x, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (SameShape(x.Shape, shape)) return x;
        var plan = Broadcast.Plan(shape, x.Shape, nameof(SumTo));
        if (!SameShape(plan.OutShape, x.Shape))
            throw new ArgumentException($"SumTo: shape {FormatShape(shape)} does not broadcast to {FormatShape(x.Shape)}.");
        var y = Tensor<T>.Scratch(shape);
        var ys = y.Span;
        ReadOnlySpan<T> xs = x.Span;
        if (y.Length == 1)
        {
            ys[0] = TP.Sum(xs);
        }
        else
        {
            int rows = plan.RowCount, n = plan.RowLength;
            var yOff = new int[rows];
            var xOff = new int[rows];
            plan.RowOffsets(yOff, xOff);
            bool yStep = plan.AInnerStep;
            for (int r = 0; r < rows; r++)
            {
                var xr = xs.Slice(xOff[r], n);
                if (yStep) TP.Add(ys.Slice(yOff[r], n), xr, ys.Slice(yOff[r], n));
                else ys[yOff[r]] += TP.Sum(xr);
            }
        }
        if (!Autograd.ShouldRecord(x)) return y;
        var fromShape = x.Shape;
        return Autograd.Record(y, nameof(SumTo), [x], g => [BroadcastTo(g, fromShape)]);
    }

    /// <summary>Repeats <paramref name="x"/> along broadcast axes to <paramref name="shape"/> (NumPy rules).</summary>
    public static Tensor<T> BroadcastTo<T>(Tensor<T> x, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (SameShape(x.Shape, shape)) return x;
        var plan = Broadcast.Plan(x.Shape, shape, nameof(BroadcastTo));
        if (!SameShape(plan.OutShape, shape))
            throw new ArgumentException($"BroadcastTo: shape {FormatShape(x.Shape)} does not broadcast to {FormatShape(shape)}.");
        var y = Tensor<T>.Uninitialized(shape);
        int rows = plan.RowCount, n = plan.RowLength;
        var xOff = new int[rows];
        var unused = new int[rows];
        plan.RowOffsets(xOff, unused);
        ReadOnlySpan<T> xs = x.Span;
        var ys = y.Span;
        bool step = plan.AInnerStep;
        for (int r = 0; r < rows; r++)
        {
            var dr = ys.Slice(r * n, n);
            if (step) xs.Slice(xOff[r], n).CopyTo(dr);
            else dr.Fill(xs[xOff[r]]);
        }
        if (!Autograd.ShouldRecord(x)) return y;
        var fromShape = x.Shape;
        return Autograd.Record(y, nameof(BroadcastTo), [x], g => [SumTo(g, fromShape)]);
    }
}
