using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CatPot.Tensors;
using CatPot.Tensors.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Models;

/// <summary>
/// The PaiNN message of one layer, radial filter included, as one op without the [E, 3F] and [E, 3, F]
/// intermediates of the composite form. For every receiver i, over its edges e = (i, j) in order:
/// <code>
/// w      = rbf[e]·Wᵀ + b                   (the filter Linear)
/// x      = phi[j] ⊙ (w · fc[e])            split into (x_s, x_vv, x_vs)
/// ds[i]  = Σ_e x_s
/// dv[i,c]= Σ_e x_vv ⊙ v[j,c] + x_vs · u[e,c]
/// </code>
/// The result is [N, 4, F]: row 0 is ds, rows 1..3 are dv.
/// </summary>
/// <remarks>
/// The filter rows of a chunk of edges (<see cref="EdgeTopology.ChunkAtomStarts"/>) are computed by a small GEMM into a
/// buffer that stays in cache, so no [E, 3F] tensor exists in the forward or the backward pass; the GEMM computes
/// each row exactly as the full-size Linear does, so the forward is bit-identical to the composite ops.
/// The backward rule is hand-written and deterministic: receiver-side sums run over each atom's edges in order,
/// sender-side sums are gathers through the reverse edge (the edge list is symmetric), and the filter-weight
/// gradient is summed per block of edges and then over blocks in order, so the partition of blocks among threads
/// never changes a result. When the gradient is taken with createGraph, the same kernel computes it and it is recorded as one
/// op whose rule is the hand-written second-order pass (FusedPaiNNMessage.SecondOrder.cs), so conservative-force training
/// runs fused as well; a third derivative is refused.
/// </remarks>
internal static partial class FusedPaiNNMessage
{
    // Below this many edges, splitting blocks (each with its own weight-gradient partial) costs more than it saves.
    private const int ParallelEdgeThreshold = 4096;

    // Below this many edges, handing chunks to a helper thread costs more than it saves.
    private const int ChunkParallelEdgeThreshold = 192;

    // Up to this many filter values (E·3F), a recorded forward keeps its filter product for the backward rule instead of
    // recomputing it there: small graphs (a molecule's force call) save a GEMM; large training batches would only trade it
    // for as much memory traffic.
    private const int SavedFilterMaxElements = 1 << 20;

