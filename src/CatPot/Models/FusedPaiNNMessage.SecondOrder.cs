using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CatPot.Tensors;
using CatPot.Tensors.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Models;

/// <summary>
/// The second-order path of the fused message: when its gradient is taken with createGraph (training on conservative
/// forces), the first-order gradients are computed by the same fused kernel and recorded as ONE op, "FusedPaiNNMessageGrad",
/// whose output packs every input gradient; its own backward rule is the hand-written pass below, so no [E, 3F] tensor is
/// ever recorded.
/// </summary>
/// <remarks>
/// Per edge k = (i ← j) the message is m_k = (φ_s a_s, φ_vv a_vv v_c + φ_vs a_vs u_c) with a = w·fc and w = rbf_k·Wᵀ + b, and
/// the first-order gradients are those of S = Σ_k ⟨g_i, m_k⟩. Given the cotangents γ of those gradients (the tangent
/// δ = (δφ, δv, δw, δfc, δu), δw = γ_rbf·Wᵀ + rbf·γ_Wᵀ + γ_b), the second-order rule returns the gradients of
/// Q = Σ_k D S_k[δ]: with respect to g it is the message's derivative along δ (receiver sums, in the forward's order);
/// with respect to φ, v, w, fc, u it is the Hessian of S applied to δ (sender sums through the reverse edges, as the
/// first-order backward does, filter-weight partials per block summed in block order). Every sum therefore runs in an
/// order fixed by the edge list, whatever the thread count. The rule itself is not recorded (third order is refused).
/// </remarks>
internal static partial class FusedPaiNNMessage
{
    /// <summary>Records the first-order gradients as one differentiable op and returns them as views of its output.</summary>
    private static Tensor<T>?[] RecordGradient<T>(Tensor<T>?[] grads, Tensor<T> g, Tensor<T> phi, Tensor<T> rbf, Tensor<T> filterWeight, Tensor<T> filterBias,
        Tensor<T> fc, Tensor<T> u, Tensor<T>? v, int[] senders, EdgeTopology topology)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Layout of the packed gradient: the inputs' gradients in input order (phi, rbf, W, b, fc, u, v), each flat.
        Tensor<T>[] shapes = v is null ? [phi, rbf, filterWeight, filterBias, fc, u] : [phi, rbf, filterWeight, filterBias, fc, u, v];
        var offsets = new int[shapes.Length + 1];
        var present = new bool[shapes.Length];
        for (int t = 0; t < shapes.Length; t++)
        {
            present[t] = grads[t] is not null;
            offsets[t + 1] = offsets[t] + (present[t] ? shapes[t].Length : 0);
        }
        var packed = Tensor<T>.Scratch(offsets[^1]);
        for (int t = 0; t < shapes.Length; t++)
            grads[t]?.Span.CopyTo(packed.Span.Slice(offsets[t], shapes[t].Length));
        Tensor<T>[] inputs = v is null ? [g, phi, rbf, filterWeight, filterBias, fc, u] : [g, phi, rbf, filterWeight, filterBias, fc, u, v];
        Autograd.Record(packed, "FusedPaiNNMessageGrad", inputs, gamma =>
        {
            if (Autograd.IsRecording && Autograd.ShouldRecord<T>(inputs))
                throw new NotSupportedException("FusedPaiNNMessage has first- and second-order gradients only: its second-order rule cannot be differentiated again.");
            Tensor<T>? Part(int t) => !present[t] ? null : new Tensor<T>(gamma.Span.Slice(offsets[t], shapes[t].Length).ToArray(), shapes[t].Shape);
            return SecondOrder(g, phi, rbf, filterWeight, filterBias, fc, u, v, senders, topology,
                Part(0), Part(1), Part(2), Part(3), Part(4), Part(5), v is null ? null : Part(6));
        });
        var views = new Tensor<T>?[shapes.Length];
        for (int t = 0; t < shapes.Length; t++)
            if (present[t])
                views[t] = Tensor.Reshape(Tensor.Narrow(packed, 0, offsets[t], shapes[t].Length), shapes[t].Shape);
        return views;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> L<T>(T[] a, int i) where T : unmanaged => Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(a), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void St<T>(Vector<T> x, T[] a, int i) where T : unmanaged => x.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(a), (nuint)i);

    /// <summary>True when the span holds a non-zero value (a cotangent that is all zeros is skipped).</summary>
    private static bool NonZero<T>(Tensor<T>? t) where T : unmanaged, IFloatingPointIeee754<T>
        => t is not null && t.Span.ContainsAnyExcept(T.Zero);

    /// <summary>
    /// Gradients of Q = Σ_k D S_k[δ] (see the type's remarks) with respect to g, phi, rbf, W, b, fc, u and v (null where the
    /// input tracks no gradient). The γ arguments are the cotangents of the first-order gradients (null: zero).
    /// </summary>
    private static Tensor<T>?[] SecondOrder<T>(Tensor<T> g, Tensor<T> phi, Tensor<T> rbf, Tensor<T> filterWeight, Tensor<T> filterBias, Tensor<T> fc, Tensor<T> u, Tensor<T>? v,
        int[] senders, EdgeTopology topology,
        Tensor<T>? gPhi, Tensor<T>? gRbf, Tensor<T>? gW, Tensor<T>? gB, Tensor<T>? gFc, Tensor<T>? gU, Tensor<T>? gV)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = topology.ReceiverOffsets.Length - 1, f = phi.Shape[1] / 3, e = senders.Length, f3 = 3 * f, nr = rbf.Shape[1];
        if (!NonZero(gPhi)) gPhi = null;
        if (!NonZero(gRbf)) gRbf = null;
        if (!NonZero(gW)) gW = null;
        if (!NonZero(gB)) gB = null;
        if (!NonZero(gFc)) gFc = null;
        if (!NonZero(gU)) gU = null;
        if (!NonZero(gV)) gV = null;
        bool hasDw = gRbf is not null || gW is not null || gB is not null; // δw ≠ 0

        var offsets = topology.ReceiverOffsets;
        var reverse = topology.Reverse;
        var chunks = topology.ChunkAtomStarts;
        var blocks = topology.BlockChunkStarts;
        int maxEdges = topology.MaxChunkEdges;
        T[] gD = g.Data, phiD = phi.Data, rbfD = rbf.Data, wfD = filterWeight.Data, bD = filterBias.Data, fcD = fc.Data, uD = u.Data;
        T[]? vD = v?.Data, gPhiD = gPhi?.Data, gRbfD = gRbf?.Data, gWD = gW?.Data, gBD = gB?.Data, gFcD = gFc?.Data, gUD = gU?.Data, gVD = gV?.Data;

        var dg = Autograd.IsNeeded(g) ? Tensor<T>.Scratch(g.Shape) : null;
        var dphi = Autograd.IsNeeded(phi) ? Tensor<T>.Scratch(phi.Shape) : null;
        var dv = v is not null && Autograd.IsNeeded(v) ? Tensor<T>.Scratch(v.Shape) : null;
        var dfc = Autograd.IsNeeded(fc) ? Tensor<T>.Scratch(fc.Shape) : null;
        var du = Autograd.IsNeeded(u) ? Tensor<T>.Scratch(e, 3) : null;
        bool needWf = Autograd.IsNeeded(filterWeight), needB = Autograd.IsNeeded(filterBias), needRbf = Autograd.IsNeeded(rbf);
        var drbf = needRbf ? Tensor<T>.Scratch(rbf.Shape) : null;
        T[]? dgD = dg?.Data, dphiD = dphi?.Data, dvD = dv?.Data, dfcD = dfc?.Data, duD = du?.Data, drbfD = drbf?.Data;

        // Wᵀ [R, 3F] and γ_Wᵀ: the radial-basis gradient is dotted with their rows.
        var filterT = new T[nr * f3];
        for (int o = 0; o < f3; o++)
            for (int q = 0; q < nr; q++)
                filterT[(q * f3) + o] = wfD[(o * nr) + q];
        T[]? gWT = null;
        if (gWD is not null)
        {
            gWT = new T[nr * f3];
            for (int o = 0; o < f3; o++)
                for (int q = 0; q < nr; q++)
                    gWT[(q * f3) + o] = gWD[(o * nr) + q];
        }

        // Filter rows w and δw (without the bias for w, with γ_b for δw) of ce edges whose radial rows are in rb (and γ_rbf rows in grb).
        void FilterRows(int ce, ReadOnlySpan<T> rb, ReadOnlySpan<T> grb, Span<T> w, Span<T> dw)
        {
            Gemm.Multiply(false, false, ce, f3, nr, rb, filterT, w);
            if (!hasDw) return;
            if (gRbfD is not null) Gemm.Multiply(false, false, ce, f3, nr, grb, filterT, dw);
            else dw[..(ce * f3)].Clear();
            if (gWT is not null) Gemm.Multiply(false, false, ce, f3, nr, rb, gWT, dw, accumulate: true);
            if (gBD is not null)
                for (int r = 0; r < ce; r++) TP.Add(dw.Slice(r * f3, f3), gBD, dw.Slice(r * f3, f3));
        }

        // Pass A, receiver order: dg[i] = Σ_k D m_k[δ].
        if (dgD is not null)
        {
            ForChunks(topology.ChunkCount, e, c =>
            {
                var wBuf = ArrayPool<T>.Shared.Rent(maxEdges * f3);
                var dwBuf = hasDw ? ArrayPool<T>.Shared.Rent(maxEdges * f3) : null;
                int a0 = chunks[c], a1 = chunks[c + 1], e0 = offsets[a0], ce = offsets[a1] - e0;
                if (ce > 0)
                {
                    FilterRows(ce, rbfD.AsSpan(e0 * nr, ce * nr), gRbfD is null ? default : gRbfD.AsSpan(e0 * nr, ce * nr), wBuf, dwBuf);
                    for (int i = a0; i < a1; i++)
                    {
                        int o = i * 4 * f;
                        for (int k = offsets[i]; k < offsets[i + 1]; k++)
                        {
                            int j = senders[k], row = (k - e0) * f3, pj = j * f3;
                            T fck = fcD[k], dfck = gFcD is null ? T.Zero : gFcD[k];
                            T ux = uD[3 * k], uy = uD[(3 * k) + 1], uz = uD[(3 * k) + 2];
                            T dux = T.Zero, duy = T.Zero, duz = T.Zero;
                            if (gUD is not null) { dux = gUD[3 * k]; duy = gUD[(3 * k) + 1]; duz = gUD[(3 * k) + 2]; }
                            int q0 = 0;
                            if (f >= Vector<T>.Count)
                            {
                                var fcV = new Vector<T>(fck);
                                var dfcV = new Vector<T>(dfck);
                                Vector<T> uxV = new(ux), uyV = new(uy), uzV = new(uz), duxV = new(dux), duyV = new(duy), duzV = new(duz);
                                for (; q0 <= f - Vector<T>.Count; q0 += Vector<T>.Count)
                                {
                                    int q = q0;
                                    var wS = L(wBuf, row + q) + L(bD, q);
                                    var wVv = L(wBuf, row + f + q) + L(bD, f + q);
                                    var wVs = L(wBuf, row + (2 * f) + q) + L(bD, (2 * f) + q);
                                    var aS = wS * fcV;
                                    var aVv = wVv * fcV;
                                    var aVs = wVs * fcV;
                                    var daS = wS * dfcV;
                                    var daVv = wVv * dfcV;
                                    var daVs = wVs * dfcV;
                                    if (dwBuf is not null)
                                    {
                                        daS += L(dwBuf, row + q) * fcV;
                                        daVv += L(dwBuf, row + f + q) * fcV;
                                        daVs += L(dwBuf, row + (2 * f) + q) * fcV;
                                    }
                                    var pS = L(phiD, pj + q);
                                    var pVv = L(phiD, pj + f + q);
                                    var pVs = L(phiD, pj + (2 * f) + q);
                                    var tS = pS * daS;
                                    var tVv = pVv * daVv;
                                    var tVs = pVs * daVs;
                                    if (gPhiD is not null)
                                    {
                                        tS += L(gPhiD, pj + q) * aS;
                                        tVv += L(gPhiD, pj + f + q) * aVv;
                                        tVs += L(gPhiD, pj + (2 * f) + q) * aVs;
                                    }
                                    St(L(dgD, o + q) + tS, dgD, o + q);
                                    var cx = tVs * uxV;
                                    var cy = tVs * uyV;
                                    var cz = tVs * uzV;
                                    var xVs = pVs * aVs;
                                    cx += xVs * duxV;
                                    cy += xVs * duyV;
                                    cz += xVs * duzV;
                                    if (vD is not null)
                                    {
                                        cx += tVv * L(vD, pj + q);
                                        cy += tVv * L(vD, pj + f + q);
                                        cz += tVv * L(vD, pj + (2 * f) + q);
                                        if (gVD is not null)
                                        {
                                            var xVv = pVv * aVv;
                                            cx += xVv * L(gVD, pj + q);
                                            cy += xVv * L(gVD, pj + f + q);
                                            cz += xVv * L(gVD, pj + (2 * f) + q);
                                        }
                                    }
                                    St(L(dgD, o + f + q) + cx, dgD, o + f + q);
                                    St(L(dgD, o + (2 * f) + q) + cy, dgD, o + (2 * f) + q);
                                    St(L(dgD, o + (3 * f) + q) + cz, dgD, o + (3 * f) + q);
                                }
                            }
                            for (int q = q0; q < f; q++)
                            {
                                T wS = wBuf[row + q] + bD[q], wVv = wBuf[row + f + q] + bD[f + q], wVs = wBuf[row + (2 * f) + q] + bD[(2 * f) + q];
                                T aS = wS * fck, aVv = wVv * fck, aVs = wVs * fck;
                                T daS = wS * dfck, daVv = wVv * dfck, daVs = wVs * dfck;
                                if (dwBuf is not null)
                                {
                                    daS += dwBuf[row + q] * fck;
                                    daVv += dwBuf[row + f + q] * fck;
                                    daVs += dwBuf[row + (2 * f) + q] * fck;
                                }
                                T pS = phiD[pj + q], pVv = phiD[pj + f + q], pVs = phiD[pj + (2 * f) + q];
                                T tS = pS * daS, tVv = pVv * daVv, tVs = pVs * daVs;
                                if (gPhiD is not null)
                                {
                                    tS += gPhiD[pj + q] * aS;
                                    tVv += gPhiD[pj + f + q] * aVv;
                                    tVs += gPhiD[pj + (2 * f) + q] * aVs;
                                }
                                dgD[o + q] += tS;
                                T cx = tVs * ux, cy = tVs * uy, cz = tVs * uz;
                                T xVs = pVs * aVs;
                                cx += xVs * dux;
                                cy += xVs * duy;
                                cz += xVs * duz;
                                if (vD is not null)
                                {
                                    cx += tVv * vD[pj + q];
                                    cy += tVv * vD[pj + f + q];
                                    cz += tVv * vD[pj + (2 * f) + q];
                                    if (gVD is not null)
                                    {
                                        T xVv = pVv * aVv;
                                        cx += xVv * gVD[pj + q];
                                        cy += xVv * gVD[pj + f + q];
                                        cz += xVv * gVD[pj + (2 * f) + q];
                                    }
                                }
                                dgD[o + f + q] += cx;
                                dgD[o + (2 * f) + q] += cy;
                                dgD[o + (3 * f) + q] += cz;
                            }
                        }
                    }
                }
                ArrayPool<T>.Shared.Return(wBuf);
                if (dwBuf is not null) ArrayPool<T>.Shared.Return(dwBuf);
            });
        }

        // Pass B, sender order (edge k = (i ← a) reached as the reverse of a's edge r = (a ← i)): dphi[a], dv[a], and per edge
        // dfc, du, the filter-row gradients ∂Q/∂w and ∂Q/∂δw (→ rbf, W, b).
        bool needDw = needWf || needB || needRbf;
        bool needDdw = (needWf && gRbfD is not null) || (needRbf && gWT is not null);
        int partialLength = (f3 * nr) + f3;
        var partials = needWf || needB ? new T[topology.BlockCount * partialLength] : null;
        bool senderSide = dphiD is not null || dvD is not null || dfcD is not null || duD is not null || needDw;
        if (senderSide)
        {
            if (partials is null) ForChunks(topology.ChunkCount, e, c => RunChunks(c, c + 1, default));
            else ForBlocks(topology, e, (b0, b1) =>
            {
                for (int b = b0; b < b1; b++) RunChunks(blocks[b], blocks[b + 1], partials.AsSpan(b * partialLength, partialLength));
            });
        }

        void RunChunks(int c0, int c1, Span<T> partial)
        {
            var rbfBuf = ArrayPool<T>.Shared.Rent(maxEdges * nr);
            var grbfBuf = gRbfD is not null ? ArrayPool<T>.Shared.Rent(maxEdges * nr) : null;
            var wBuf = ArrayPool<T>.Shared.Rent(maxEdges * f3);
            var dwBuf = hasDw ? ArrayPool<T>.Shared.Rent(maxEdges * f3) : null;
            var qwBuf = needDw ? ArrayPool<T>.Shared.Rent(maxEdges * f3) : null;   // ∂Q/∂w
            var qdwBuf = needDdw ? ArrayPool<T>.Shared.Rent(maxEdges * f3) : null; // ∂Q/∂δw
            var drbfBuf = needRbf ? ArrayPool<T>.Shared.Rent(maxEdges * nr) : null;
            var tmpBuf = needRbf && gWT is not null ? ArrayPool<T>.Shared.Rent(maxEdges * nr) : null;
            for (int c = c0; c < c1; c++)
            {
                int a0 = chunks[c], a1 = chunks[c + 1], r0 = offsets[a0], ce = offsets[a1] - r0;
                if (ce == 0) continue;
                for (int r = r0; r < r0 + ce; r++)
                {
                    rbfD.AsSpan(reverse[r] * nr, nr).CopyTo(rbfBuf.AsSpan((r - r0) * nr, nr));
                    if (grbfBuf is not null) gRbfD!.AsSpan(reverse[r] * nr, nr).CopyTo(grbfBuf.AsSpan((r - r0) * nr, nr));
                }
                FilterRows(ce, rbfBuf.AsSpan(0, ce * nr), grbfBuf is null ? default : grbfBuf.AsSpan(0, ce * nr), wBuf, dwBuf);
                for (int a = a0; a < a1; a++)
                {
                    int pa = a * f3;
                    for (int r = offsets[a]; r < offsets[a + 1]; r++)
                    {
                        int k = reverse[r], i = senders[r], row = (r - r0) * f3, gi = i * 4 * f;
                        T fck = fcD[k], dfck = gFcD is null ? T.Zero : gFcD[k];
                        T ux = uD[3 * k], uy = uD[(3 * k) + 1], uz = uD[(3 * k) + 2];
                        T dux = T.Zero, duy = T.Zero, duz = T.Zero;
                        if (gUD is not null) { dux = gUD[3 * k]; duy = gUD[(3 * k) + 1]; duz = gUD[(3 * k) + 2]; }
                        T accFc = T.Zero, accUx = T.Zero, accUy = T.Zero, accUz = T.Zero;
                        int q0 = 0;
                        if (f >= Vector<T>.Count)
                        {
                            var fcV = new Vector<T>(fck);
                            var dfcV = new Vector<T>(dfck);
                            Vector<T> uxV = new(ux), uyV = new(uy), uzV = new(uz), duxV = new(dux), duyV = new(duy), duzV = new(duz);
                            Vector<T> vFc = Vector<T>.Zero, vUx = Vector<T>.Zero, vUy = Vector<T>.Zero, vUz = Vector<T>.Zero;
                            for (; q0 <= f - Vector<T>.Count; q0 += Vector<T>.Count)
                            {
                                int q = q0, qs = q, qv = f + q, qu = (2 * f) + q;
                                var wS = L(wBuf, row + qs) + L(bD, qs);
                                var wVv = L(wBuf, row + qv) + L(bD, qv);
                                var wVs = L(wBuf, row + qu) + L(bD, qu);
                                Vector<T> dwS = Vector<T>.Zero, dwVv = Vector<T>.Zero, dwVs = Vector<T>.Zero;
                                if (dwBuf is not null) { dwS = L(dwBuf, row + qs); dwVv = L(dwBuf, row + qv); dwVs = L(dwBuf, row + qu); }
                                var aS = wS * fcV;
                                var aVv = wVv * fcV;
                                var aVs = wVs * fcV;
                                var daS = (dwS * fcV) + (wS * dfcV);
                                var daVv = (dwVv * fcV) + (wVv * dfcV);
                                var daVs = (dwVs * fcV) + (wVs * dfcV);
                                var gs = L(gD, gi + q);
                                var gx = L(gD, gi + f + q);
                                var gy = L(gD, gi + (2 * f) + q);
                                var gz = L(gD, gi + (3 * f) + q);
                                var pS = L(phiD, pa + qs);
                                var pVv = L(phiD, pa + qv);
                                var pVs = L(phiD, pa + qu);
                                Vector<T> dpS = Vector<T>.Zero, dpVv = Vector<T>.Zero, dpVs = Vector<T>.Zero;
                                if (gPhiD is not null) { dpS = L(gPhiD, pa + qs); dpVv = L(gPhiD, pa + qv); dpVs = L(gPhiD, pa + qu); }
                                Vector<T> gV = Vector<T>.Zero, gDv = Vector<T>.Zero;
                                if (vD is not null) gV = (gx * L(vD, pa + q)) + (gy * L(vD, pa + f + q)) + (gz * L(vD, pa + (2 * f) + q));
                                if (gVD is not null) gDv = (gx * L(gVD, pa + q)) + (gy * L(gVD, pa + f + q)) + (gz * L(gVD, pa + (2 * f) + q));
                                var gU = (gx * uxV) + (gy * uyV) + (gz * uzV);
                                var gDu = (gx * duxV) + (gy * duyV) + (gz * duzV);
                                if (dphiD is not null)
                                {
                                    St(L(dphiD, pa + qs) + (gs * daS), dphiD, pa + qs);
                                    St(L(dphiD, pa + qv) + ((daVv * gV) + (aVv * gDv)), dphiD, pa + qv);
                                    St(L(dphiD, pa + qu) + ((daVs * gU) + (aVs * gDu)), dphiD, pa + qu);
                                }
                                if (dvD is not null)
                                {
                                    var t = (dpVv * aVv) + (pVv * daVv);
                                    St(L(dvD, pa + q) + (t * gx), dvD, pa + q);
                                    St(L(dvD, pa + f + q) + (t * gy), dvD, pa + f + q);
                                    St(L(dvD, pa + (2 * f) + q) + (t * gz), dvD, pa + (2 * f) + q);
                                }
                                var tu = (dpVs * aVs) + (pVs * daVs);
                                vUx += tu * gx;
                                vUy += tu * gy;
                                vUz += tu * gz;
                                var qaS = gs * dpS;
                                var qaVv = (dpVv * gV) + (pVv * gDv);
                                var qaVs = (dpVs * gU) + (pVs * gDu);
                                var qdS = gs * pS;
                                var qdVv = pVv * gV;
                                var qdVs = pVs * gU;
                                vFc += (wS * qaS) + (wVv * qaVv) + (wVs * qaVs) + (dwS * qdS) + (dwVv * qdVv) + (dwVs * qdVs);
                                if (qwBuf is not null)
                                {
                                    St((fcV * qaS) + (dfcV * qdS), qwBuf, row + qs);
                                    St((fcV * qaVv) + (dfcV * qdVv), qwBuf, row + qv);
                                    St((fcV * qaVs) + (dfcV * qdVs), qwBuf, row + qu);
                                }
                                if (qdwBuf is not null)
                                {
                                    St(fcV * qdS, qdwBuf, row + qs);
                                    St(fcV * qdVv, qdwBuf, row + qv);
                                    St(fcV * qdVs, qdwBuf, row + qu);
                                }
                            }
                            accFc = Vector.Sum(vFc);
                            accUx = Vector.Sum(vUx);
                            accUy = Vector.Sum(vUy);
                            accUz = Vector.Sum(vUz);
                        }
                        for (int q = q0; q < f; q++)
                        {
                            int qs = q, qv = f + q, qu = (2 * f) + q;
                            T wS = wBuf[row + qs] + bD[qs], wVv = wBuf[row + qv] + bD[qv], wVs = wBuf[row + qu] + bD[qu];
                            T dwS = T.Zero, dwVv = T.Zero, dwVs = T.Zero;
                            if (dwBuf is not null) { dwS = dwBuf[row + qs]; dwVv = dwBuf[row + qv]; dwVs = dwBuf[row + qu]; }
                            T aS = wS * fck, aVv = wVv * fck, aVs = wVs * fck;
                            T daS = (dwS * fck) + (wS * dfck), daVv = (dwVv * fck) + (wVv * dfck), daVs = (dwVs * fck) + (wVs * dfck);
                            T gs = gD[gi + q], gx = gD[gi + f + q], gy = gD[gi + (2 * f) + q], gz = gD[gi + (3 * f) + q];
                            T pS = phiD[pa + qs], pVv = phiD[pa + qv], pVs = phiD[pa + qu];
                            T dpS = T.Zero, dpVv = T.Zero, dpVs = T.Zero;
                            if (gPhiD is not null) { dpS = gPhiD[pa + qs]; dpVv = gPhiD[pa + qv]; dpVs = gPhiD[pa + qu]; }
                            T gV = T.Zero, gDv = T.Zero;
                            if (vD is not null) gV = (gx * vD[pa + q]) + (gy * vD[pa + f + q]) + (gz * vD[pa + (2 * f) + q]);
                            if (gVD is not null) gDv = (gx * gVD[pa + q]) + (gy * gVD[pa + f + q]) + (gz * gVD[pa + (2 * f) + q]);
                            T gU = (gx * ux) + (gy * uy) + (gz * uz);
                            T gDu = (gx * dux) + (gy * duy) + (gz * duz);
                            if (dphiD is not null)
                            {
                                dphiD[pa + qs] += gs * daS;
                                dphiD[pa + qv] += (daVv * gV) + (aVv * gDv);
                                dphiD[pa + qu] += (daVs * gU) + (aVs * gDu);
                            }
                            if (dvD is not null)
                            {
                                T t = (dpVv * aVv) + (pVv * daVv);
                                dvD[pa + q] += t * gx;
                                dvD[pa + f + q] += t * gy;
                                dvD[pa + (2 * f) + q] += t * gz;
                            }
                            T tu = (dpVs * aVs) + (pVs * daVs);
                            accUx += tu * gx;
                            accUy += tu * gy;
                            accUz += tu * gz;
                            T qaS = gs * dpS, qaVv = (dpVv * gV) + (pVv * gDv), qaVs = (dpVs * gU) + (pVs * gDu);
                            T qdS = gs * pS, qdVv = pVv * gV, qdVs = pVs * gU;
                            accFc += (wS * qaS) + (wVv * qaVv) + (wVs * qaVs) + (dwS * qdS) + (dwVv * qdVv) + (dwVs * qdVs);
                            if (qwBuf is not null)
                            {
                                qwBuf[row + qs] = (fck * qaS) + (dfck * qdS);
                                qwBuf[row + qv] = (fck * qaVv) + (dfck * qdVv);
                                qwBuf[row + qu] = (fck * qaVs) + (dfck * qdVs);
                            }
                            if (qdwBuf is not null)
                            {
                                qdwBuf[row + qs] = fck * qdS;
                                qdwBuf[row + qv] = fck * qdVv;
                                qdwBuf[row + qu] = fck * qdVs;
                            }
                        }
                        if (dfcD is not null) dfcD[k] = accFc;
                        if (duD is not null)
                        {
                            duD[3 * k] = accUx;
                            duD[(3 * k) + 1] = accUy;
                            duD[(3 * k) + 2] = accUz;
                        }
                        if (needB)
                        {
                            var db = partial.Slice(f3 * nr, f3);
                            TP.Add(db, qwBuf.AsSpan(row, f3), db);
                        }
                    }
                }
                if (needWf)
                {
                    Gemm.Multiply(true, false, nr, f3, ce, rbfBuf.AsSpan(0, ce * nr), qwBuf.AsSpan(0, ce * f3), partial[..(f3 * nr)], accumulate: true);
                    if (grbfBuf is not null)
                        Gemm.Multiply(true, false, nr, f3, ce, grbfBuf.AsSpan(0, ce * nr), qdwBuf.AsSpan(0, ce * f3), partial[..(f3 * nr)], accumulate: true);
                }
                if (drbfBuf is not null)
                {
                    RowDotProducts.Multiply(ce, nr, f3, qwBuf.AsSpan(0, ce * f3), f3, filterT, f3, drbfBuf.AsSpan(0, ce * nr), nr);
                    if (tmpBuf is not null)
                    {
                        RowDotProducts.Multiply(ce, nr, f3, qdwBuf.AsSpan(0, ce * f3), f3, gWT, f3, tmpBuf.AsSpan(0, ce * nr), nr);
                        TP.Add(drbfBuf.AsSpan(0, ce * nr), tmpBuf.AsSpan(0, ce * nr), drbfBuf.AsSpan(0, ce * nr));
                    }
                    for (int r = r0; r < r0 + ce; r++)
                        drbfBuf.AsSpan((r - r0) * nr, nr).CopyTo(drbfD.AsSpan(reverse[r] * nr, nr));
                }
            }
            ArrayPool<T>.Shared.Return(rbfBuf);
            ArrayPool<T>.Shared.Return(wBuf);
            if (grbfBuf is not null) ArrayPool<T>.Shared.Return(grbfBuf);
            if (dwBuf is not null) ArrayPool<T>.Shared.Return(dwBuf);
            if (qwBuf is not null) ArrayPool<T>.Shared.Return(qwBuf);
            if (qdwBuf is not null) ArrayPool<T>.Shared.Return(qdwBuf);
            if (drbfBuf is not null) ArrayPool<T>.Shared.Return(drbfBuf);
            if (tmpBuf is not null) ArrayPool<T>.Shared.Return(tmpBuf);
        }

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
        return v is null ? [dg, dphi, drbf, dWf, dB, dfc, du] : [dg, dphi, drbf, dWf, dB, dfc, du, dv];
    }
}
