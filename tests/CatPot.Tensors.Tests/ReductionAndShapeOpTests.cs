using CatPot.Tensors;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>Reductions, softmax, reshaping, slicing and indexing: gradients and forward values.</summary>
public class ReductionAndShapeOpTests
{
    private static Tensor<double> Weights(Random rng, int[] shape)
    {
        var w = GradCheck.Random(rng, shape);
        w.RequiresGrad = false;
        return w;
    }

    /// <summary>Σ w ⊙ y ⊙ y: a scalar whose gradient depends on y, so second order is non-trivial for linear ops too.</summary>
    private static Tensor<double> Energy(Tensor<double> y, Tensor<double> w) => Tensor.Sum(y * (y * w));

    private static void CheckBoth(Func<Tensor<double>[], Tensor<double>> f, params Tensor<double>[] inputs)
    {
        GradCheck.First(f, inputs);
        GradCheck.Second(f, inputs);
    }

    public static TheoryData<int[], int, bool> AxisCases()
    {
        var data = new TheoryData<int[], int, bool>();
        foreach (var (shape, axes) in new[] { (new[] { 5 }, new[] { 0 }), (new[] { 3, 4 }, new[] { 0, 1, -1 }), (new[] { 2, 3, 5 }, new[] { 0, 1, 2 }), (new[] { 3, 1, 2 }, new[] { 1, -1 }) })
            foreach (int a in axes)
                foreach (bool keep in new[] { false, true })
                    data.Add(shape, a, keep);
        return data;
    }

    [Theory]
    [MemberData(nameof(AxisCases))]
    public void Sum_Mean_Norm_over_axis_gradients(int[] shape, int axis, bool keepDim)
    {
        var rng = new Random(3);
        var x = GradCheck.Random(rng, shape);
        var outShape = Tensor.Sum(x.Detach(), axis, keepDim).Shape;
        var w = Weights(rng, outShape);
        CheckBoth(xs => Energy(Tensor.Sum(xs[0], axis, keepDim), w), x);
        CheckBoth(xs => Energy(Tensor.Mean(xs[0], axis, keepDim), w), x);
        CheckBoth(xs => Energy(Tensor.Norm(xs[0], axis, 1e-3, keepDim), w), x);
    }