    /// <summary>Runs the op (and records it when an input tracks gradients).</summary>
    /// <param name="phi">Sender context [N, 3F].</param>
    /// <param name="rbf">Radial basis of every edge [E, R].</param>
    /// <param name="filterWeight">Filter weight [3F, R] (PyTorch layout).</param>
    /// <param name="filterBias">Filter bias [3F].</param>
    /// <param name="fc">Cutoff envelope [E, 1].</param>
    /// <param name="u">Unit edge vectors [E, 3].</param>
    /// <param name="v">Vector features [N, 3, F], or null when they are all zero (first layer).</param>
    /// <param name="receivers">Receiver of every edge (ascending).</param>
    /// <param name="senders">Sender of every edge.</param>
    /// <param name="topology">Offsets, chunks and reverse edges of this edge list.</param>
    /// <param name="filterWeightT">
    /// Optional copy of the filter weight transposed, [R, 3F] (a frozen layer's), read in place by the filter product and
    /// the radial-basis gradient; must equal the weight's transpose (same values, so the same results either way).
    /// </param>
    public static Tensor<T> Forward<T>(Tensor<T> phi, Tensor<T> rbf, Tensor<T> filterWeight, Tensor<T> filterBias, Tensor<T> fc, Tensor<T> u, Tensor<T>? v,
        int[] receivers, int[] senders, EdgeTopology topology, Tensor<T>? filterWeightT = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = topology.ReceiverOffsets.Length - 1, f = phi.Shape[1] / 3, f3 = 3 * f, nr = rbf.Shape[1];
        if (filterWeight.Shape[0] != f3 || filterWeight.Shape[1] != nr || filterBias.Length != f3)
            throw new ArgumentException($"FusedPaiNNMessage: filter weight {Tensor.FormatShape(filterWeight.Shape)} and bias {Tensor.FormatShape(filterBias.Shape)} do not map {nr} radial functions to {f3} channels.");
        if (filterWeightT is not null && (filterWeightT.Shape[0] != nr || filterWeightT.Shape[1] != f3))
            throw new ArgumentException($"FusedPaiNNMessage: the transposed filter weight is {Tensor.FormatShape(filterWeightT.Shape)}, not [{nr}, {f3}].");
        T[]? wtD = filterWeightT?.Data;
        var result = Tensor<T>.Scratch(n, 4, f);
        T[] phiD = phi.Data, rbfD = rbf.Data, wfD = filterWeight.Data, bD = filterBias.Data, fcD = fc.Data, uD = u.Data, outD = result.Data;
        T[]? vD = v?.Data;
        var offsets = topology.ReceiverOffsets;
        var chunks = topology.ChunkAtomStarts;
        int bufferLength = topology.MaxChunkEdges * f3;
        Tensor<T>[] inputs = v is null ? [phi, rbf, filterWeight, filterBias, fc, u] : [phi, rbf, filterWeight, filterBias, fc, u, v];
        bool record = Autograd.ShouldRecord<T>(inputs);
        // Edge rows of the saved product sit at their own offsets; each is computed exactly as in the per-chunk buffer.
        // Pooled, not allocated: at hundreds of kilobytes a fresh array would land on the large-object heap every call.
        T[]? savedFilter = record && (long)receivers.Length * f3 <= SavedFilterMaxElements ? ArrayPool<T>.Shared.Rent(receivers.Length * f3) : null;
        // Receivers' rows are independent, so chunks may run on any thread in any order.
        ForChunks(topology.ChunkCount, receivers.Length, c =>
        {
            var wBuf = savedFilter ?? ArrayPool<T>.Shared.Rent(bufferLength);
            int a0 = chunks[c], a1 = chunks[c + 1], e0 = offsets[a0], ce = offsets[a1] - e0;
            int w0 = savedFilter is null ? e0 : 0;
            // The same products either way: the transposed copy only spares the GEMM transposing W into its panels.
            if (wtD is not null) Gemm.Multiply(false, false, ce, f3, nr, rbfD.AsSpan(e0 * nr, ce * nr), wtD, wBuf.AsSpan((e0 - w0) * f3, ce * f3));
            else Gemm.Multiply(false, true, ce, f3, nr, rbfD.AsSpan(e0 * nr, ce * nr), wfD, wBuf.AsSpan((e0 - w0) * f3, ce * f3));
            for (int i = a0; i < a1; i++)
            {
                ref T o = ref outD[i * 4 * f];
                for (int e = offsets[i]; e < offsets[i + 1]; e++)
                {
                    int j = senders[e];
                    ForwardEdge(f, ref phiD[j * f3], ref wBuf[(e - w0) * f3], ref bD[0], fcD[e], uD[3 * e], uD[(3 * e) + 1], uD[(3 * e) + 2],
                        ref vD is null ? ref Unsafe.NullRef<T>() : ref vD[j * f3], ref o);
                }
            }
            if (savedFilter is null) ArrayPool<T>.Shared.Return(wBuf);
        });

        if (!record) return result;
        var saved = new SavedFilter<T> { Buffer = savedFilter };
        return Autograd.Record(result, "FusedPaiNNMessage", inputs, g =>
        {
            // The first backward pass uses the saved product and returns it to the pool; any later pass recomputes it.
            var buffer = Interlocked.Exchange(ref saved.Buffer, null);
            Tensor<T>?[] grads;
            // createGraph: the gradient is computed by the same kernel and recorded as one op whose own rule is the
            // hand-written second-order pass (SecondOrder), so forces stay differentiable without the composite ops.
            bool recordGrad = Autograd.IsRecording && (g.TracksGrad || Autograd.ShouldRecord<T>(inputs));
            using (recordGrad ? Autograd.NoGrad() : default)
                grads = Backward(g, phi, rbf, filterWeight, filterBias, fc, u, v, senders, topology, buffer, wtD);
            if (buffer is not null) ArrayPool<T>.Shared.Return(buffer);
            return recordGrad ? RecordGradient(grads, g, phi, rbf, filterWeight, filterBias, fc, u, v, senders, topology) : grads;
        });
    }

