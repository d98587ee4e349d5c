using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Tensors;

public static partial class Tensor
{
    // Below this many elements (~1 MB of floats, ~100 µs of copying) waking a second thread costs more than it saves.
    private const int ParallelIndexThreshold = 1 << 18;

    /// <summary>
    /// Gathers rows (slices along axis 0) of x: y[r, ...] = x[index[r], ...], shape [index.Length, ...rest].
    /// The gradient is <see cref="IndexAdd{T}"/>. Do not modify <paramref name="index"/> while the graph is alive.
    /// </summary>
    public static Tensor<T> IndexSelect<T>(Tensor<T> x, int[] index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0) throw new ArgumentException("IndexSelect needs a tensor of rank at least 1.", nameof(x));
        int rows = x.Shape[0];
        int rowLength = rows == 0 ? ElementCount(x.Shape.AsSpan(1)) : x.Length / rows;
        CheckIndices(index, rows, nameof(IndexSelect));
        var shape = (int[])x.Shape.Clone();
        shape[0] = index.Length;
        var y = Tensor<T>.Uninitialized(shape);
        T[] xd = x.Data, yd = y.Data;
        int threads = ThreadsFor(y.Length, index.Length);
        if (threads <= 1)
        {
            for (int r = 0; r < index.Length; r++)
                xd.AsSpan(index[r] * rowLength, rowLength).CopyTo(yd.AsSpan(r * rowLength, rowLength));
        }
        else
        {
            SpinningThreadPool.For(threads, t =>
            {
                var (lo, hi) = Partition(index.Length, threads, t);
                for (int r = lo; r < hi; r++)
                    xd.AsSpan(index[r] * rowLength, rowLength).CopyTo(yd.AsSpan(r * rowLength, rowLength));
            });
        }
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(IndexSelect), [x], g => [IndexAdd(g, index, rows)]);
    }

    /// <summary>
    /// Scatter-add of rows (segment sum): y has <paramref name="count"/> rows and y[index[r], ...] += x[r, ...] for every
    /// row r of x. Each output row sums its source rows in increasing r, whatever the thread count, so results are
    /// deterministic. The gradient is <see cref="IndexSelect{T}"/>. Do not modify <paramref name="index"/> while the graph is alive.
    /// </summary>
    public static Tensor<T> IndexAdd<T>(Tensor<T> x, int[] index, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0) throw new ArgumentException("IndexAdd needs a tensor of rank at least 1.", nameof(x));
        if (index.Length != x.Shape[0])
            throw new ArgumentException($"IndexAdd: {index.Length} indices for {x.Shape[0]} rows (shape {FormatShape(x.Shape)}).", nameof(index));
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "IndexAdd: the output row count must not be negative.");
        CheckIndices(index, count, nameof(IndexAdd));
        var shape = (int[])x.Shape.Clone();
        shape[0] = count;
        var y = Tensor<T>.Scratch(shape);
        int rowLength = ElementCount(x.Shape.AsSpan(1));
        T[] xd = x.Data, yd = y.Data;
        int threads = ThreadsFor(x.Length, count);
        if (threads <= 1)
        {
            for (int r = 0; r < index.Length; r++)
            {
                var dst = yd.AsSpan(index[r] * rowLength, rowLength);
                TP.Add(dst, xd.AsSpan(r * rowLength, rowLength), dst);
            }
        }
        else
        {
            // Sources grouped by target in increasing r (a stable counting sort), then output rows split among threads:
            // every output row sees exactly the additions, in the order, of the sequential loop.
            var start = new int[count + 1];
            foreach (int i in index) start[i + 1]++;
            for (int i = 0; i < count; i++) start[i + 1] += start[i];
            var sources = new int[index.Length];
            var fill = (int[])start.Clone();
            for (int r = 0; r < index.Length; r++) sources[fill[index[r]]++] = r;
            SpinningThreadPool.For(threads, t =>
            {
                var (lo, hi) = Partition(count, threads, t);
                for (int o = lo; o < hi; o++)
                {
                    var dst = yd.AsSpan(o * rowLength, rowLength);
                    for (int s = start[o]; s < start[o + 1]; s++)
                        TP.Add(dst, xd.AsSpan(sources[s] * rowLength, rowLength), dst);
                }
            });
        }
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(IndexAdd), [x], g => [IndexSelect(g, index)]);
    }

    private static void CheckIndices(int[] index, int rows, string op)
    {
        for (int r = 0; r < index.Length; r++)
            if ((uint)index[r] >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index[{r}] = {index[r]} is outside [0, {rows}).");
    }

    private static int ThreadsFor(int elements, int rows)
        => elements < ParallelIndexThreshold ? 1 : Math.Max(1, Math.Min(TensorThreading.MaxThreads, rows));

    private static (int Lo, int Hi) Partition(int n, int parts, int part)
        => ((int)((long)n * part / parts), (int)((long)n * (part + 1) / parts));
}
