using System.Numerics;

namespace CatPot.Tensors;

/// <summary>
/// The tensor ops. Each op computes its result with a kernel and, when gradients are being recorded,
/// attaches its backward rule (written with these same ops, so gradients are differentiable again).
/// This file: shape helpers and constructors.
/// </summary>
public static partial class Tensor
{
    /// <summary>Product of the dimensions, checked for negative sizes and overflow.</summary>
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in shape {FormatShape(shape)}.", nameof(shape));
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"Shape {FormatShape(shape)} has more elements than an array can hold.", nameof(shape));
        }
        return (int)n;
    }

    /// <summary>Formats a shape as <c>[2, 3]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>True when two shapes are equal.</summary>
    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>A tensor of the given shape filled with <paramref name="value"/>.</summary>
    public static Tensor<T> Full<T>(int[] shape, T value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var t = new Tensor<T>(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A zero tensor of the given shape.</summary>
    public static Tensor<T> Zeros<T>(params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> => new(shape);

    /// <summary>A zero tensor with the shape of <paramref name="like"/>.</summary>
    public static Tensor<T> ZerosLike<T>(Tensor<T> like) where T : unmanaged, IFloatingPointIeee754<T> => new(like.Shape);

    /// <summary>A ones tensor with the shape of <paramref name="like"/>.</summary>
    public static Tensor<T> OnesLike<T>(Tensor<T> like) where T : unmanaged, IFloatingPointIeee754<T> => Full(like.Shape, T.One);

    /// <summary>A one-element tensor of shape [] holding <paramref name="value"/>.</summary>
    public static Tensor<T> Scalar<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> => new([value]);

    /// <summary>Wraps a copy of <paramref name="values"/> with the given shape.</summary>
    public static Tensor<T> From<T>(ReadOnlySpan<T> values, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
        => new(values.ToArray(), shape);

    internal static void RequireRank<T>(Tensor<T> t, int rank, string op, string argument) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.Rank != rank)
            throw new ArgumentException($"{op} needs a rank-{rank} tensor for '{argument}' but got shape {FormatShape(t.Shape)}.", argument);
    }

    internal static int NormalizeAxis(int axis, int rank, string op)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"{op}: axis {axis} is out of range for rank {rank}.");
        return a;
    }
}
