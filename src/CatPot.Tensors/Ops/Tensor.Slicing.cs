using System.Numerics;

namespace CatPot.Tensors;

public static partial class Tensor
{
    /// <summary>The slice [start, start + length) of x along <paramref name="axis"/> (a copy).</summary>
    public static Tensor<T> Narrow<T>(Tensor<T> x, int axis, int start, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = NormalizeAxis(axis, x.Rank, nameof(Narrow));
        var (outer, n, inner) = AxisLayout(x.Shape, ax);
        if (start < 0 || length < 0 || start + length > n)
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: [{start}, {start + length}) is outside axis {ax} of length {n} (shape {FormatShape(x.Shape)}).");
        var shape = (int[])x.Shape.Clone();
        shape[ax] = length;
        var y = Tensor<T>.Uninitialized(shape);
        ReadOnlySpan<T> xs = x.Span;
        var ys = y.Span;
        int block = length * inner;
        for (int o = 0; o < outer; o++)
            xs.Slice(((o * n) + start) * inner, block).CopyTo(ys.Slice(o * block, block));
        if (!Autograd.ShouldRecord(x)) return y;
        // Scattered straight into the input's gradient buffer: the parts of a Split fill one buffer instead of each padding a zero tensor.
        y.Node = new GraphNode<T>(nameof(Narrow), [x], g => [Pad(g, ax, start, n)])
        {
            Scatter = (g, acc) =>
            {
                ReadOnlySpan<T> gs = g.Span;
                var accs = acc.Span;
                for (int o = 0; o < outer; o++)
                {
                    var dst = accs.Slice(((o * n) + start) * inner, block);
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, gs.Slice(o * block, block), dst);
                }
            },
        };
        return y;
    }

    /// <summary>The adjoint of <see cref="Narrow{T}"/>: x placed at [start, start + x.Dim(axis)) of a zero tensor whose axis has <paramref name="total"/> entries.</summary>
    private static Tensor<T> Pad<T>(Tensor<T> x, int axis, int start, int total) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outer, length, inner) = AxisLayout(x.Shape, axis);
        var shape = (int[])x.Shape.Clone();
        shape[axis] = total;
        var y = Tensor<T>.Scratch(shape);
        ReadOnlySpan<T> xs = x.Span;
        var ys = y.Span;
        int block = length * inner;
        for (int o = 0; o < outer; o++)
            xs.Slice(o * block, block).CopyTo(ys.Slice(((o * total) + start) * inner, block));
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Pad), [x], g => [Narrow(g, axis, start, length)]);
    }

    /// <summary>Joins tensors along <paramref name="axis"/>; all other dimensions must agree.</summary>
    public static Tensor<T> Concat<T>(Tensor<T>[] parts, int axis = -1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parts.Length == 0) throw new ArgumentException("Concat needs at least one tensor.", nameof(parts));
        var first = parts[0];
        int ax = NormalizeAxis(axis, first.Rank, nameof(Concat));
        var sizes = new int[parts.Length];
        int total = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            var s = parts[p].Shape;
            bool ok = s.Length == first.Rank;
            for (int i = 0; ok && i < s.Length; i++) ok = i == ax || s[i] == first.Shape[i];
            if (!ok)
                throw new ArgumentException($"Concat along axis {ax}: part {p} has shape {FormatShape(s)}, incompatible with part 0 of shape {FormatShape(first.Shape)}.", nameof(parts));
            sizes[p] = s[ax];
            total += s[ax];
        }
        var shape = (int[])first.Shape.Clone();
        shape[ax] = total;
        var y = Tensor<T>.Uninitialized(shape);
        var (outer, _, inner) = AxisLayout(shape, ax);
        var ys = y.Span;
        for (int o = 0; o < outer; o++)
        {
            int dst = o * total * inner;
            for (int p = 0; p < parts.Length; p++)
            {
                int block = sizes[p] * inner;
                parts[p].Span.Slice(o * block, block).CopyTo(ys.Slice(dst, block));
                dst += block;
            }
        }
        var inputs = (Tensor<T>[])parts.Clone();
        if (!Autograd.ShouldRecord<T>(inputs)) return y;
        return Autograd.Record(y, nameof(Concat), inputs, g =>
        {
            var grads = new Tensor<T>?[inputs.Length];
            int offset = 0;
            for (int p = 0; p < inputs.Length; p++)
            {
                if (inputs[p].TracksGrad) grads[p] = Narrow(g, ax, offset, sizes[p]);
                offset += sizes[p];
            }
            return grads;
        });
    }

    /// <summary>Splits x along <paramref name="axis"/> into consecutive parts of the given sizes (which must add up to the axis length).</summary>
    public static Tensor<T>[] Split<T>(Tensor<T> x, int[] sizes, int axis = -1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = NormalizeAxis(axis, x.Rank, nameof(Split));
        int sum = 0;
        foreach (int s in sizes)
        {
            if (s < 0) throw new ArgumentException($"Split: negative size in [{string.Join(", ", sizes)}].", nameof(sizes));
            sum += s;
        }
        if (sum != x.Shape[ax])
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] add up to {sum} but axis {ax} of shape {FormatShape(x.Shape)} has {x.Shape[ax]}.", nameof(sizes));
        var parts = new Tensor<T>[sizes.Length];
        int start = 0;
        for (int p = 0; p < sizes.Length; p++)
        {
            parts[p] = Narrow(x, ax, start, sizes[p]);
            start += sizes[p];
        }
        return parts;
    }
}
