using System.Numerics;

namespace CatPot.Tensors;

/// <summary>
/// NumPy-style broadcasting of two shapes, walked as rows of the output's last dimension: for every output row
/// the offsets of the matching row in each input and whether each input advances along the row (stride 1) or
/// repeats one value (stride 0). Kernels then work on whole rows with SIMD.
/// </summary>
internal readonly struct Broadcast
{
    public readonly int[] OutShape;
    private readonly int[] _aStrides; // element strides of a in output index space (0 where broadcast)
    private readonly int[] _bStrides;

    private Broadcast(int[] outShape, int[] aStrides, int[] bStrides)
    {
        OutShape = outShape;
        _aStrides = aStrides;
        _bStrides = bStrides;
    }

    public int RowLength => OutShape.Length == 0 ? 1 : OutShape[^1];
    public bool AInnerStep => OutShape.Length > 0 && _aStrides[^1] == 1;
    public bool BInnerStep => OutShape.Length > 0 && _bStrides[^1] == 1;

    public static Broadcast Plan(int[] a, int[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var outShape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Tensor.FormatShape(a)} and {Tensor.FormatShape(b)} cannot be broadcast together (dimension {i}: {da} vs {db}).");
            outShape[i] = da == 1 ? db : da;
        }
        return new Broadcast(outShape, Strides(a, outShape), Strides(b, outShape));
    }

    /// <summary>Strides of <paramref name="shape"/> viewed in the index space of <paramref name="outShape"/> (0 on broadcast axes).</summary>
    public static int[] Strides(int[] shape, int[] outShape)
    {
        int rank = outShape.Length;
        var strides = new int[rank];
        int s = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int j = i - (rank - shape.Length);
            int d = j >= 0 ? shape[j] : 1;
            strides[i] = d == 1 ? 0 : s;
            s *= d;
        }
        return strides;
    }

    /// <summary>Fills the start offsets of a and b for every output row, in row order.</summary>
    public void RowOffsets(Span<int> aOffsets, Span<int> bOffsets) => RowOffsets(OutShape, _aStrides, _bStrides, aOffsets, bOffsets);

    public static void RowOffsets(int[] outShape, int[] aStrides, int[] bStrides, Span<int> aOffsets, Span<int> bOffsets)
    {
        int outer = outShape.Length <= 1 ? 1 : Tensor.ElementCount(outShape.AsSpan(0, outShape.Length - 1));
        int lead = Math.Max(outShape.Length - 1, 0);
        Span<int> index = lead <= 16 ? stackalloc int[lead] : new int[lead];
        int ao = 0, bo = 0;
        for (int r = 0; r < outer; r++)
        {
            aOffsets[r] = ao;
            bOffsets[r] = bo;
            // Odometer over the leading axes, innermost fastest.
            for (int ax = lead - 1; ax >= 0; ax--)
            {
                index[ax]++;
                ao += aStrides[ax];
                bo += bStrides[ax];
                if (index[ax] < outShape[ax]) break;
                ao -= aStrides[ax] * outShape[ax];
                bo -= bStrides[ax] * outShape[ax];
                index[ax] = 0;
            }
        }
    }

    public int RowCount => OutShape.Length <= 1 ? 1 : Tensor.ElementCount(OutShape.AsSpan(0, OutShape.Length - 1));
}

/// <summary>An element-wise binary operation on rows: vector–vector, vector–scalar and scalar–vector forms.</summary>
internal interface IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d);
    static abstract void Apply(ReadOnlySpan<T> x, T y, Span<T> d);
    static abstract void Apply(T x, ReadOnlySpan<T> y, Span<T> d);
}

internal static class BinaryKernelRunner
{
    /// <summary>Applies a broadcasting binary kernel; the fast path is two tensors of one shape.</summary>
    public static Tensor<T> Run<T, TKernel>(Tensor<T> a, Tensor<T> b, string op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IBinaryKernel<T>
    {
        if (Tensor.SameShape(a.Shape, b.Shape))
        {
            var same = Tensor<T>.Uninitialized(a.Shape);
            TKernel.Apply(a.Span, b.Span, same.Span);
            return same;
        }
        var plan = Broadcast.Plan(a.Shape, b.Shape, op);
        var result = Tensor<T>.Uninitialized(plan.OutShape);
        if (b.Length == 1 && result.Length == a.Length) { TKernel.Apply(a.Span, b.Span[0], result.Span); return result; }
        if (a.Length == 1 && result.Length == b.Length) { TKernel.Apply(a.Span[0], b.Span, result.Span); return result; }
        int rows = plan.RowCount, n = plan.RowLength;
        var aOff = new int[rows];
        var bOff = new int[rows];
        plan.RowOffsets(aOff, bOff);
        ReadOnlySpan<T> x = a.Span, y = b.Span;
        Span<T> d = result.Span;
        bool aStep = plan.AInnerStep, bStep = plan.BInnerStep;
        for (int r = 0; r < rows; r++)
        {
            var dr = d.Slice(r * n, n);
            if (aStep && bStep) TKernel.Apply(x.Slice(aOff[r], n), y.Slice(bOff[r], n), dr);
            else if (aStep) TKernel.Apply(x.Slice(aOff[r], n), y[bOff[r]], dr);
            else if (bStep) TKernel.Apply(x[aOff[r]], y.Slice(bOff[r], n), dr);
            else dr.Fill(ScalarOf<T, TKernel>(x[aOff[r]], y[bOff[r]]));
        }
        return result;
    }

    private static T ScalarOf<T, TKernel>(T x, T y)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IBinaryKernel<T>
    {
        Span<T> one = [y];
        Span<T> d = [default];
        TKernel.Apply(x, one, d);
        return d[0];
    }
}
