using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using CatPot.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Models;

/// <summary>
/// Energy and forces of large systems with memory linear in the atom count and small constants: the same model and numbers
/// as <see cref="Potential{T}.Forward"/> (within float rounding), computed without a whole-graph autodiff record.
/// </summary>
/// <remarks>
/// <para>The layers work in a spatial order of the atoms (<see cref="SpatialAtomOrder"/>), so that a sender's rows sit near its
/// receiver's in memory whatever the input's order; the head reads, and the caller gets, everything in the input's order.</para>
/// <para>Atom-wise blocks run on chunks of <see cref="DefaultAtomChunk"/> (512) atoms: φ and the update block as hand-written
/// kernels on rented buffers (<see cref="PaiNNAtomBlocks{T}"/>), as does the direct force head (<see cref="DirectForceKernel{T}"/>),
/// chunks concurrently; the embedding as tensor ops in a nested <see cref="TensorArena"/> scope, so its intermediates live for
/// one chunk. The message runs per chunk of edges with its edge features computed from the positions
/// (<see cref="ChunkedPaiNNMessage"/>); the first layer's, whose φ depends only on an atom's class (element, charge, spin),
/// from per-class sums of the edge bases, forward and reverse.
/// What stays for the whole call: the features of the current layer, φ and the message ([N, F], [N, 3F], [N, 3F], [N, 4F]).</para>
/// <para>Conservative forces are a reverse pass written out layer by layer (gradient checkpointing): the forward keeps the
/// features entering each layer and, up to <see cref="KeepMessagesUpToBytes"/>, the last layers' messages; the reverse pass recomputes
/// a layer's φ (and its message when not kept), runs the update block's and φ's reverse kernels chunk by chunk (input gradients
/// only), runs the message's reverse pass, which turns edge-feature gradients into edge-vector gradients at once, and finally
/// sums edge-vector gradients into per-atom forces. No [E, n_rbf] array exists in either pass.</para>
/// <para>Buffers are kept between calls, so an MD loop reuses them. Every parallel kernel splits work over disjoint outputs:
/// results do not depend on the thread count. Needs a symmetric, receiver-sorted edge list (any neighbour list is). The
/// kernels copy the atom-wise and force-head weights at construction: build a new evaluator after the weights change (as
/// <c>PotentialCalculator</c> asks of itself).</para>
/// </remarks>
internal sealed class ChunkedPotentialEvaluator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Default atoms per chunk of the atom-wise blocks: large enough for efficient products, small enough that a chunk's intermediates stay small.</summary>
    internal const int DefaultAtomChunk = 512;

    /// <summary>
    /// When the message buffer ([N, 4F]) is larger than this (about 32,000 atoms at F = 128 in float), φ and the message are
    /// released around the energy head and the head's arrays are not kept for the next call (see <see cref="Run"/>).
    /// </summary>
    internal const long ReleaseAboveBytes = 64L << 20;

    /// <summary>
    /// Conservative forces keep the messages ([N, 4F] each) of as many of the last layers as fit in this many bytes from the
    /// forward pass for the reverse pass, instead of recomputing them there: all three layers up to ~87,000 atoms at F = 128,
    /// L = 3 in float, two at 100,800 atoms (+0.4 GB), none from ~260,000 atoms.
    /// </summary>
    internal const long KeepMessagesUpToBytes = 512L << 20;

    private readonly int _atomChunk;
    private readonly long _keepMessagesUpToBytes;

    private readonly Potential<T> _model;
    private readonly PaiNN<T> _backbone;
    private readonly int _f, _layers;
    private readonly TensorArena _chunkArena = new();
    private readonly PaiNNAtomBlocks<T>[] _blocks; // each layer's φ and update block, outside autodiff
    private readonly DirectForceKernel<T> _forceHead; // the direct force head, outside autodiff
    private readonly TensorArena _headArena = new(); // the energy head's whole-system intermediates, reused by the next call
    // Features entering layer l: scalars [N, F] and vectors [N, 3F] (conservative forces keep every layer's; otherwise one pair
    // is updated in place). State 0's vectors are zero and never stored.
    private T[][] _s = [], _v = [];
    private T[] _phi = [], _message = [], _grad = [], _dvMessage = [], _dEdge = [];
    // The atoms in spatial order (computed for _orderInput) and their positions in that order.
    private SpatialAtomOrder? _order;
    private ModelInput<T>? _orderInput;
    private T[] _positions = [];
    private T[] _classPhi = []; // the first layer's φ of each class of atoms (SpatialAtomOrder.AtomClass) [classes, 3F]
    // Conservative forces within KeepMessagesUpToBytes: the messages of the last _kept layers, kept from the forward pass (the
    // other entries empty; the other layers write theirs into the last layer's array, free before and after it is used).
    private T[][] _messages = [];
    private int _kept;

    /// <summary>Whether this evaluator runs models of <paramref name="config"/>: PaiNN's scalars and vectors only (not <see cref="PotentialConfig.TensorFeatures"/>).</summary>
    public static bool Supports(PotentialConfig config) => !config.TensorFeatures;

    /// <param name="model">The model.</param>
    /// <param name="atomChunk">Atoms per chunk of the atom-wise blocks.</param>
    /// <param name="keepMessagesUpToBytes">Keep the layers' messages for the reverse pass up to this size (default <see cref="KeepMessagesUpToBytes"/>; 0 always recomputes).</param>
    public ChunkedPotentialEvaluator(Potential<T> model, int atomChunk = DefaultAtomChunk, long keepMessagesUpToBytes = KeepMessagesUpToBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atomChunk, 1);
        if (!Supports(model.Config)) throw new ArgumentException("The chunked evaluator runs PaiNN without rank-2 tensor features; use Potential.Forward.", nameof(model));
        ArgumentOutOfRangeException.ThrowIfNegative(keepMessagesUpToBytes); // a negative budget would make the kept-layer count negative
        _atomChunk = atomChunk;
        _keepMessagesUpToBytes = keepMessagesUpToBytes;
        _model = model;
        _backbone = model.Backbone;
        _f = _backbone.Features;
        _layers = _backbone.LayerCount;
        _blocks = new PaiNNAtomBlocks<T>[_layers];
        for (int l = 0; l < _layers; l++) _blocks[l] = new PaiNNAtomBlocks<T>(_backbone, l);
        _forceHead = new DirectForceKernel<T>(model.Parameters, _f, model.Config.Eps);
    }

    /// <summary>Runs the model like <see cref="Potential{T}.Forward"/> (without createGraph). Call inside no-grad for direct forces only.</summary>
    public PotentialOutput<T> Evaluate(ModelInput<T> input, bool directForces, bool conservativeForces)
    {
        // The forces come from the caller's arena (if any); everything else lives in this evaluator's buffers and arenas.
        var direct = directForces ? Tensor<T>.Scratch(input.AtomCount, 3) : null;
        var conservative = conservativeForces ? Tensor<T>.Scratch(input.AtomCount, 3) : null;
        // One outer scope per call, so the chunk scopes nest inside it and their arrays are recycled from chunk to chunk
        // (an arena drops size classes that several outermost scopes in a row did not use).
        using var scope = _chunkArena.Use();
        var output = Run(input, direct, conservative);
        output.DirectForces = direct;
        output.ConservativeForces = conservative;
        return output;
    }

    private PotentialOutput<T> Run(ModelInput<T> input, Tensor<T>? directForces, Tensor<T>? conservativeForces)
    {
        var topology = input.Topology ?? throw new ArgumentException("The chunked evaluator needs a symmetric, receiver-sorted edge list.", nameof(input));
        // Everything below works in the spatial order (kept while the caller passes the same input, as MD does between
        // neighbour-list changes); the head reads, and the forces are written, in the input's order.
        if (!ReferenceEquals(_orderInput, input))
        {
            _order = SpatialAtomOrder.Of(input, topology, _model.Config.Cutoff);
            _orderInput = input;
        }
        var order = _order!.Order;
        Ensure(ref _positions, 3 * input.AtomCount);
        var positions = input.Positions.Span;
        for (int k = 0; k < order.Length; k++)
        {
            int a = order[k];
            _positions[3 * k] = positions[3 * a];
            _positions[(3 * k) + 1] = positions[(3 * a) + 1];
            _positions[(3 * k) + 2] = positions[(3 * a) + 2];
        }
        var graph = new Graph(_positions, _order.Senders, _order.Topology);
        int n = input.AtomCount, f = _f, f3 = 3 * f, f4 = 4 * f;
        bool conservative = conservativeForces is not null;
        long messageBytes = (long)n * f4 * Unsafe.SizeOf<T>();
        _kept = !conservative ? 0 : messageBytes == 0 ? _layers : (int)Math.Min(_layers, _keepMessagesUpToBytes / messageBytes);
        Ensure(ref _phi, n * f3);
        if (_kept > 0)
        {
            _message = [];
            if (_messages.Length != _layers) _messages = new T[_layers][];
            for (int l = 0; l < _layers; l++)
            {
                _messages[l] ??= [];
                if (l >= _layers - _kept) Ensure(ref _messages[l], n * f4);
                else _messages[l] = [];
            }
        }
        else
        {
            _messages = [];
            Ensure(ref _message, n * f4);
        }
        int stateCount = conservative ? _layers + 1 : 1;
        if (_s.Length < stateCount)
        {
            Array.Resize(ref _s, stateCount);
            Array.Resize(ref _v, stateCount);
        }
        for (int l = 0; l < stateCount; l++)
        {
            _s[l] ??= [];
            _v[l] ??= [];
            Ensure(ref _s[l], n * f);
            // Conservative forces: the heads read the last layer's scalars only, so its vectors are never stored.
            if (!conservative || (l > 0 && l < _layers)) Ensure(ref _v[l], n * f3);
        }
        var filters = new ChunkedPaiNNMessage.Filter<T>[_layers];
        for (int l = 0; l < _layers; l++) filters[l] = FilterOf(l);

        // Embedding into state 0 (the vector features start at zero and are not read before the first message).
        var s0 = _s[0];
        ForAtomChunks(n, (a0, count) =>
        {
            using var noGrad = Autograd.NoGrad();
            _backbone.Embed(_order.AtomicNumbers, _order.AtomChargeIndex, _order.AtomSpinIndex, a0, count).Span.CopyTo(s0.AsSpan(a0 * f, count * f));
        });

        // The first layer's context φ depends only on an atom's class (element, charge, spin): one row per class.
        var classAtoms = _order.ClassAtom;
        var classS = new T[classAtoms.Length * f];
        for (int c = 0; c < classAtoms.Length; c++) s0.AsSpan(classAtoms[c] * f, f).CopyTo(classS.AsSpan(c * f, f));
        Ensure(ref _classPhi, classAtoms.Length * f3);
        _blocks[0].ContextForward(classAtoms.Length, classS, _classPhi);

        // Forward: layer l reads state l (or the single state) and writes state l + 1 (or the same one, row by row).
        for (int l = 0; l < _layers; l++)
        {
            int x = conservative ? l : 0, y = conservative ? l + 1 : 0;
            LayerForward(l, graph, filters[l], _s[x], l == 0 ? null : _v[x], _s[y], conservative && l == _layers - 1 ? null : _v[y], MessageBuffer(l), n);
        }

        int last = conservative ? _layers : 0;
        // Direct forces first: they read the last layer in the spatial order, which the energy head does not.
        if (directForces is not null)
        {
            T rms = T.CreateChecked(_model.Statistics.ForceRms);
            var dst = directForces.Data;
            var sLast = _s[last];
            var vLast = _v[last];
            ForAtomChunksConcurrently(n, (a0, count) =>
            {
                var rows = ArrayPool<T>.Shared.Rent(3 * count);
                _forceHead.Forward(count, sLast.AsSpan(a0 * f, count * f), vLast.AsSpan(a0 * f3, count * f3), rows);
                for (int k = 0; k < 3 * count; k++) dst[(3 * order[a0 + (k / 3)]) + (k % 3)] = rows[k] * rms;
                ArrayPool<T>.Shared.Return(rows);
            });
        }
        // The energy head reads the last layer's scalars in the input's order: reordered in place (nothing reads them in the
        // spatial order afterwards; the output's features stay a view of this buffer).
        MoveRows(_s[last], f, order);
        var sFinal = new Tensor<T>(_s[last], n, f); // the buffer itself (exact length)
        // Above this size the energy head's whole-system intermediates would sit on top of φ and the message: give those
        // back first (they are recomputed, into fresh arrays, by the reverse pass or the next call), and drop the head's
        // arrays afterwards, so that the head reuses their memory instead of adding to the peak.
        bool release = messageBytes > ReleaseAboveBytes;
        if (release)
        {
            _phi = [];
            _message = [];
            _dvMessage = [];
            GC.Collect();
        }
        PotentialOutput<T> output;
        using (_headArena.Use())
        {
            if (conservative)
            {
                sFinal.RequiresGrad = true;
                var head = _model.EnergyReadout(sFinal, input);
                var ds = Autograd.Grad(Tensor.Sum(head.ModelEnergy), [sFinal])[0];
                // The reverse pass starts from dE/ds of the last layer (its vectors reach no head: zero gradient).
                Ensure(ref _grad, n * f4);
                _grad.AsSpan(0, n * f4).Clear();
                for (int k = 0; k < n; k++) ds.Span.Slice(order[k] * f, f).CopyTo(_grad.AsSpan(k * f4, f));
                output = Detached(head);
            }
            else
            {
                using var noGrad = Autograd.NoGrad();
                output = Detached(_model.EnergyReadout(sFinal, input));
            }
        }

        if (release)
        {
            _headArena.Trim();
            GC.Collect();
            Ensure(ref _phi, n * f3);
            if (_kept == 0) Ensure(ref _message, n * f4);
        }
        if (conservativeForces is not null) ConservativeForces(graph, filters, n, conservativeForces.Span);
        return output;
    }

    /// <summary>
    /// One layer: φ of (sx, vx), the message into <paramref name="message"/>, then the update block row by row into (sy, vy),
    /// which may be (sx, vx).
    /// </summary>
    private void LayerForward(int l, Graph graph, in ChunkedPaiNNMessage.Filter<T> filter, T[] sx, T[]? vx, T[] sy, T[]? vy, T[] message, int n)
    {
        int f = _f, f3 = 3 * f;
        // The first layer's message reads φ per class only (Message), so its per-atom φ is not computed here.
        if (vx is not null) Context(l, sx, n);
        Message(graph, filter, vx, message, n);
        var block = _blocks[l];
        ForAtomChunksConcurrently(n, (a0, count) =>
        {
            var (s, v) = Mid(sx, vx, message, a0, count);
            block.UpdateForward(count, s, v, sy.AsSpan(a0 * f, count * f), vy is null ? default : vy.AsSpan(a0 * f3, count * f3));
            ArrayPool<T>.Shared.Return(s);
            ArrayPool<T>.Shared.Return(v);
        });
    }

    /// <summary>φ of every atom from scalar features <paramref name="s"/> into <see cref="_phi"/>.</summary>
    private void Context(int l, T[] s, int n)
    {
        int f = _f, f3 = 3 * f;
        var phi = _phi;
        var block = _blocks[l];
        ForAtomChunksConcurrently(n, (a0, count) => block.ContextForward(count, s.AsSpan(a0 * f, count * f), phi.AsSpan(a0 * f3, count * f3)));
    }

    /// <summary>
    /// Where layer <paramref name="l"/>'s message goes: its kept array, or (not kept) the last layer's, which holds nothing
    /// before the last layer's forward and after its reverse step, or the shared buffer when nothing is kept.
    /// </summary>
    private T[] MessageBuffer(int l) => _kept == 0 ? _message : _messages[l >= _layers - _kept ? l : _layers - 1];

    /// <summary>
    /// The message from <see cref="_phi"/> and vector features <paramref name="v"/> into <paramref name="message"/> [N, 4F]; with
    /// <paramref name="v"/> null (zero: the first layer) from the per-class φ instead (<see cref="ChunkedPaiNNMessage.ForwardFirstLayer"/>).
    /// </summary>
    private void Message(Graph graph, in ChunkedPaiNNMessage.Filter<T> filter, T[]? v, T[] message, int n)
    {
        if (v is null)
            ChunkedPaiNNMessage.ForwardFirstLayer(_f, _classPhi, _order!.ClassAtom.Length, _order.AtomClass, graph.Positions, graph.Senders, graph.Topology, filter, message);
        else ChunkedPaiNNMessage.Forward(_f, _phi, v, graph.Positions, graph.Senders, graph.Topology, filter, message);
    }

    /// <summary>
    /// Features after the message for atoms [a0, a0 + count): state plus message, [count, F] and [count, 3, F] in rented arrays
    /// (the caller returns them).
    /// </summary>
    private (T[] S, T[] V) Mid(T[] sx, T[]? vx, T[] message, int a0, int count)
    {
        int f = _f, f3 = 3 * f, f4 = 4 * f;
        var s = ArrayPool<T>.Shared.Rent(count * f);
        var v = ArrayPool<T>.Shared.Rent(count * f3);
        for (int a = 0; a < count; a++)
        {
            int row = (a0 + a) * f4;
            // The same additions as the composite forward: s + ds, v + dv (v is zero before the first message).
            TP.Add(sx.AsSpan((a0 + a) * f, f), message.AsSpan(row, f), s.AsSpan(a * f, f));
            if (vx is null) message.AsSpan(row + f, f3).CopyTo(v.AsSpan(a * f3, f3));
            else TP.Add(vx.AsSpan((a0 + a) * f3, f3), message.AsSpan(row + f, f3), v.AsSpan(a * f3, f3));
        }
        return (s, v);
    }

    /// <summary>The reverse pass from dE/ds of the last layer to the forces −dE/dR.</summary>
    private void ConservativeForces(Graph graph, ChunkedPaiNNMessage.Filter<T>[] filters, int n, Span<T> forces)
    {
        int f = _f, f3 = 3 * f, f4 = 4 * f, e = graph.Senders.Length;
        Ensure(ref _dEdge, e * 3);
        // grad holds dE/d(state) as [N, 4F]: scalar row, then vector rows, filled from the head's gradient.
        var grad = _grad;
        _dEdge.AsSpan(0, e * 3).Clear();
        Ensure(ref _dvMessage, n * f3);
        var dvMessage = _dvMessage;
        for (int l = _layers - 1; l >= 0; l--)
        {
            T[] sx = _s[l];
            T[]? vx = l > 0 ? _v[l] : null;
            // The message: kept from the forward pass, or recomputed. dφ then shares its buffer: the message is dead once the
            // update block's gradient is taken.
            var message = MessageBuffer(l);
            var dphi = message;
            // The first layer (no vectors) reads φ per class, and needs no gradient below its message: the state entering it
            // is the embedding, which does not depend on the positions.
            bool first = vx is null;
            if (!first) Context(l, sx, n);
            if (l < _layers - _kept) Message(graph, filters[l], vx, message, n);
            var block = _blocks[l];
            // Update block: grad (of the layer's output) -> gradient of the features after the message, chunk by chunk.
            ForAtomChunksConcurrently(n, (a0, count) =>
            {
                var (s, v) = Mid(sx, vx, message, a0, count);
                var gsOut = ArrayPool<T>.Shared.Rent(count * f);
                var gvOut = ArrayPool<T>.Shared.Rent(count * f3);
                var gs = ArrayPool<T>.Shared.Rent(count * f);
                var gv = ArrayPool<T>.Shared.Rent(count * f3);
                for (int a = 0; a < count; a++)
                {
                    grad.AsSpan((a0 + a) * f4, f).CopyTo(gsOut.AsSpan(a * f, f));
                    grad.AsSpan(((a0 + a) * f4) + f, f3).CopyTo(gvOut.AsSpan(a * f3, f3));
                }
                block.UpdateBackward(count, s, v, gsOut, gvOut, gs, gv);
                for (int a = 0; a < count; a++)
                {
                    gs.AsSpan(a * f, f).CopyTo(grad.AsSpan((a0 + a) * f4, f));
                    gv.AsSpan(a * f3, f3).CopyTo(grad.AsSpan(((a0 + a) * f4) + f, f3));
                }
                foreach (var buffer in (ReadOnlySpan<T[]>)[s, v, gsOut, gvOut, gs, gv]) ArrayPool<T>.Shared.Return(buffer);
            });
            // Message: grad is now the gradient of its output; it sends gradients to φ, to the senders' v and to the edge vectors.
            if (first)
            {
                ChunkedPaiNNMessage.BackwardFirstLayer(f, grad, _classPhi, _order!.ClassAtom.Length, _order.AtomClass, graph.Positions, graph.Senders, graph.Topology, filters[l], _dEdge);
                continue;
            }
            ChunkedPaiNNMessage.Backward(f, grad, _phi, vx, graph.Positions, graph.Senders, graph.Topology, filters[l], dphi, dvMessage, _dEdge);
            // Residuals: the gradient of state l is the gradient after the message plus what reaches it through φ (scalars)
            // and through the message (vectors).
            ForAtomChunksConcurrently(n, (a0, count) =>
            {
                var ds = ArrayPool<T>.Shared.Rent(count * f);
                ds.AsSpan(0, count * f).Clear();
                block.ContextBackward(count, sx.AsSpan(a0 * f, count * f), dphi.AsSpan(a0 * f3, count * f3), ds);
                for (int a = 0; a < count; a++)
                {
                    var dst = grad.AsSpan((a0 + a) * f4, f);
                    TP.Add(dst, ds.AsSpan(a * f, f), dst);
                    if (vx is not null)
                    {
                        var dstV = grad.AsSpan(((a0 + a) * f4) + f, f3);
                        TP.Add(dstV, dvMessage.AsSpan((a0 + a) * f3, f3), dstV);
                    }
                }
                ArrayPool<T>.Shared.Return(ds);
            });
        }
        // Per atom in the spatial order, then negated into the input's order.
        var ordered = ArrayPool<T>.Shared.Rent(3 * n);
        ChunkedPaiNNMessage.PositionGradient(_dEdge, graph.Topology, ordered);
        var order = _order!.Order;
        for (int k = 0; k < n; k++)
        {
            int a = order[k];
            forces[3 * a] = -ordered[3 * k];
            forces[(3 * a) + 1] = -ordered[(3 * k) + 1];
            forces[(3 * a) + 2] = -ordered[(3 * k) + 2];
        }
        ArrayPool<T>.Shared.Return(ordered);
    }

    private ChunkedPaiNNMessage.Filter<T> FilterOf(int l)
    {
        var layer = _backbone.Filter(l);
        T[] wt;
        if (layer.InferenceTranspose is { } frozen) wt = frozen.Data;
        else
        {
            using var noGrad = Autograd.NoGrad();
            wt = Tensor.Transpose(layer.Weight).Clone().Data;
        }
        var (radial, piOverCutoff, eps) = _backbone.EdgeFeatureConstants;
        int f3 = 3 * _f;
        var bias = layer.Bias!.Data;
        var weightBias = new T[(radial + 1) * f3];
        wt.AsSpan(0, radial * f3).CopyTo(weightBias);
        bias.AsSpan(0, f3).CopyTo(weightBias.AsSpan(radial * f3));
        return new ChunkedPaiNNMessage.Filter<T>(wt, bias, weightBias, piOverCutoff, eps, radial);
    }

    /// <summary>Runs <paramref name="body"/>(first atom, count) for consecutive chunks, each inside its own arena scope.</summary>
    private void ForAtomChunks(int n, Action<int, int> body)
    {
        for (int a0 = 0; a0 < n; a0 += _atomChunk)
        {
            using var scope = _chunkArena.Use();
            body(a0, Math.Min(_atomChunk, n - a0));
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(first atom, count) for every chunk of atoms, chunks concurrently on the calling thread and
    /// the pool's helpers; for bodies that work on rented arrays outside autodiff (<see cref="PaiNNAtomBlocks{T}"/>).
    /// </summary>
    /// <remarks>
    /// Each chunk runs wholly on one thread (its products too: nested parallel loops run serially), so the element-wise work
    /// between the products uses every core; chunks write disjoint rows and the GEMM's blocking never depends on the thread
    /// count, so results do not depend on which thread ran a chunk.
    /// </remarks>
    private void ForAtomChunksConcurrently(int n, Action<int, int> body)
    {
        int chunks = (n + _atomChunk - 1) / _atomChunk;
        if (chunks <= 1 || TensorThreading.MaxThreads <= 1)
        {
            for (int c = 0; c < chunks; c++) body(c * _atomChunk, Math.Min(_atomChunk, n - (c * _atomChunk)));
            return;
        }
        SpinningThreadPool.For(chunks, c => body(c * _atomChunk, Math.Min(_atomChunk, n - (c * _atomChunk))));
    }

    /// <summary>Moves row k of <paramref name="rows"/> (rows of <paramref name="width"/>) to row <paramref name="order"/>[k], in place, one cycle of the permutation at a time.</summary>
    private static void MoveRows(T[] rows, int width, int[] order)
    {
        var done = new bool[order.Length];
        var carried = new T[width];
        var displaced = new T[width];
        for (int start = 0; start < order.Length; start++)
        {
            if (done[start]) continue;
            rows.AsSpan(start * width, width).CopyTo(carried);
            int k = start;
            do
            {
                int target = order[k];
                var row = rows.AsSpan(target * width, width);
                row.CopyTo(displaced);
                carried.CopyTo(row);
                displaced.CopyTo(carried);
                done[target] = true;
                k = target;
            }
            while (k != start);
        }
    }

    /// <summary>Positions, senders and topology of the edge list in the order the layers work in.</summary>
    private readonly record struct Graph(T[] Positions, int[] Senders, EdgeTopology Topology);

    /// <summary>The output with its tensors copied out of the chunk arena.</summary>
    /// <remarks>The scalar features stay a view of this evaluator's buffer, valid until the next call (as arena tensors are).</remarks>
    private static PotentialOutput<T> Detached(PotentialOutput<T> o) => new()
    {
        ScalarFeatures = o.ScalarFeatures.Detach(),
        NormalizedEnergy = o.NormalizedEnergy.Detach().Clone(),
        ModelEnergy = o.ModelEnergy.Detach().Clone(),
        Energy = o.Energy,
        LogProbabilities = o.LogProbabilities?.Detach().Clone(),
        Probabilities = o.Probabilities,
        Entropy = o.Entropy,
        EnergyStd = o.EnergyStd,
        EdgeMass = o.EdgeMass,
    };

    /// <summary>Makes <paramref name="buffer"/> exactly <paramref name="length"/> long (kept between calls of the same size).</summary>
    private static void Ensure(ref T[] buffer, int length)
    {
        if (buffer.Length != length) buffer = GC.AllocateUninitializedArray<T>(length);
    }
}
