using System.Numerics;

namespace CatPot.Tensors;

/// <summary>
/// The working sets of one backward sweep (targets, topological order, gradients so far, …), kept per thread between
/// sweeps: a molecule's force call runs one sweep over ~300 tensors, and fresh sets each time were ~half of the
/// call's allocations.
/// </summary>
/// <remarks>A sweep started while another runs on the same thread (a backward rule that differentiates) gets its own sets.</remarks>
internal sealed class BackwardSweep<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic]
    private static BackwardSweep<T>? t_free;

    public HashSet<Tensor<T>> Targets { get; } = new(ReferenceEqualityComparer.Instance);

    public List<Tensor<T>> Order { get; } = [];

    /// <summary>Visited tensors; the value says whether the tensor leads to a target.</summary>
    public Dictionary<Tensor<T>, bool> State { get; } = new(ReferenceEqualityComparer.Instance);

    public Stack<(Tensor<T> Tensor, int Next)> Stack { get; } = new();

    public HashSet<Tensor<T>> Relevant { get; } = new(ReferenceEqualityComparer.Instance);

    public Dictionary<Tensor<T>, Tensor<T>> Grads { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Gradient buffers the sweep made itself and may add into in place.</summary>
    public HashSet<Tensor<T>> Owned { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>This thread's idle sets, or new ones when they are in use.</summary>
    public static BackwardSweep<T> Rent()
    {
        var sweep = t_free ?? new BackwardSweep<T>();
        t_free = null;
        return sweep;
    }

    /// <summary>Empties the sets (keeping their capacity, dropping every tensor reference) and keeps them for the next sweep.</summary>
    public void Return()
    {
        Targets.Clear();
        Order.Clear();
        State.Clear();
        Stack.Clear();
        Relevant.Clear();
        Grads.Clear();
        Owned.Clear();
        t_free = this;
    }
}
