using System.Numerics;
using System.Runtime.CompilerServices;

namespace CatPot.Tensors;

/// <summary>
/// The backward rule of one recorded op: given the gradient of the op's output, the gradients of its inputs
/// (null for an input that needs none). Rules are written with tensor ops, so when gradients are computed
/// with <c>createGraph</c> the rules themselves are recorded and the gradient is differentiable again.
/// </summary>
public delegate Tensor<T>?[] BackwardRule<T>(Tensor<T> gradOutput) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// Adds an op's output gradient into the gradient buffer of its single input, in place (e.g. into the columns a slice
/// was taken from). A cheaper form of the backward rule for ops whose gradient is zero outside a region.
/// </summary>
internal delegate void ScatterRule<T>(Tensor<T> gradOutput, Tensor<T> inputGrad) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>One recorded op in the graph: its inputs and its backward rule.</summary>
internal sealed class GraphNode<T>(string op, Tensor<T>[] inputs, BackwardRule<T> backward)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public string Op { get; } = op;
    public Tensor<T>[] Inputs { get; } = inputs;
    public BackwardRule<T> Backward { get; } = backward;

    /// <summary>Used instead of <see cref="Backward"/> when the gradient is not recorded (single-input ops only).</summary>
    public ScatterRule<T>? Scatter { get; init; }
}

