using System.Numerics;

namespace CatPot.Tensors;

public static partial class Tensor
{
    /// <summary>
    /// The same elements viewed with another shape (no copy: the result shares x's data). One dimension may be
    /// −1 and is then inferred.
    /// </summary>
    public static Tensor<T> Reshape<T>(Tensor<T> x, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var resolved = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape: shape {FormatShape(shape)} has more than one -1.", nameof(shape));
                infer = i;
            }
            else if (resolved[i] < 0) throw new ArgumentException($"Reshape: shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
            else known *= resolved[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || x.Length % known != 0)
                throw new ArgumentException($"Reshape: cannot infer the -1 in {FormatShape(shape)} for {x.Length} elements (shape {FormatShape(x.Shape)}).", nameof(shape));
            resolved[infer] = (int)(x.Length / known);
        }
        if (ElementCount(resolved) != x.Length)
            throw new ArgumentException($"Reshape: shape {FormatShape(shape)} has {ElementCount(resolved)} elements but the tensor has {x.Length} (shape {FormatShape(x.Shape)}).", nameof(shape));
        var y = Tensor<T>.Wrap(x.Data, resolved);
        if (!Autograd.ShouldRecord(x)) return y;
        var from = x.Shape;
        return Autograd.Record(y, nameof(Reshape), [x], g => [Reshape(g, from)]);
    }

    /// <summary>The transpose of a matrix (a copy).</summary>
    public static Tensor<T> Transpose<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireRank(x, 2, nameof(Transpose), nameof(x));
        int rows = x.Shape[0], cols = x.Shape[1];
        var y = Tensor<T>.Uninitialized([cols, rows]);
        ReadOnlySpan<T> xs = x.Span;
        var ys = y.Span;
        // Tiles keep both the reads and the writes within a few cache lines.
        const int tile = 32;
        for (int i0 = 0; i0 < rows; i0 += tile)
        {
            int i1 = Math.Min(i0 + tile, rows);
            for (int j0 = 0; j0 < cols; j0 += tile)
            {
                int j1 = Math.Min(j0 + tile, cols);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++)
                        ys[(j * rows) + i] = xs[(i * cols) + j];
            }
        }
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Transpose), [x], g => [Transpose(g)]);
    }
}
