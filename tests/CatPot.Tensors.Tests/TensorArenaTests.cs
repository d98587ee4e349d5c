using CatPot.Tensors;
using Xunit;

namespace CatPot.Tensors.Tests;

public class TensorArenaTests
{
    /// <summary>A small network step with a gather/scatter and a double backward, in float64.</summary>
    private static (double Loss, double[] Forces, double[][] Grads) Step(Tensor<double> x, Tensor<double>[] weights, int[] from, int[] to)
    {
        var h = Tensor.Silu(Tensor.Linear(x, weights[0], weights[1]));
        var messages = Tensor.IndexAdd(Tensor.IndexSelect(h, from), to, x.Shape[0]);
        var energy = Tensor.Sum(Tensor.Linear(Tensor.Add(h, messages), weights[2]));
        var forces = Autograd.Grad(energy, [x], createGraph: true)[0];
        var loss = Tensor.Add(Tensor.Mean(Tensor.Square(forces)), Tensor.Scale(energy, 1e-3));
        var grads = Autograd.Grad(loss, weights);
        return (loss.ToScalar(), forces.ToArray(), grads.Select(g => g.ToArray()).ToArray());
    }

    private static (Tensor<double> X, Tensor<double>[] W, int[] From, int[] To) Problem(int rows, ulong seed)
    {
        var rng = new Xoshiro256StarStar(seed);
        var x = new Tensor<double>(rows, 5);
        Init.Uniform(x, -1, 1, rng);
        x.RequiresGrad = true;
        var w = new[] { new Tensor<double>(7, 5), new Tensor<double>(7), new Tensor<double>(1, 7) };
        foreach (var t in w)
        {
            Init.Uniform(t, -0.5, 0.5, rng);
            t.RequiresGrad = true;
        }
        var from = Enumerable.Range(0, 3 * rows).Select(_ => rng.NextInt(rows)).ToArray();
        var to = Enumerable.Range(0, 3 * rows).Select(_ => rng.NextInt(rows)).ToArray();
        return (x, w, from, to);
    }

    [Fact]
    public void Results_inside_scopes_equal_results_without_an_arena_bit_for_bit()
    {
        var arena = new TensorArena();
        // Different sizes in turn, so arrays are reused across shapes and carry stale values from earlier steps.
        foreach (int rows in new[] { 40, 37, 40, 45, 12, 40 })
        {
            var (x, w, from, to) = Problem(rows, (ulong)rows);
            var plain = Step(x, w, from, to);
            (double Loss, double[] Forces, double[][] Grads) pooled;
            using (arena.Use()) pooled = Step(x, w, from, to);
            Assert.Equal(BitConverter.DoubleToInt64Bits(plain.Loss), BitConverter.DoubleToInt64Bits(pooled.Loss));
            Assert.Equal(plain.Forces, pooled.Forces);
            for (int k = 0; k < w.Length; k++) Assert.Equal(plain.Grads[k], pooled.Grads[k]);
        }
    }

    [Fact]
    public void Repeated_steps_stop_allocating_and_zero_filled_tensors_are_zero()
    {
        var arena = new TensorArena();
        var (x, w, from, to) = Problem(30, 3);
        for (int i = 0; i < 3; i++)
        {
            using var _ = arena.Use();
            Step(x, w, from, to);
            Tensor.AddScalar(Tensor<double>.Scratch(30, 7), 5.0);
        }
        long allocations = arena.Allocations;
        Assert.True(allocations > 10, $"only {allocations} arrays came from the arena");
        for (int i = 0; i < 5; i++)
        {
            using var _ = arena.Use();
            Step(x, w, from, to);
            var z = Tensor<double>.Scratch(30, 7);
            Assert.All(z.ToArray(), v => Assert.Equal(0.0, v));
        }
        Assert.Equal(allocations, arena.Allocations);
        Assert.True(arena.RetainedBytes > 0);
        arena.Trim();
        Assert.Equal(0, arena.RetainedBytes);
    }

    [Fact]
    public void Inner_scope_recycles_only_its_own_tensors_and_clone_escapes()
    {
        var arena = new TensorArena();
        using (arena.Use())
        {
            var outer = Tensor.AddScalar(new Tensor<float>(100), 1f);
            Tensor<float> kept;
            float[] innerData;
            using (arena.Use())
            {
                var inner = Tensor.AddScalar(new Tensor<float>(100), 2f);
                innerData = inner.Data;
                kept = inner.Clone();
            }
            // The inner array is free again: the next tensor of that size class reuses it; the outer one is untouched.
            var reuse = Tensor.AddScalar(new Tensor<float>(100), 3f);
            Assert.All(outer.ToArray(), v => Assert.Equal(1f, v));
            Assert.All(kept.ToArray(), v => Assert.Equal(2f, v));
            Assert.All(reuse.ToArray(), v => Assert.Equal(3f, v));
            Assert.Same(innerData, reuse.Data);
        }
        Assert.False(TensorArena.IsActive);
    }

    [Fact]
    public void Leaf_gradients_outlive_the_scope_that_made_them()
    {
        var arena = new TensorArena();
        var w = new Tensor<float>([1f, 2f, 3f], 3) { RequiresGrad = true };
        using (arena.Use()) Autograd.Backward(Tensor.Sum(Tensor.Square(w)));
        using (arena.Use())
        {
            // Fill every free array of the arena with junk.
            for (int i = 0; i < 8; i++) Tensor.AddScalar(new Tensor<float>(3), 99f);
        }
        Assert.Equal([2f, 4f, 6f], w.Grad!.ToArray());
    }

    [Fact]
    public void Constructed_tensors_are_never_recycled()
    {
        var arena = new TensorArena();
        Tensor<float> mine;
        using (arena.Use())
        {
            mine = new Tensor<float>(50);
            mine.Span.Fill(7f);
        }
        using (arena.Use())
        {
            for (int i = 0; i < 4; i++) Tensor.AddScalar(Tensor<float>.Scratch(50), 1f);
        }
        Assert.All(mine.ToArray(), v => Assert.Equal(7f, v));
        Assert.Equal(50, mine.Data.Length);
    }

    [Fact]
    public void A_slightly_larger_free_array_serves_and_unused_sizes_are_dropped()
    {
        var arena = new TensorArena();
        using (arena.Use()) Tensor<float>.Scratch(1000);
        long allocations = arena.Allocations;
        using (arena.Use()) Assert.True(Tensor<float>.Scratch(900).Data.Length >= 1000);
        Assert.Equal(allocations, arena.Allocations);

        using (arena.Use()) Tensor<float>.Scratch(100_000);
        Assert.True(arena.RetainedBytes >= 400_000);
        for (int i = 0; i < 9; i++)
        {
            using var _ = arena.Use();
            Tensor<float>.Scratch(1000);
        }
        // The 100,000-element array went unused for more than 8 scopes and was dropped; the 1,000-element one stays.
        Assert.InRange(arena.RetainedBytes, 4_000, 400_000 - 1);
    }

    [Fact]
    public void Span_and_length_follow_the_shape_when_the_array_is_longer()
    {
        var arena = new TensorArena();
        using var _ = arena.Use();
        var t = Tensor<float>.Scratch(5, 13);
        Assert.Equal(65, t.Length);
        Assert.Equal(65, t.Span.Length);
        Assert.True(t.Data.Length > 65);
        Assert.Equal(65, t.ToArray().Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => t[65]);
        var r = Tensor.Reshape(t, 13, 5);
        Assert.Equal(65, r.Span.Length);
    }
}