/// <summary>
/// Reverse-mode automatic differentiation: whether ops are recorded, and gradients of a scalar with respect
/// to chosen tensors (in the spirit of <c>torch.autograd.grad</c> and <c>Tensor.backward</c>).
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int t_noGradDepth;

    // The tensors the running backward sweep on this thread needs gradients of (a HashSet<Tensor<T>>), or null.
    [ThreadStatic] private static object? t_needed;

    /// <summary>
    /// Inside a backward rule: false when the sweep that runs the rule needs no gradient for <paramref name="x"/> (it leads
    /// to none of the requested tensors), so the rule may skip computing it (return null). True outside a sweep.
    /// </summary>
    public static bool IsNeeded<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => x.TracksGrad && (t_needed is not HashSet<Tensor<T>> needed || needed.Contains(x));

    /// <summary>True when ops on tensors that track gradients are recorded (the default).</summary>
    public static bool IsRecording => t_noGradDepth == 0;

    /// <summary>
    /// Stops recording on this thread until the returned scope is disposed: inference records nothing and
    /// allocates no graph. Scopes nest.
    /// </summary>
    public static NoGradScope NoGrad()
    {
        t_noGradDepth++;
        return new NoGradScope(true);
    }

    /// <summary>Restores recording when disposed (see <see cref="NoGrad"/>).</summary>
    public readonly struct NoGradScope : IDisposable
    {
        private readonly bool _active;
        internal NoGradScope(bool active) => _active = active;

        /// <summary>Ends the no-grad region.</summary>
        public void Dispose()
        {
            if (_active) t_noGradDepth--;
        }
    }

    /// <summary>True when an op with this input must be recorded (recording is on and the input tracks gradients).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ShouldRecord<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => t_noGradDepth == 0 && a.TracksGrad;

    /// <summary>True when an op with these inputs must be recorded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ShouldRecord<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => t_noGradDepth == 0 && (a.TracksGrad || b.TracksGrad);

    /// <summary>True when an op with these inputs must be recorded.</summary>
    public static bool ShouldRecord<T>(Tensor<T>?[] inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t_noGradDepth != 0) return false;
        foreach (var t in inputs)
            if (t is not null && t.TracksGrad) return true;
        return false;
    }

    /// <summary>
    /// Attaches a backward rule to an op's result: the extension point for fused ops defined outside this library.
    /// The rule receives the gradient of <paramref name="result"/> and returns one gradient per input (null where none).
    /// For the op to support higher-order gradients, write the rule with tensor ops (or other recorded ops).
    /// </summary>
    public static Tensor<T> Record<T>(Tensor<T> result, string op, Tensor<T>[] inputs, BackwardRule<T> backward)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        result.Node = new GraphNode<T>(op, inputs, backward);
        return result;
    }

    /// <summary>
    /// Gradients of <paramref name="output"/> with respect to each of <paramref name="inputs"/>.
    /// </summary>
    /// <param name="output">The tensor to differentiate; a scalar unless <paramref name="gradOutput"/> is given.</param>
    /// <param name="inputs">Tensors (leaves or intermediate results) to differentiate with respect to.</param>
    /// <param name="createGraph">
    /// Record the gradient computation so the returned gradients can be differentiated again
    /// (e.g. training on forces F = −∂E/∂R). When false, the backward pass records nothing.
    /// </param>
    /// <param name="gradOutput">The seed gradient (same shape as <paramref name="output"/>); ones when null.</param>
    /// <returns>One gradient per input, zeros for inputs the output does not depend on.</returns>
    public static Tensor<T>[] Grad<T>(Tensor<T> output, IReadOnlyList<Tensor<T>> inputs, bool createGraph = false, Tensor<T>? gradOutput = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sweep = BackwardSweep<T>.Rent();
        try
        {
            var grads = RunBackward(sweep, output, inputs, createGraph, gradOutput);
            var result = new Tensor<T>[inputs.Count];
            for (int i = 0; i < inputs.Count; i++)
                result[i] = grads.TryGetValue(inputs[i], out var g) ? g : Tensor<T>.Scratch(inputs[i].Shape);
            return result;
        }
        finally
        {
            sweep.Return();
        }
    }

    /// <summary>
    /// Accumulates the gradient of <paramref name="output"/> into <see cref="Tensor{T}.Grad"/> of every leaf with
    /// <see cref="Tensor{T}.RequiresGrad"/> that it depends on (adds to an existing gradient).
    /// </summary>
    public static void Backward<T>(Tensor<T> output, Tensor<T>? gradOutput = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var leaves = new List<Tensor<T>>();
        var seen = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor<T>>();
        stack.Push(output);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (!seen.Add(t)) continue;
            if (t.Node is null)
            {
                if (t.RequiresGrad) leaves.Add(t);
                continue;
            }
            foreach (var x in t.Node.Inputs) if (x.TracksGrad) stack.Push(x);
        }
        var sweep = BackwardSweep<T>.Rent();
        try
        {
            var grads = RunBackward(sweep, output, leaves, createGraph: false, gradOutput);
            foreach (var leaf in leaves)
            {
                if (!grads.TryGetValue(leaf, out var g)) continue;
                // A leaf's gradient outlives the step that made it (optimisers read it after the arena scope may have ended).
                if (leaf.Grad is null) leaf.Grad = TensorArena.IsActive ? g.Clone() : g.Detach();
                else
                {
                    var acc = leaf.Grad.Span;
                    var add = g.Span;
                    for (int i = 0; i < acc.Length; i++) acc[i] += add[i];
                }
            }
        }
        finally
        {
            sweep.Return();
        }
    }

    private static Dictionary<Tensor<T>, Tensor<T>> RunBackward<T>(BackwardSweep<T> sweep, Tensor<T> output, IReadOnlyList<Tensor<T>> inputs, bool createGraph, Tensor<T>? gradOutput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gradOutput is null && output.Length != 1)
            throw new ArgumentException($"Gradients need a scalar output or an explicit gradOutput; the output has shape {Tensor.FormatShape(output.Shape)}.", nameof(output));
        if (gradOutput is not null && !Tensor.SameShape(gradOutput.Shape, output.Shape))
            throw new ArgumentException($"gradOutput has shape {Tensor.FormatShape(gradOutput.Shape)} but the output has shape {Tensor.FormatShape(output.Shape)}.", nameof(gradOutput));

        var targets = sweep.Targets;
        foreach (var x in inputs) targets.Add(x);
        var order = TopologicalOrder(sweep, output);
        var relevant = sweep.Relevant;
        foreach (var x in order) relevant.Add(x);
        var grads = sweep.Grads;
        if (order.Count == 0) return grads;

        var seed = gradOutput ?? Tensor.Full(output.Shape, T.One);
        grads[output] = createGraph ? seed : seed.Detach();

        using var scope = createGraph ? default : NoGrad();
        var outerNeeded = t_needed; // sweeps nest (a rule may run one)
        t_needed = relevant;
        try
        {
            Sweep(order, grads, relevant, createGraph ? null : sweep.Owned);
        }
        finally
        {
            t_needed = outerNeeded;
        }
        return grads;
    }

    private static void Sweep<T>(List<Tensor<T>> order, Dictionary<Tensor<T>, Tensor<T>> grads, HashSet<Tensor<T>> relevant, HashSet<Tensor<T>>? owned)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Without createGraph, gradient buffers the sweep allocated itself are summed into in place. A buffer stops being
        // owned once it is handed to its tensor's rule, which may pass it on (e.g. Add returns it for both inputs).
        // Reverse topological order: every consumer of a tensor has sent its gradient before the tensor's own rule runs.
        for (int k = order.Count - 1; k >= 0; k--)
        {
            var t = order[k];
            if (t.Node is null || !grads.TryGetValue(t, out var g)) continue;
            if (!AnyInputRelevant(t.Node, relevant)) continue;
            var ins = t.Node.Inputs;
            if (owned is not null)
            {
                owned.Remove(g);
                if (t.Node.Scatter is not null)
                {
                    t.Node.Scatter(g, OwnedBuffer(grads, owned, ins[0]));
                    continue;
                }
            }
            var inputGrads = t.Node.Backward(g);
            for (int i = 0; i < ins.Length; i++)
            {
                var gi = inputGrads[i];
                if (gi is null || !relevant.Contains(ins[i])) continue;
                if (!Tensor.SameShape(gi.Shape, ins[i].Shape))
                    throw new InvalidOperationException($"Backward of {t.Node.Op} produced a gradient of shape {Tensor.FormatShape(gi.Shape)} for an input of shape {Tensor.FormatShape(ins[i].Shape)}.");
                if (!grads.TryGetValue(ins[i], out var prev))
                {
                    grads[ins[i]] = gi;
                }
                else if (owned is not null && owned.Contains(prev))
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(prev.Span, gi.Span, prev.Span);
                }
                else
                {
                    var sum = Tensor.Add(prev, gi);
                    grads[ins[i]] = sum;
                    owned?.Add(sum);
                }
            }
        }
    }

    /// <summary>The gradient buffer of <paramref name="x"/> that the sweep owns: a zero tensor, or a copy of what x has received so far.</summary>
    private static Tensor<T> OwnedBuffer<T>(Dictionary<Tensor<T>, Tensor<T>> grads, HashSet<Tensor<T>> owned, Tensor<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (grads.TryGetValue(x, out var prev) && owned.Contains(prev)) return prev;
        Tensor<T> buffer;
        if (prev is null) buffer = Tensor<T>.Scratch(x.Shape);
        else
        {
            buffer = Tensor<T>.Uninitialized(x.Shape);
            prev.Span.CopyTo(buffer.Span);
        }
        grads[x] = buffer;
        owned.Add(buffer);
        return buffer;
    }

    // A rule runs only if some input leads to a requested tensor; a requested intermediate result whose inputs
    // lead nowhere requested stops the sweep there.
    private static bool AnyInputRelevant<T>(GraphNode<T> node, HashSet<Tensor<T>> relevant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var x in node.Inputs)
            if (relevant.Contains(x)) return true;
        return false;
    }

    /// <summary>
    /// Tensors between <paramref name="output"/> and any target, in topological order (inputs before consumers);
    /// tensors that lead to no target are left out so their backward rules never run.
    /// </summary>
    private static List<Tensor<T>> TopologicalOrder<T>(BackwardSweep<T> sweep, Tensor<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var targets = sweep.Targets;
        var order = sweep.Order;
        var state = sweep.State; // value: leads to a target
        var stack = sweep.Stack;
        stack.Push((output, 0));
        state[output] = false;
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.Node?.Inputs ?? [];
            if (next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var x = inputs[next];
                if (x.TracksGrad && !state.ContainsKey(x))
                {
                    state[x] = false;
                    stack.Push((x, 0));
                }
                continue;
            }
            bool leads = targets.Contains(t);
            foreach (var x in inputs)
                if (state.TryGetValue(x, out var l) && l) leads = true;
            state[t] = leads;
            if (leads) order.Add(t);
        }
        return order;
    }
}
