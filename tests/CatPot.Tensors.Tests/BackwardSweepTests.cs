using System.Runtime.CompilerServices;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>The per-thread working sets of the backward sweep: reused without holding on to graphs, and safe to nest.</summary>
public class BackwardSweepTests
{
    [Fact]
    public void A_finished_sweep_keeps_no_tensor_alive()
    {
        var weak = MakeGraphAndDifferentiate();
        for (int i = 0; i < 3 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(weak.IsAlive, "the sweep's reused sets still reference the differentiated graph");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference MakeGraphAndDifferentiate()
    {
        var x = new Tensor<double>([1.0, 2.0, 3.0], 3) { RequiresGrad = true };
        var y = Tensor.Sum(Tensor.Exp(x) * x);
        var g = Autograd.Grad(y, [x])[0];
        Assert.Equal((Math.E * 2) + 0, g[0], 12); // d/dx (x e^x) = e^x (1 + x)
        return new WeakReference(y);
    }

    [Fact]
    public void A_backward_rule_may_differentiate_another_graph()
    {
        // y = 3x recorded by hand; its rule computes d(z²)/dz at z = 5 in a sweep of its own (10) and scales by it.
        var x = new Tensor<double>([2.0], 1) { RequiresGrad = true };
        Tensor<double> y;
        using (Autograd.NoGrad()) y = x * 3.0;
        y = Autograd.Record(y, "ThreeX", [x], g =>
        {
            var z = new Tensor<double>([5.0], 1) { RequiresGrad = true };
            double inner = Autograd.Grad(Tensor.Sum(z * z), [z])[0][0];
            return [g * (3.0 * inner / 10.0)];
        });
        // createGraph keeps recording on while rules run (without it a rule's ops are not recorded), so the rule's
        // Grad is a second sweep on this thread while the first one holds the thread's sets.
        var outer = Tensor.Sum(y * y); // d/dx (3x)² = 18x = 36
        Assert.Equal(36.0, Autograd.Grad(outer, [x], createGraph: true)[0][0], 12);
        // And the sets are usable again afterwards.
        Assert.Equal(36.0, Autograd.Grad(Tensor.Sum(y * y), [x], createGraph: true)[0][0], 12);
    }

    [Fact]
    public void A_rule_is_told_which_inputs_the_sweep_needs()
    {
        // y = a·b recorded by hand; asking for a only, the rule sees that b needs no gradient, and nested sweeps restore it.
        var a = new Tensor<double>([2.0], 1) { RequiresGrad = true };
        var b = new Tensor<double>([3.0], 1) { RequiresGrad = true };
        Tensor<double> y;
        using (Autograd.NoGrad()) y = a * b;
        var seen = new List<(bool A, bool B)>();
        y = Autograd.Record(y, "ATimesB", [a, b], g =>
        {
            bool before = Autograd.IsNeeded(b);
            var z = new Tensor<double>([1.0], 1) { RequiresGrad = true };
            Autograd.Grad(Tensor.Sum(z * z), [z]);
            seen.Add((Autograd.IsNeeded(a), before && Autograd.IsNeeded(b)));
            return [g * b, g * a];
        });
        Assert.Equal(3.0, Autograd.Grad(Tensor.Sum(y), [a])[0][0]);
        Assert.Equal(2.0, Autograd.Grad(Tensor.Sum(y), [b])[0][0]);
        Assert.Equal([(true, false), (false, true)], seen);
        Assert.True(Autograd.IsNeeded(a)); // outside a sweep: whatever tracks gradients
    }
}