    [Theory]
    [MemberData(nameof(AxisCases))]
    public void Sum_Mean_Norm_over_axis_forward(int[] shape, int axis, bool keepDim)
    {
        var rng = new Random(4);
        var x = GradCheck.Random(rng, shape).Detach();
        int ax = axis < 0 ? axis + shape.Length : axis;
        var (outer, n, inner) = Tensor.AxisLayout(shape, ax);
        var sum = Tensor.Sum(x, axis, keepDim);
        var mean = Tensor.Mean(x, axis, keepDim);
        var norm = Tensor.Norm(x, axis, 0.01, keepDim);
        var expectShape = shape.Select((d, i) => i == ax ? 1 : d).Where((d, i) => keepDim || i != ax).ToArray();
        Assert.Equal(expectShape, sum.Shape);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double s = 0, q = 0;
                for (int k = 0; k < n; k++) { double v = x[(((o * n) + k) * inner) + i]; s += v; q += v * v; }
                Assert.Equal(s, sum[(o * inner) + i], 1e-14);
                Assert.Equal(s / n, mean[(o * inner) + i], 1e-14);
                Assert.Equal(Math.Sqrt(q + 0.01), norm[(o * inner) + i], 1e-14);
            }
        Assert.Equal(x.Span.ToArray().Sum() / x.Length, Tensor.Mean(x).ToScalar(), 1e-14);
    }

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 5 })]
    [InlineData(new[] { 3, 4 })]
    [InlineData(new[] { 2, 3, 1 })]
    [InlineData(new[] { 2, 2, 3 })]
    public void Softmax_and_LogSoftmax_gradients(int[] shape)
    {
        var rng = new Random(5);
        var x = GradCheck.Random(rng, -2, 2, shape);
        var w = Weights(rng, shape);
        CheckBoth(xs => Energy(Tensor.Softmax(xs[0]), w), x);
        CheckBoth(xs => Energy(Tensor.LogSoftmax(xs[0]), w), x);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(130)]
    public void Softmax_and_LogSoftmax_forward_are_stable(int n)
    {
        var rng = new Random(n);
        var xd = new Tensor<double>(3, n);
        var xf = new Tensor<float>(3, n);
        for (int i = 0; i < xd.Length; i++)
        {
            xd[i] = (rng.NextDouble() * 10) + (i < n ? 800 : i < 2 * n ? -800 : 0); // rows that overflow exp naïvely
            xf[i] = (float)xd[i];
        }
        var sd = Tensor.Softmax(xd); var ld = Tensor.LogSoftmax(xd);
        var sf = Tensor.Softmax(xf); var lf = Tensor.LogSoftmax(xf);
        for (int r = 0; r < 3; r++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < n; j++) max = Math.Max(max, xd[r, j]);
            double z = 0;
            for (int j = 0; j < n; j++) z += Math.Exp(xd[r, j] - max);
            for (int j = 0; j < n; j++)
            {
                double logP = xd[r, j] - max - Math.Log(z);
                Assert.Equal(Math.Exp(logP), sd[r, j], 1e-14);
                Assert.Equal(logP, ld[r, j], 1e-12);
                double logPf = xf[r, j] - (double)Enumerable.Range(0, n).Max(k => xf[r, k]);
                double zf = Enumerable.Range(0, n).Sum(k => Math.Exp(xf[r, k] - Enumerable.Range(0, n).Max(q => (double)xf[r, q])));
                logPf -= Math.Log(zf);
                Assert.Equal(Math.Exp(logPf), sf[r, j], 1e-6);
                Assert.Equal(logPf, lf[r, j], 1e-4);
            }
        }
    }

    [Fact]
    public void Reshape_shares_data_infers_minus_one_and_has_gradients()
    {
        var rng = new Random(6);
        var x = GradCheck.Random(rng, 2, 3, 2);
        var y = Tensor.Reshape(x, -1, 4);
        Assert.Equal(new[] { 3, 4 }, y.Shape);
        Assert.Same(x.Data, y.Data);
        Assert.Throws<ArgumentException>(() => Tensor.Reshape(x, 5, -1));
        Assert.Throws<ArgumentException>(() => Tensor.Reshape(x, -1, -1));
        var w = Weights(rng, [6, 2]);
        CheckBoth(xs => Energy(Tensor.Reshape(xs[0], 6, -1), w), x);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(33, 70)]
    public void Transpose_forward_and_gradients(int rows, int cols)
    {
        var rng = new Random(7);
        var x = GradCheck.Random(rng, rows, cols);
        var y = Tensor.Transpose(x.Detach());
        Assert.Equal(new[] { cols, rows }, y.Shape);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                Assert.Equal(x[i, j], y[j, i]);
        if (rows * cols > 20) return; // finite differences on the small cases only
        var w = Weights(rng, [cols, rows]);
        CheckBoth(xs => Energy(Tensor.Transpose(xs[0]), w), x);
    }

    [Theory]
    [InlineData(new[] { 6 }, 0)]
    [InlineData(new[] { 3, 5 }, -1)]
    [InlineData(new[] { 4, 2 }, 0)]
    [InlineData(new[] { 2, 5, 3 }, 1)]
    public void Concat_Split_Narrow_forward_and_gradients(int[] shape, int axis)
    {
        var rng = new Random(8);
        int ax = axis < 0 ? axis + shape.Length : axis;
        int len = shape[ax];
        var sizes = len == 6 ? new[] { 1, 0, 2, 3 } : len == 5 ? new[] { 2, 1, 2 } : len == 4 ? new[] { 1, 3 } : new[] { 1, 1 };
        var x = GradCheck.Random(rng, shape);
        var parts = Tensor.Split(x.Detach(), sizes, axis);
        var back = Tensor.Concat(parts, axis);
        Assert.Equal(x.Shape, back.Shape);
        Assert.Equal(x.Span.ToArray(), back.Span.ToArray());
        var (outer, n, inner) = Tensor.AxisLayout(shape, ax);
        int start = sizes[0];
        var narrow = Tensor.Narrow(x.Detach(), axis, start, sizes[1]);
        for (int o = 0; o < outer; o++)
            for (int k = 0; k < sizes[1]; k++)
                for (int i = 0; i < inner; i++)
                    Assert.Equal(x[(((o * n) + start + k) * inner) + i], narrow[(((o * sizes[1]) + k) * inner) + i]);

        // Part 1 is left unused: Split must give zeros for it.
        var w0 = Weights(rng, parts[0].Shape);
        var w2 = Weights(rng, parts[^1].Shape);
        CheckBoth(xs => { var p = Tensor.Split(xs[0], sizes, axis); return Tensor.Add(Energy(p[0], w0), Energy(p[^1], w2)); }, x);

        var y = GradCheck.Random(rng, shape);
        var wc = Weights(rng, Tensor.Concat([x.Detach(), y.Detach(), x.Detach()], axis).Shape);
        CheckBoth(xs => Energy(Tensor.Concat([xs[0], xs[1], xs[0]], axis), wc), x, y);
        var wn = Weights(rng, narrow.Shape);
        CheckBoth(xs => Energy(Tensor.Narrow(xs[0], axis, start, sizes[1]), wn), x);
    }

    [Theory]
    [InlineData(new[] { 5 })]
    [InlineData(new[] { 5, 3 })]
    [InlineData(new[] { 4, 1, 3 })]
    public void IndexSelect_and_IndexAdd_gradients(int[] shape)
    {
        var rng = new Random(9);
        var x = GradCheck.Random(rng, shape);
        int rows = shape[0];
        int[] index = [rows - 1, 0, 2, 0, 1, rows - 1, 0];
        var sel = Tensor.IndexSelect(x.Detach(), index);
        var ws = Weights(rng, sel.Shape);
        CheckBoth(xs => Energy(Tensor.IndexSelect(xs[0], index), ws), x);
        int[] targets = Enumerable.Range(0, rows).Select(r => (r * 2) % 3).ToArray();
        var add = Tensor.IndexAdd(x.Detach(), targets, 4);
        var wa = Weights(rng, add.Shape);
        CheckBoth(xs => Energy(Tensor.IndexAdd(xs[0], targets, 4), wa), x);
        // The pair used by message passing: gather over edges, scatter back to nodes.
        var wr = Weights(rng, x.Shape);
        CheckBoth(xs => Energy(Tensor.IndexAdd(Tensor.IndexSelect(xs[0], index), index.Select(i => (i + 1) % rows).ToArray(), rows), wr), x);
    }

    [Theory]
    [InlineData(5, 1, 1)]
    [InlineData(40, 17, 1)]
    [InlineData(3000, 33, 1)]
    [InlineData(3000, 33, 2)]
    public void IndexSelect_and_IndexAdd_forward_match_scalar_loops(int edges, int width, int threads)
    {
        int saved = TensorThreading.MaxThreads;
        try
        {
            TensorThreading.MaxThreads = threads;
            var rng = new Random(edges);
            int nodes = Math.Max(1, edges / 7);
            var x = new Tensor<float>(nodes, width);
            for (int i = 0; i < x.Length; i++) x[i] = (float)((rng.NextDouble() * 2) - 1);
            var index = Enumerable.Range(0, edges).Select(_ => rng.Next(nodes)).ToArray();
            var gathered = Tensor.IndexSelect(x, index);
            for (int e = 0; e < edges; e++)
                for (int j = 0; j < width; j++)
                    Assert.Equal(x[index[e], j], gathered[e, j]);
            var summed = Tensor.IndexAdd(gathered, index, nodes);
            var expect = new float[nodes * width];
            for (int e = 0; e < edges; e++)
                for (int j = 0; j < width; j++)
                    expect[(index[e] * width) + j] += gathered[e, j];
            Assert.Equal(expect, summed.Span.ToArray()); // bit-identical: same additions in the same order
        }
        finally
        {
            TensorThreading.MaxThreads = saved;
        }
    }

    [Fact]
    public void Index_ops_reject_out_of_range_indices()
    {
        var x = new Tensor<double>(3, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.IndexSelect(x, [0, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.IndexAdd(x, [0, 1, -1], 2));
        Assert.Throws<ArgumentException>(() => Tensor.IndexAdd(x, [0, 1], 2));
    }
}