    /// <summary>Adds one edge's message to its receiver's row <paramref name="o"/>; <paramref name="w"/> is the filter GEMM row without the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ForwardEdge<T>(int f, ref T phi, ref T w, ref T bias, T fc, T ux, T uy, T uz, ref T v, ref T o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector<T>.Count, k = 0;
        bool hasV = !Unsafe.IsNullRef(ref v);
        var fcV = new Vector<T>(fc);
        var uxV = new Vector<T>(ux);
        var uyV = new Vector<T>(uy);
        var uzV = new Vector<T>(uz);
        for (; k <= f - vc; k += vc)
        {
            nuint s = (nuint)k, vv = (nuint)(f + k), vs = (nuint)((2 * f) + k);
            // Rounded as the composite ops: (GEMM + bias), then · fc, then ⊙ phi.
            var xs = Vector.LoadUnsafe(ref phi, s) * ((Vector.LoadUnsafe(ref w, s) + Vector.LoadUnsafe(ref bias, s)) * fcV);
            var xvs = Vector.LoadUnsafe(ref phi, vs) * ((Vector.LoadUnsafe(ref w, vs) + Vector.LoadUnsafe(ref bias, vs)) * fcV);
            (Vector.LoadUnsafe(ref o, s) + xs).StoreUnsafe(ref o, s);
            nuint o1 = (nuint)(f + k), o2 = (nuint)((2 * f) + k), o3 = (nuint)((3 * f) + k);
            var dx = xvs * uxV;
            var dy = xvs * uyV;
            var dz = xvs * uzV;
            if (hasV)
            {
                // The v-v third of the filter is read only with vectors (before the first message it is unused).
                var xvv = Vector.LoadUnsafe(ref phi, vv) * ((Vector.LoadUnsafe(ref w, vv) + Vector.LoadUnsafe(ref bias, vv)) * fcV);
                dx += xvv * Vector.LoadUnsafe(ref v, s);
                dy += xvv * Vector.LoadUnsafe(ref v, vv);
                dz += xvv * Vector.LoadUnsafe(ref v, vs);
            }
            (Vector.LoadUnsafe(ref o, o1) + dx).StoreUnsafe(ref o, o1);
            (Vector.LoadUnsafe(ref o, o2) + dy).StoreUnsafe(ref o, o2);
            (Vector.LoadUnsafe(ref o, o3) + dz).StoreUnsafe(ref o, o3);
        }
        for (; k < f; k++)
        {
            T xs = Unsafe.Add(ref phi, k) * ((Unsafe.Add(ref w, k) + Unsafe.Add(ref bias, k)) * fc);
            T xvs = Unsafe.Add(ref phi, (2 * f) + k) * ((Unsafe.Add(ref w, (2 * f) + k) + Unsafe.Add(ref bias, (2 * f) + k)) * fc);
            Unsafe.Add(ref o, k) += xs;
            T dx = xvs * ux, dy = xvs * uy, dz = xvs * uz;
            if (hasV)
            {
                T xvv = Unsafe.Add(ref phi, f + k) * ((Unsafe.Add(ref w, f + k) + Unsafe.Add(ref bias, f + k)) * fc);
                dx += xvv * Unsafe.Add(ref v, k);
                dy += xvv * Unsafe.Add(ref v, f + k);
                dz += xvv * Unsafe.Add(ref v, (2 * f) + k);
            }
            Unsafe.Add(ref o, f + k) += dx;
            Unsafe.Add(ref o, (2 * f) + k) += dy;
            Unsafe.Add(ref o, (3 * f) + k) += dz;
        }
    }

    private static Tensor<T>?[] Backward<T>(Tensor<T> g, Tensor<T> phi, Tensor<T> rbf, Tensor<T> filterWeight, Tensor<T> filterBias, Tensor<T> fc, Tensor<T> u, Tensor<T>? v,
        int[] senders, EdgeTopology topology, T[]? savedFilter, T[]? filterT)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = topology.ReceiverOffsets.Length - 1, f = phi.Shape[1] / 3, e = senders.Length, f3 = 3 * f, nr = rbf.Shape[1];
        var offsets = topology.ReceiverOffsets;
        var reverse = topology.Reverse;
        var chunks = topology.ChunkAtomStarts;
        var blocks = topology.BlockChunkStarts;
        T[] gD = g.Data, phiD = phi.Data, rbfD = rbf.Data, wfD = filterWeight.Data, bD = filterBias.Data, fcD = fc.Data, uD = u.Data;
        T[]? vD = v?.Data;
        bool needWf = Autograd.IsNeeded(filterWeight), needB = Autograd.IsNeeded(filterBias), needRbf = Autograd.IsNeeded(rbf);
        bool needDw = needWf || needB || needRbf;

        // One pass over atoms as senders: edge k = (i <- a) is reached as the reverse of a's own edge r = (a <- i), so every
        // sum into dphi[a] and dv[a] runs over a's edges in a fixed order and each edge's dfc, du, drbf is written once.
        var dphi = Autograd.IsNeeded(phi) ? Tensor<T>.Scratch(phi.Shape) : null;
        var dv = v is not null && Autograd.IsNeeded(v) ? Tensor<T>.Scratch(v.Shape) : null;
        var dfc = Autograd.IsNeeded(fc) ? Tensor<T>.Scratch(fc.Shape) : null;
        var du = Autograd.IsNeeded(u) ? Tensor<T>.Scratch(e, 3) : null;
        var drbf = needRbf ? Tensor<T>.Scratch(rbf.Shape) : null;
        T[]? dphiD = dphi?.Data, dvD = dv?.Data, dfcD = dfc?.Data, duD = du?.Data, drbfD = drbf?.Data;
        // Per block: the transposed filter-weight gradient [R, 3F] followed by the bias gradient [3F], summed over blocks in order at the end.
        int partialLength = (f3 * nr) + f3;
        var partials = needWf || needB ? new T[topology.BlockCount * partialLength] : null;
        int maxEdges = topology.MaxChunkEdges;
        // Wᵀ [R, 3F], whose rows the radial-basis gradient is dotted with.
        bool ownFilterT = needRbf && filterT is null;
        if (ownFilterT)
        {
            filterT = ArrayPool<T>.Shared.Rent(nr * f3);
            for (int o = 0; o < f3; o++)
                for (int q = 0; q < nr; q++)
                    filterT![(q * f3) + o] = wfD[(o * nr) + q];
        }
        // Without weight gradients every edge's results go to its own rows, so chunks may run on any thread; with them,
        // each block sums its own partial, and blocks are the unit of thread work.
        if (partials is null) ForChunks(topology.ChunkCount, e, c => RunChunks(c, c + 1, default));
        else ForBlocks(topology, e, (b0, b1) =>
        {
            for (int b = b0; b < b1; b++) RunChunks(blocks[b], blocks[b + 1], partials.AsSpan(b * partialLength, partialLength));
        });

        void RunChunks(int c0, int c1, Span<T> partial)
        {
            var rbfBuf = ArrayPool<T>.Shared.Rent(maxEdges * nr);
            var wBuf = savedFilter is null ? ArrayPool<T>.Shared.Rent(maxEdges * f3) : null;
            var dwBuf = needDw ? ArrayPool<T>.Shared.Rent(maxEdges * f3) : null;
            var drbfBuf = needRbf ? ArrayPool<T>.Shared.Rent(maxEdges * nr) : null;
            for (int c = c0; c < c1; c++)
            {
                int a0 = chunks[c], a1 = chunks[c + 1], r0 = offsets[a0], ce = offsets[a1] - r0;
                if (ce == 0) continue; // isolated atoms only: no gradient to send
                for (int r = r0; r < r0 + ce; r++)
                    rbfD.AsSpan(reverse[r] * nr, nr).CopyTo(rbfBuf.AsSpan((r - r0) * nr, nr));
                if (wBuf is not null)
                {
                    if (filterT is not null) Gemm.Multiply(false, false, ce, f3, nr, rbfBuf.AsSpan(0, ce * nr), filterT.AsSpan(0, nr * f3), wBuf.AsSpan(0, ce * f3));
                    else Gemm.Multiply(false, true, ce, f3, nr, rbfBuf.AsSpan(0, ce * nr), wfD, wBuf.AsSpan(0, ce * f3));
                }
                for (int a = a0; a < a1; a++)
                {
                    int aRow = a * f3;
                    for (int r = offsets[a]; r < offsets[a + 1]; r++)
                    {
                        int k = reverse[r], i = senders[r];
                        BackwardEdge(f, ref gD[i * 4 * f], ref phiD[aRow], ref wBuf is null ? ref savedFilter![k * f3] : ref wBuf[(r - r0) * f3], ref bD[0], fcD[k], uD[3 * k], uD[(3 * k) + 1], uD[(3 * k) + 2],
                            ref vD is null ? ref Unsafe.NullRef<T>() : ref vD[aRow],
                            ref dphiD is null ? ref Unsafe.NullRef<T>() : ref dphiD[aRow],
                            ref dvD is null ? ref Unsafe.NullRef<T>() : ref dvD[aRow],
                            ref dwBuf is null ? ref Unsafe.NullRef<T>() : ref dwBuf[(r - r0) * f3],
                            out T dfcK, out T dux, out T duy, out T duz);
                        if (dfcD is not null) dfcD[k] = dfcK;
                        if (duD is not null)
                        {
                            duD[3 * k] = dux;
                            duD[(3 * k) + 1] = duy;
                            duD[(3 * k) + 2] = duz;
                        }
                        if (needB)
                        {
                            var db = partial.Slice(f3 * nr, f3);
                            TP.Add(db, dwBuf.AsSpan((r - r0) * f3, f3), db);
                        }
                    }
                }
                // Accumulated transposed, [R, 3F] = rbfᵀ·dw: full-width register tiles (R = 20 columns would waste most of each tile).
                if (needWf)
                    Gemm.Multiply(true, false, nr, f3, ce, rbfBuf.AsSpan(0, ce * nr), dwBuf.AsSpan(0, ce * f3), partial[..(f3 * nr)], accumulate: true);
                if (drbfBuf is not null)
                {
                    // [edges, R] = dw·W as dot products of dw's rows with Wᵀ's: no panel packing of the [edges, 3F] operand.
                    RowDotProducts.Multiply(ce, nr, f3, dwBuf.AsSpan(0, ce * f3), f3, filterT!, f3, drbfBuf.AsSpan(0, ce * nr), nr);
                    for (int r = r0; r < r0 + ce; r++)
                        drbfBuf.AsSpan((r - r0) * nr, nr).CopyTo(drbfD.AsSpan(reverse[r] * nr, nr));
                }
            }
            ArrayPool<T>.Shared.Return(rbfBuf);
            if (wBuf is not null) ArrayPool<T>.Shared.Return(wBuf);
            if (dwBuf is not null) ArrayPool<T>.Shared.Return(dwBuf);
            if (drbfBuf is not null) ArrayPool<T>.Shared.Return(drbfBuf);
        }

        if (ownFilterT) ArrayPool<T>.Shared.Return(filterT!);
        Tensor<T>? dWf = null, dB = null;
        if (partials is not null)
        {
            var sum = new T[partialLength];
            for (int b = 0; b < topology.BlockCount; b++) TP.Add(sum, partials.AsSpan(b * partialLength, partialLength), sum);
            if (needWf)
            {
                var transposed = new T[f3 * nr];
                for (int o = 0; o < f3; o++)
                    for (int q = 0; q < nr; q++)
                        transposed[(o * nr) + q] = sum[(q * f3) + o];
                dWf = new Tensor<T>(transposed, f3, nr);
            }
            if (needB) dB = new Tensor<T>(sum[(f3 * nr)..], f3);
        }
        return v is null ? [dphi, drbf, dWf, dB, dfc, du] : [dphi, drbf, dWf, dB, dfc, du, dv];
    }

    /// <summary>
    /// The gradient contributions of edge k = (i ← a): adds to dphi[a] and dv[a], writes the filter-row gradient dw (before
    /// the bias) and returns dfc[k] and du[k]. <paramref name="g"/> is the output gradient row of receiver i.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void BackwardEdge<T>(int f, ref T g, ref T phi, ref T w, ref T bias, T fc, T ux, T uy, T uz, ref T v,
        ref T dphi, ref T dv, ref T dw, out T dfc, out T dux, out T duy, out T duz)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool hasV = !Unsafe.IsNullRef(ref v), needPhi = !Unsafe.IsNullRef(ref dphi), needV = !Unsafe.IsNullRef(ref dv), needW = !Unsafe.IsNullRef(ref dw);
        int vc = Vector<T>.Count, q = 0;
        var fcV = new Vector<T>(fc);
        var uxV = new Vector<T>(ux);
        var uyV = new Vector<T>(uy);
        var uzV = new Vector<T>(uz);
        Vector<T> dfcAcc = Vector<T>.Zero, duxAcc = Vector<T>.Zero, duyAcc = Vector<T>.Zero, duzAcc = Vector<T>.Zero;
        for (; q <= f - vc; q += vc)
        {
            nuint s = (nuint)q, vv = (nuint)(f + q), vs = (nuint)((2 * f) + q), g3 = (nuint)((3 * f) + q);
            var gs = Vector.LoadUnsafe(ref g, s);
            var gx = Vector.LoadUnsafe(ref g, vv);
            var gy = Vector.LoadUnsafe(ref g, vs);
            var gz = Vector.LoadUnsafe(ref g, g3);
            var wS = Vector.LoadUnsafe(ref w, s) + Vector.LoadUnsafe(ref bias, s);
            var wVv = Vector.LoadUnsafe(ref w, vv) + Vector.LoadUnsafe(ref bias, vv);
            var wVs = Vector.LoadUnsafe(ref w, vs) + Vector.LoadUnsafe(ref bias, vs);
            var wfcS = wS * fcV;
            var wfcVv = wVv * fcV;
            var wfcVs = wVs * fcV;
            var pS = Vector.LoadUnsafe(ref phi, s);
            var pVv = Vector.LoadUnsafe(ref phi, vv);
            var pVs = Vector.LoadUnsafe(ref phi, vs);
            var dxVv = hasV
                ? (gx * Vector.LoadUnsafe(ref v, s)) + (gy * Vector.LoadUnsafe(ref v, vv)) + (gz * Vector.LoadUnsafe(ref v, vs))
                : Vector<T>.Zero;
            var dxVs = (gx * uxV) + (gy * uyV) + (gz * uzV);
            if (needPhi)
            {
                (Vector.LoadUnsafe(ref dphi, s) + (gs * wfcS)).StoreUnsafe(ref dphi, s);
                (Vector.LoadUnsafe(ref dphi, vv) + (dxVv * wfcVv)).StoreUnsafe(ref dphi, vv);
                (Vector.LoadUnsafe(ref dphi, vs) + (dxVs * wfcVs)).StoreUnsafe(ref dphi, vs);
            }
            var dwfcS = gs * pS;
            var dwfcVv = dxVv * pVv;
            var dwfcVs = dxVs * pVs;
            dfcAcc += (dwfcS * wS) + (dwfcVv * wVv) + (dwfcVs * wVs);
            if (needW)
            {
                (dwfcS * fcV).StoreUnsafe(ref dw, s);
                (dwfcVv * fcV).StoreUnsafe(ref dw, vv);
                (dwfcVs * fcV).StoreUnsafe(ref dw, vs);
            }
            var xVv = pVv * wfcVv;
            var xVs = pVs * wfcVs;
            if (needV)
            {
                (Vector.LoadUnsafe(ref dv, s) + (xVv * gx)).StoreUnsafe(ref dv, s);
                (Vector.LoadUnsafe(ref dv, vv) + (xVv * gy)).StoreUnsafe(ref dv, vv);
                (Vector.LoadUnsafe(ref dv, vs) + (xVv * gz)).StoreUnsafe(ref dv, vs);
            }
            duxAcc += gx * xVs;
            duyAcc += gy * xVs;
            duzAcc += gz * xVs;
        }
        dfc = Vector.Sum(dfcAcc);
        dux = Vector.Sum(duxAcc);
        duy = Vector.Sum(duyAcc);
        duz = Vector.Sum(duzAcc);
        for (; q < f; q++)
        {
            T gs = Unsafe.Add(ref g, q), gx = Unsafe.Add(ref g, f + q), gy = Unsafe.Add(ref g, (2 * f) + q), gz = Unsafe.Add(ref g, (3 * f) + q);
            T wS = Unsafe.Add(ref w, q) + Unsafe.Add(ref bias, q);
            T wVv = Unsafe.Add(ref w, f + q) + Unsafe.Add(ref bias, f + q);
            T wVs = Unsafe.Add(ref w, (2 * f) + q) + Unsafe.Add(ref bias, (2 * f) + q);
            T wfcS = wS * fc, wfcVv = wVv * fc, wfcVs = wVs * fc;
            T pS = Unsafe.Add(ref phi, q), pVv = Unsafe.Add(ref phi, f + q), pVs = Unsafe.Add(ref phi, (2 * f) + q);
            T dxVv = hasV ? (gx * Unsafe.Add(ref v, q)) + (gy * Unsafe.Add(ref v, f + q)) + (gz * Unsafe.Add(ref v, (2 * f) + q)) : T.Zero;
            T dxVs = (gx * ux) + (gy * uy) + (gz * uz);
            if (needPhi)
            {
                Unsafe.Add(ref dphi, q) += gs * wfcS;
                Unsafe.Add(ref dphi, f + q) += dxVv * wfcVv;
                Unsafe.Add(ref dphi, (2 * f) + q) += dxVs * wfcVs;
            }
            T dwfcS = gs * pS, dwfcVv = dxVv * pVv, dwfcVs = dxVs * pVs;
            dfc += (dwfcS * wS) + (dwfcVv * wVv) + (dwfcVs * wVs);
            if (needW)
            {
                Unsafe.Add(ref dw, q) = dwfcS * fc;
                Unsafe.Add(ref dw, f + q) = dwfcVv * fc;
                Unsafe.Add(ref dw, (2 * f) + q) = dwfcVs * fc;
            }
            T xVv = pVv * wfcVv, xVs = pVs * wfcVs;
            if (needV)
            {
                Unsafe.Add(ref dv, q) += xVv * gx;
                Unsafe.Add(ref dv, f + q) += xVv * gy;
                Unsafe.Add(ref dv, (2 * f) + q) += xVv * gz;
            }
            dux += gx * xVs;
            duy += gy * xVs;
            duz += gz * xVs;
        }
    }

    /// <summary>Runs <paramref name="body"/> for every chunk, on helper threads as well when the edge list is big enough to pay for it.</summary>
    private static void ForChunks(int chunkCount, int edges, Action<int> body)
    {
        if (edges < ChunkParallelEdgeThreshold || TensorThreading.MaxThreads <= 1)
        {
            for (int c = 0; c < chunkCount; c++) body(c);
            return;
        }
        SpinningThreadPool.For(chunkCount, body);
    }

    /// <summary>Splits the blocks of the edge list into contiguous ranges, one per thread (the same work whatever the split, so results never change).</summary>
    private static void ForBlocks(EdgeTopology topology, int edges, Action<int, int> body)
    {
        int blocks = topology.BlockCount;
        int threads = edges < ParallelEdgeThreshold ? 1 : Math.Min(TensorThreading.MaxThreads, blocks);
        if (threads <= 1)
        {
            body(0, blocks);
            return;
        }
        SpinningThreadPool.For(threads, t =>
            body((int)((long)blocks * t / threads), (int)((long)blocks * (t + 1) / threads)));
    }
}

/// <summary>The filter product a recorded <see cref="FusedPaiNNMessage"/> keeps for its backward rule (null once used).</summary>
internal sealed class SavedFilter<T>
{
    public T[]? Buffer;
}
