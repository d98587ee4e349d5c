using CatPot.Tensors;
using Xunit;

namespace CatPot.Tensors.Tests;

public class DeterminismTests
{
    /// <summary>
    /// A float32 MLP with a gather/scatter (the message-passing pattern) large enough for the parallel paths of
    /// Silu and IndexAdd: returns the loss, the parameter gradients and a second-order (createGraph) gradient.
    /// </summary>
    private static float[][] Run(int threads)
    {
        int saved = TensorThreading.MaxThreads;
        TensorThreading.MaxThreads = threads;
        try
        {
            const int rows = 300, inputs = 16, hidden = 128;
            var rng = new Xoshiro256StarStar(5);
            var x = new Tensor<float>(rows, inputs);
            Init.Uniform(x, -1, 1, rng);
            x.RequiresGrad = true;
            var w1 = new Tensor<float>(hidden, inputs) { RequiresGrad = true };
            var b1 = new Tensor<float>(hidden) { RequiresGrad = true };
            var w2 = new Tensor<float>(1, hidden) { RequiresGrad = true };
            Init.Uniform(w1, -0.25, 0.25, rng);
            Init.Uniform(b1, -0.1, 0.1, rng);
            Init.Uniform(w2, -0.1, 0.1, rng);
            var edgesFrom = Enumerable.Range(0, 2 * rows).Select(_ => rng.NextInt(rows)).ToArray();
            var edgesTo = Enumerable.Range(0, 2 * rows).Select(_ => rng.NextInt(rows)).ToArray();

            var h = Tensor.Silu(Tensor.Linear(x, w1, b1));
            var messages = Tensor.IndexAdd(Tensor.IndexSelect(h, edgesFrom), edgesTo, rows);
            var energy = Tensor.Sum(Tensor.Linear(Tensor.Add(h, messages), w2));
            var forces = Autograd.Grad(energy, [x], createGraph: true)[0];
            var loss = Tensor.Add(Tensor.Mean(Tensor.Square(forces)), Tensor.Scale(energy, 1e-3f));
            var grads = Autograd.Grad(loss, [w1, b1, w2]);
            return [[loss.ToScalar()], forces.ToArray(), .. grads.Select(g => g.ToArray())];
        }
        finally
        {
            TensorThreading.MaxThreads = saved;
        }
    }

    [Fact]
    public void Loss_and_gradients_are_bit_identical_across_runs_and_thread_counts()
    {
        var first = Run(2);
        var again = Run(2);
        var single = Run(1);
        Assert.True(first[0][0] != 0 && first.Skip(2).All(g => g.Any(v => v != 0)), "the check needs non-trivial gradients");
        for (int k = 0; k < first.Length; k++)
        {
            Assert.Equal(first[k], again[k]);
            Assert.Equal(first[k], single[k]);
        }
    }
}
