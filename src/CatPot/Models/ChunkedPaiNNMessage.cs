using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using CatPot.Tensors;
using CatPot.Tensors.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Models;

/// <summary>
/// The PaiNN message of <see cref="FusedPaiNNMessage"/> for large systems, on plain arrays and outside autodiff: the edge
/// features (radial basis, cutoff envelope, unit vector) are computed per chunk of edges from the positions, so no
/// [E, n_rbf] array exists, and the reverse pass turns each edge's feature gradients into the gradient of its edge vector
/// R_j − R_i at once (three numbers per edge instead of n_rbf + 4 per layer).
/// </summary>
/// <remarks>
/// Same chunks and per-edge kernels (<see cref="FusedPaiNNMessage.ForwardEdge{T}"/>, <see cref="FusedPaiNNMessage.BackwardEdge{T}"/>)
/// as the fused op, the same element-wise formulas as <c>PaiNN.EdgeFeatures</c>; chunks write disjoint rows, so results do not
/// depend on the thread count. Used by <see cref="ChunkedPotentialEvaluator{T}"/>.
/// </remarks>
internal static class ChunkedPaiNNMessage
{
    // Below this many edges, handing chunks to a helper thread costs more than it saves.
    private const int ChunkParallelEdgeThreshold = 192;

    /// <summary>Geometry constants and the filter of one layer.</summary>
    /// <param name="WeightT">The filter weight transposed, [R, 3F].</param>
    /// <param name="Bias">The filter bias [3F].</param>
    /// <param name="WeightBiasT">WeightT with the bias as a last row, [R + 1, 3F]: the first layer's per-class kernels read the
    /// weight against the basis and the bias against the envelope as one more row.</param>
    /// <param name="PiOverCutoff">π/r_c in double: the radial basis has frequencies n·π/r_c, n = 1 … R, and the envelope π/r_c.</param>
    /// <param name="Eps">The norm's eps.</param>
    /// <param name="Radial">R, the number of radial functions.</param>
    internal readonly record struct Filter<T>(T[] WeightT, T[] Bias, T[] WeightBiasT, double PiOverCutoff, T Eps, int Radial)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Writes the message of every receiver to <paramref name="output"/> [N, 4F] (row 0: scalar part, rows 1–3: vector part);
    /// each chunk zeroes its own receivers' rows first, where they are about to be summed into anyway.
    /// </summary>
    public static void Forward<T>(int f, T[] phi, T[]? v, T[] positions, int[] senders, EdgeTopology topology, in Filter<T> filter, T[] output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f3 = 3 * f, nr = filter.Radial, maxEdges = topology.MaxChunkEdges;
        var offsets = topology.ReceiverOffsets;
        var chunks = topology.ChunkAtomStarts;
        var flt = filter;
        ForChunks(topology.ChunkCount, senders.Length, c =>
        {
            int a0 = chunks[c], a1 = chunks[c + 1], e0 = offsets[a0], ce = offsets[a1] - e0;
            output.AsSpan(a0 * 4 * f, (a1 - a0) * 4 * f).Clear();
            if (ce == 0) return;
            var geometry = ArrayPool<T>.Shared.Rent(maxEdges * 5);
            var rbf = ArrayPool<T>.Shared.Rent(maxEdges * nr);
            var w = ArrayPool<T>.Shared.Rent(maxEdges * f3);
            var work = ArrayPool<double>.Shared.Rent(FeatureWorkLength(maxEdges, nr, cos: false));
            ChunkFeatures(positions, senders, offsets, a0, a1, reverseEdges: false, geometry, rbf, work, cos: false, flt);
            // rbf is [R, edges]: the product reads it as the transpose of the [edges, R] radial basis.
            Gemm.Multiply(true, false, ce, f3, nr, rbf.AsSpan(0, ce * nr), flt.WeightT, w.AsSpan(0, ce * f3));
            for (int i = a0; i < a1; i++)
            {
                ref T o = ref output[i * 4 * f];
                for (int e = offsets[i]; e < offsets[i + 1]; e++)
                {
                    int j = senders[e], q = (e - e0) * 5;
                    FusedPaiNNMessage.ForwardEdge(f, ref phi[j * f3], ref w[(e - e0) * f3], ref flt.Bias[0], geometry[q + 4], geometry[q], geometry[q + 1], geometry[q + 2],
                        ref v is null ? ref Unsafe.NullRef<T>() : ref v[j * f3], ref o);
                }
            }
            ArrayPool<T>.Shared.Return(geometry);
            ArrayPool<T>.Shared.Return(rbf);
            ArrayPool<T>.Shared.Return(w);
            ArrayPool<double>.Shared.Return(work);
        });
    }

    /// <summary>
    /// <see cref="Forward"/> for the first layer, whose vectors are zero and whose context φ depends only on the sender's
    /// class (element, charge, spin: <see cref="SpatialAtomOrder.AtomClass"/>): with <paramref name="classPhi"/> [classes, 3F],
    /// each receiver's message is Σ over sender classes c of φ(c) ⊙ (W·Σ_{j ∈ c} b_j), where b_j = (rbf·fc, fc) of edge j
    /// (times its unit vector for the vector part). The filter product then runs once per receiver and class present
    /// instead of once per edge: about a tenth of the multiply-adds at ~37 neighbours and three or four classes.
    /// </summary>
    /// <remarks>
    /// The same message as <see cref="Forward"/> up to the rounding of sums taken in another order (the basis is summed over
    /// a class's edges before the product).
    /// </remarks>
    public static void ForwardFirstLayer<T>(int f, T[] classPhi, int classes, int[] atomClass, T[] positions, int[] senders, EdgeTopology topology,
        in Filter<T> filter, T[] output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f3 = 3 * f, nr = filter.Radial, vc = Vector<T>.Count, nb = (nr + vc) / vc * vc, maxEdges = topology.MaxChunkEdges;
        var offsets = topology.ReceiverOffsets;
        var chunks = topology.ChunkAtomStarts;
        var flt = filter;
        ForChunks(topology.ChunkCount, senders.Length, c =>
        {
            int a0 = chunks[c], a1 = chunks[c + 1], e0 = offsets[a0], ce = offsets[a1] - e0;
            output.AsSpan(a0 * 4 * f, (a1 - a0) * 4 * f).Clear();
            if (ce == 0) return;
            var geometry = ArrayPool<T>.Shared.Rent(maxEdges * 5);
            var rbf = ArrayPool<T>.Shared.Rent(maxEdges * nr);
            var work = ArrayPool<double>.Shared.Rent(FeatureWorkLength(maxEdges, nr, cos: false));
            // Each edge's basis times fc, then fc itself (against the bias), then zeros: [edges, nb], nb ≥ R + 1 whole vectors.
            var basis = ArrayPool<T>.Shared.Rent(maxEdges * nb);
            // Per class present at a receiver: [4, nb] sums of the basis (then times u_x, u_y, u_z) over its edges.
            var sums = ArrayPool<T>.Shared.Rent(classes * 4 * nb);
            var present = ArrayPool<int>.Shared.Rent(classes);
            var seen = ArrayPool<bool>.Shared.Rent(classes);
            seen.AsSpan(0, classes).Clear();
            ChunkFeatures(positions, senders, offsets, a0, a1, reverseEdges: false, geometry, rbf, work, cos: false, flt);
            for (int le = 0; le < ce; le++)
            {
                T fc = geometry[(le * 5) + 4];
                var row = basis.AsSpan(le * nb, nb);
                for (int n = 0; n < nr; n++) row[n] = rbf[(n * ce) + le] * fc;
                row[nr] = fc;
                row[(nr + 1)..].Clear();
            }
            for (int i = a0; i < a1; i++)
            {
                int count = 0;
                for (int e = offsets[i]; e < offsets[i + 1]; e++)
                {
                    int k = atomClass[senders[e]], le = e - e0, q = le * 5;
                    var acc = sums.AsSpan(k * 4 * nb, 4 * nb);
                    if (!seen[k])
                    {
                        seen[k] = true;
                        present[count++] = k;
                        acc.Clear();
                    }
                    var uxV = new Vector<T>(geometry[q]);
                    var uyV = new Vector<T>(geometry[q + 1]);
                    var uzV = new Vector<T>(geometry[q + 2]);
                    for (int n = 0; n < nb; n += vc)
                    {
                        var b = new Vector<T>(basis, (le * nb) + n);
                        var a0s = acc.Slice(n, vc);
                        var axs = acc.Slice(nb + n, vc);
                        var ays = acc.Slice((2 * nb) + n, vc);
                        var azs = acc.Slice((3 * nb) + n, vc);
                        (new Vector<T>(a0s) + b).CopyTo(a0s);
                        (new Vector<T>(axs) + (b * uxV)).CopyTo(axs);
                        (new Vector<T>(ays) + (b * uyV)).CopyTo(ays);
                        (new Vector<T>(azs) + (b * uzV)).CopyTo(azs);
                    }
                }
                ref T o = ref output[i * 4 * f];
                for (int p = 0; p < count; p++)
                {
                    int k = present[p];
                    seen[k] = false;
                    ClassMessage(f, nr, nb, sums.AsSpan(k * 4 * nb, 4 * nb), flt.WeightBiasT, ref classPhi[k * f3], ref o);
                }
            }
            ArrayPool<T>.Shared.Return(geometry);
            ArrayPool<T>.Shared.Return(rbf);
            ArrayPool<double>.Shared.Return(work);
            ArrayPool<T>.Shared.Return(basis);
            ArrayPool<T>.Shared.Return(sums);
            ArrayPool<int>.Shared.Return(present);
            ArrayPool<bool>.Shared.Return(seen);
        });
    }

    /// <summary>
    /// Adds one sender class's first-layer message to a receiver's row <paramref name="o"/> [4F] from its basis sums
    /// <paramref name="sums"/> [4, nb] (plain, then times u_x, u_y, u_z; column R is the envelope, against the bias):
    /// o_s += φ_s ⊙ (W_s·sums[0]), o_v[k] += φ_vs ⊙ (W_vs·sums[k + 1]).
    /// </summary>
    private static void ClassMessage<T>(int f, int nr, int nb, ReadOnlySpan<T> sums, T[] weightBiasT, ref T phi, ref T o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f3 = 3 * f, vc = Vector<T>.Count, ch = 0;
        for (; ch <= f - vc; ch += vc)
        {
            Vector<T> s = default, x = default, y = default, z = default;
            for (int n = 0; n <= nr; n++)
            {
                var ws = new Vector<T>(weightBiasT, (n * f3) + ch);
                var wv = new Vector<T>(weightBiasT, (n * f3) + (2 * f) + ch);
                s += new Vector<T>(sums[n]) * ws;
                x += new Vector<T>(sums[nb + n]) * wv;
                y += new Vector<T>(sums[(2 * nb) + n]) * wv;
                z += new Vector<T>(sums[(3 * nb) + n]) * wv;
            }
            nuint c0 = (nuint)ch;
            var ps = Vector.LoadUnsafe(ref phi, c0);
            var pv = Vector.LoadUnsafe(ref phi, (nuint)(2 * f) + c0);
            (Vector.LoadUnsafe(ref o, c0) + (ps * s)).StoreUnsafe(ref o, c0);
            (Vector.LoadUnsafe(ref o, (nuint)f + c0) + (pv * x)).StoreUnsafe(ref o, (nuint)f + c0);
            (Vector.LoadUnsafe(ref o, (nuint)(2 * f) + c0) + (pv * y)).StoreUnsafe(ref o, (nuint)(2 * f) + c0);
            (Vector.LoadUnsafe(ref o, (nuint)(3 * f) + c0) + (pv * z)).StoreUnsafe(ref o, (nuint)(3 * f) + c0);
        }
        for (; ch < f; ch++)
        {
            T s = T.Zero, x = T.Zero, y = T.Zero, z = T.Zero;
            for (int n = 0; n <= nr; n++)
            {
                T ws = weightBiasT[(n * f3) + ch];
                T wv = weightBiasT[(n * f3) + (2 * f) + ch];
                s += sums[n] * ws;
                x += sums[nb + n] * wv;
                y += sums[(2 * nb) + n] * wv;
                z += sums[(3 * nb) + n] * wv;
            }
            T ps = Unsafe.Add(ref phi, ch), pv = Unsafe.Add(ref phi, (2 * f) + ch);
            Unsafe.Add(ref o, ch) += ps * s;
            Unsafe.Add(ref o, f + ch) += pv * x;
            Unsafe.Add(ref o, (2 * f) + ch) += pv * y;
            Unsafe.Add(ref o, (3 * f) + ch) += pv * z;
        }
    }

    /// <summary>
    /// The reverse pass of <see cref="Forward"/> for output gradient <paramref name="g"/> [N, 4F]: writes
    /// <paramref name="dphi"/> [N, 3F] and <paramref name="dv"/> [N, 3F] (when <paramref name="v"/> is not null; each chunk zeroes
    /// its own atoms' rows first) and adds to the
    /// edge-vector gradients <paramref name="dEdge"/> [E, 3], stored from the sender's side: row r (an edge a ← i of atom a)
    /// holds the gradient of its reverse edge's vector R_a − R_i, so each chunk writes its own rows in order
    /// (<see cref="PositionGradient"/> reads them so).
    /// </summary>
    public static void Backward<T>(int f, T[] g, T[] phi, T[]? v, T[] positions, int[] senders, EdgeTopology topology, in Filter<T> filter,
        T[] dphi, T[]? dv, T[] dEdge)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f3 = 3 * f, nr = filter.Radial, maxEdges = topology.MaxChunkEdges;
        var offsets = topology.ReceiverOffsets;
        var chunks = topology.ChunkAtomStarts;
        var flt = filter;
        // One pass over atoms a as senders: edge k = (i <- a) is the reverse of a's own edge r = (a <- i), so the sums into
        // dphi[a] and dv[a] stay in a's chunk, and each edge's gradient is written by one chunk.
        ForChunks(topology.ChunkCount, senders.Length, c =>
        {
            int a0 = chunks[c], a1 = chunks[c + 1], r0 = offsets[a0], ce = offsets[a1] - r0;
            dphi.AsSpan(a0 * f3, (a1 - a0) * f3).Clear();
            dv?.AsSpan(a0 * f3, (a1 - a0) * f3).Clear();
            if (ce == 0) return;
            var geometry = ArrayPool<T>.Shared.Rent(maxEdges * 5);
            var rbf = ArrayPool<T>.Shared.Rent(maxEdges * nr);
            var work = ArrayPool<double>.Shared.Rent(FeatureWorkLength(maxEdges, nr, cos: true));
            var w = ArrayPool<T>.Shared.Rent(maxEdges * f3);
            var dw = ArrayPool<T>.Shared.Rent(maxEdges * f3);
            var drbf = ArrayPool<T>.Shared.Rent(maxEdges * nr);
            var dgeo = ArrayPool<T>.Shared.Rent(maxEdges * 4);
            // Geometry of edge k = (i <- a): the vector R_a − R_i.
            ChunkFeatures(positions, senders, offsets, a0, a1, reverseEdges: true, geometry, rbf, work, cos: true, flt);
            Gemm.Multiply(true, false, ce, f3, nr, rbf.AsSpan(0, ce * nr), flt.WeightT, w.AsSpan(0, ce * f3));
            for (int a = a0; a < a1; a++)
            {
                int aRow = a * f3;
                for (int r = offsets[a]; r < offsets[a + 1]; r++)
                {
                    int i = senders[r], q = (r - r0) * 5;
                    BackwardEdge(f, ref g[i * 4 * f], ref phi[aRow], ref w[(r - r0) * f3], ref flt.Bias[0], geometry[q + 4], geometry[q], geometry[q + 1], geometry[q + 2],
                        ref v is null ? ref Unsafe.NullRef<T>() : ref v[aRow],
                        ref dphi[aRow],
                        ref dv is null ? ref Unsafe.NullRef<T>() : ref dv[aRow],
                        ref dw[(r - r0) * f3],
                        out T dfc, out T dux, out T duy, out T duz);
                    int d = (r - r0) * 4;
                    dgeo[d] = dux;
                    dgeo[d + 1] = duy;
                    dgeo[d + 2] = duz;
                    dgeo[d + 3] = dfc;
                }
            }
            // [R, edges] = W·dwᵀ as dot products of Wᵀ's rows with dw's rows (transposed, so the sums over n below run across edges).
            RowDotProducts.Multiply(nr, ce, f3, flt.WeightT, f3, dw.AsSpan(0, ce * f3), f3, drbf.AsSpan(0, ce * nr), ce);
            EdgeVectorGradients(ce, r0, geometry, dgeo, drbf, work, flt, dEdge, null);
            ArrayPool<T>.Shared.Return(geometry);
            ArrayPool<T>.Shared.Return(rbf);
            ArrayPool<double>.Shared.Return(work);
            ArrayPool<T>.Shared.Return(w);
            ArrayPool<T>.Shared.Return(dw);
            ArrayPool<T>.Shared.Return(drbf);
            ArrayPool<T>.Shared.Return(dgeo);
        });
    }

    /// <summary>
    /// The reverse pass of <see cref="ForwardFirstLayer"/> for the edge vectors only (the first layer's φ and vectors need no
    /// gradient: they depend on the embedding alone), adding to <paramref name="dEdge"/> as <see cref="Backward"/> does.
    /// </summary>
    /// <remarks>
    /// Receiver by receiver: for each sender class c present, A = (g ⊙ φ(c)) against the filter weight and bias, [4, R + 1]
    /// (scalar part, then the three vector rows against the v-s third), once; then every edge's basis gradient, envelope
    /// gradient and unit-vector gradient are dot products of A with its own basis, R + 1 multiply-adds each, instead of the
    /// filter product, the per-edge pass and the radial-basis row dots of <see cref="Backward"/> (~3F·R each per edge).
    /// Each edge's result goes to its reverse's row (the sender-side layout <see cref="PositionGradient"/> reads).
    /// </remarks>
    public static void BackwardFirstLayer<T>(int f, T[] g, T[] classPhi, int classes, int[] atomClass, T[] positions, int[] senders, EdgeTopology topology,
        in Filter<T> filter, T[] dEdge)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f3 = 3 * f, nr = filter.Radial, nb = nr + 1, maxEdges = topology.MaxChunkEdges;
        var offsets = topology.ReceiverOffsets;
        var chunks = topology.ChunkAtomStarts;
        var reverse = topology.Reverse;
        var flt = filter;
        ForChunks(topology.ChunkCount, senders.Length, c =>
        {
            int a0 = chunks[c], a1 = chunks[c + 1], e0 = offsets[a0], ce = offsets[a1] - e0;
            if (ce == 0) return;
            var geometry = ArrayPool<T>.Shared.Rent(maxEdges * 5);
            var rbf = ArrayPool<T>.Shared.Rent(maxEdges * nr);
            var work = ArrayPool<double>.Shared.Rent(FeatureWorkLength(maxEdges, nr, cos: true));
            var drbf = ArrayPool<T>.Shared.Rent(maxEdges * nr);
            var dgeo = ArrayPool<T>.Shared.Rent(maxEdges * 4);
            var a = ArrayPool<T>.Shared.Rent(classes * 4 * nb);
            var done = ArrayPool<bool>.Shared.Rent(classes);
            var present = ArrayPool<int>.Shared.Rent(classes);
            done.AsSpan(0, classes).Clear();
            ChunkFeatures(positions, senders, offsets, a0, a1, reverseEdges: false, geometry, rbf, work, cos: true, flt);
            for (int i = a0; i < a1; i++)
            {
                int count = 0;
                for (int e = offsets[i]; e < offsets[i + 1]; e++)
                {
                    int k = atomClass[senders[e]], le = e - e0, q = le * 5;
                    var ak = a.AsSpan(k * 4 * nb, 4 * nb);
                    if (!done[k])
                    {
                        done[k] = true;
                        present[count++] = k;
                        ClassGradient(f, nr, ref g[i * 4 * f], ref classPhi[k * f3], flt.WeightBiasT, ak);
                    }
                    T fc = geometry[q + 4], ux = geometry[q], uy = geometry[q + 1], uz = geometry[q + 2];
                    // Against the basis (and 1 for the bias): the value terms; against each basis function: its gradient.
                    T s0 = ak[nr], vx = ak[nb + nr], vy = ak[(2 * nb) + nr], vz = ak[(3 * nb) + nr];
                    for (int n = 0; n < nr; n++)
                    {
                        T b = rbf[(n * ce) + le];
                        T an = ak[n], axn = ak[nb + n], ayn = ak[(2 * nb) + n], azn = ak[(3 * nb) + n];
                        s0 += an * b;
                        vx += axn * b;
                        vy += ayn * b;
                        vz += azn * b;
                        drbf[(n * ce) + le] = fc * (an + (ux * axn) + (uy * ayn) + (uz * azn));
                    }
                    int d = le * 4;
                    dgeo[d] = fc * vx;
                    dgeo[d + 1] = fc * vy;
                    dgeo[d + 2] = fc * vz;
                    dgeo[d + 3] = s0 + (ux * vx) + (uy * vy) + (uz * vz);
                }
                for (int p = 0; p < count; p++) done[present[p]] = false;
            }
            EdgeVectorGradients(ce, e0, geometry, dgeo, drbf, work, flt, dEdge, reverse);
            ArrayPool<T>.Shared.Return(geometry);
            ArrayPool<T>.Shared.Return(rbf);
            ArrayPool<double>.Shared.Return(work);
            ArrayPool<T>.Shared.Return(drbf);
            ArrayPool<T>.Shared.Return(dgeo);
            ArrayPool<T>.Shared.Return(a);
            ArrayPool<bool>.Shared.Return(done);
            ArrayPool<int>.Shared.Return(present);
        });
    }

    /// <summary>
    /// A [4, R + 1] of one receiver and sender class: row 0 Σ_ch g_s φ_s(c) W_s[n] (n = R: the bias), rows 1–3
    /// Σ_ch g_vk φ_vs(c) W_vs[n] for k = x, y, z.
    /// </summary>
    private static void ClassGradient<T>(int f, int nr, ref T g, ref T phi, T[] weightBiasT, Span<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f3 = 3 * f, nb = nr + 1;
        Span<T> gps = stackalloc T[f];
        Span<T> gpx = stackalloc T[f];
        Span<T> gpy = stackalloc T[f];
        Span<T> gpz = stackalloc T[f];
        for (int ch = 0; ch < f; ch++)
        {
            T ps = Unsafe.Add(ref phi, ch), pv = Unsafe.Add(ref phi, (2 * f) + ch);
            gps[ch] = Unsafe.Add(ref g, ch) * ps;
            gpx[ch] = Unsafe.Add(ref g, f + ch) * pv;
            gpy[ch] = Unsafe.Add(ref g, (2 * f) + ch) * pv;
            gpz[ch] = Unsafe.Add(ref g, (3 * f) + ch) * pv;
        }
        for (int n = 0; n <= nr; n++)
        {
            ReadOnlySpan<T> ws = weightBiasT.AsSpan(n * f3, f);
            ReadOnlySpan<T> wv = weightBiasT.AsSpan((n * f3) + (2 * f), f);
            a[n] = TP.Dot<T>(gps, ws);
            a[nb + n] = TP.Dot<T>(gpx, wv);
            a[(2 * nb) + n] = TP.Dot<T>(gpy, wv);
            a[(3 * nb) + n] = TP.Dot<T>(gpz, wv);
        }
    }

    /// <summary>
    /// Turns each edge's basis gradient <paramref name="drbf"/> [R, edges], unit-vector and envelope gradients
    /// <paramref name="dgeo"/> [edges, 4] into the gradient of its edge vector, added to <paramref name="dEdge"/> at row
    /// first + index (or, with <paramref name="reverse"/>, at its reverse's row).
    /// </summary>
    private static void EdgeVectorGradients<T>(int ce, int first, T[] geometry, T[] dgeo, T[] drbf, double[] work, in Filter<T> flt, T[] dEdge, int[]? reverse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dr = RadialGradients(ce, drbf, work, flt);
        double p = flt.PiOverCutoff;
        for (int le = 0; le < ce; le++)
        {
            int q = le * 5, d = le * 4, row = reverse is null ? first + le : reverse[first + le];
            double ux = double.CreateChecked(geometry[q]), uy = double.CreateChecked(geometry[q + 1]), uz = double.CreateChecked(geometry[q + 2]);
            double len = double.CreateChecked(geometry[q + 3]);
            // d/dr of fc = (cos(πr/r_c) + 1)/2 is −(π/r_c)/2 · sin(πr/r_c).
            double drTotal = (dr[le] / len) + (double.CreateChecked(dgeo[d + 3]) * (-0.5 * p * Math.Sin(p * len)));
            // u = d/r: the gradient (G_u − (G_u·u)u)/r; r = |d|: dr·u.
            double gx = double.CreateChecked(dgeo[d]), gy = double.CreateChecked(dgeo[d + 1]), gz = double.CreateChecked(dgeo[d + 2]);
            double gu = (gx * ux) + (gy * uy) + (gz * uz);
            dEdge[3 * row] += T.CreateChecked(((gx - (gu * ux)) / len) + (drTotal * ux));
            dEdge[(3 * row) + 1] += T.CreateChecked(((gy - (gu * uy)) / len) + (drTotal * uy));
            dEdge[(3 * row) + 2] += T.CreateChecked(((gz - (gu * uz)) / len) + (drTotal * uz));
        }
    }

    /// <summary>
    /// Gradient of the positions [N, 3] from the gradients of the edge vectors, stored as <see cref="Backward"/> leaves them
    /// (row r of atom a's edge a ← i: the gradient of the vector R_a − R_i of edge i ← a): atom a gets +row r for each of its
    /// edges (it is that vector's head) and −row reverse[r] (the gradient of R_i − R_a, its own edge's vector).
    /// </summary>
    public static void PositionGradient<T>(T[] dEdge, EdgeTopology topology, Span<T> dPositions) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var offsets = topology.ReceiverOffsets;
        var reverse = topology.Reverse;
        int n = offsets.Length - 1;
        for (int a = 0; a < n; a++)
        {
            T x = T.Zero, y = T.Zero, z = T.Zero;
            for (int r = offsets[a]; r < offsets[a + 1]; r++)
            {
                int k = reverse[r];
                x += dEdge[3 * r] - dEdge[3 * k];
                y += dEdge[(3 * r) + 1] - dEdge[(3 * k) + 1];
                z += dEdge[(3 * r) + 2] - dEdge[(3 * k) + 2];
            }
            dPositions[3 * a] = x;
            dPositions[(3 * a) + 1] = y;
            dPositions[(3 * a) + 2] = z;
        }
    }

    /// <summary>
    /// <see cref="FusedPaiNNMessage.BackwardEdge{T}"/> (whose formulas, and comments, this follows term by term) with 512-bit
    /// vectors where the hardware has them and F is a multiple of their width, else that kernel itself.
    /// </summary>
    /// <remarks>The reverse pass does about three times the forward's arithmetic per byte gathered, so here, unlike the
    /// forward's edge loop, twice the width per instruction pays. Its per-edge sums (dfc, du) run across 512-bit lanes,
    /// so their rounding differs from the shared kernel's; the training op keeps that one.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardEdge<T>(int f, ref T g, ref T phi, ref T w, ref T bias, T fc, T ux, T uy, T uz, ref T v,
        ref T dphi, ref T dv, ref T dw, out T dfc, out T dux, out T duy, out T duz)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector512.IsHardwareAccelerated || f % Vector512<T>.Count != 0 || Unsafe.IsNullRef(ref dphi) || Unsafe.IsNullRef(ref dw))
        {
            FusedPaiNNMessage.BackwardEdge(f, ref g, ref phi, ref w, ref bias, fc, ux, uy, uz, ref v, ref dphi, ref dv, ref dw, out dfc, out dux, out duy, out duz);
            return;
        }
        bool hasV = !Unsafe.IsNullRef(ref v), needV = !Unsafe.IsNullRef(ref dv);
        var fcV = Vector512.Create(fc);
        var uxV = Vector512.Create(ux);
        var uyV = Vector512.Create(uy);
        var uzV = Vector512.Create(uz);
        Vector512<T> dfcAcc = default, duxAcc = default, duyAcc = default, duzAcc = default;
        nuint f1 = (nuint)f;
        for (nuint q = 0; q < f1; q += (nuint)Vector512<T>.Count)
        {
            nuint s = q, vv = f1 + q, vs = (2 * f1) + q, g3 = (3 * f1) + q;
            var gs = Vector512.LoadUnsafe(ref g, s);
            var gx = Vector512.LoadUnsafe(ref g, vv);
            var gy = Vector512.LoadUnsafe(ref g, vs);
            var gz = Vector512.LoadUnsafe(ref g, g3);
            var wS = Vector512.LoadUnsafe(ref w, s) + Vector512.LoadUnsafe(ref bias, s);
            var wVs = Vector512.LoadUnsafe(ref w, vs) + Vector512.LoadUnsafe(ref bias, vs);
            var wfcS = wS * fcV;
            var wfcVs = wVs * fcV;
            var pS = Vector512.LoadUnsafe(ref phi, s);
            var pVs = Vector512.LoadUnsafe(ref phi, vs);
            var dxVs = (gx * uxV) + (gy * uyV) + (gz * uzV);
            (Vector512.LoadUnsafe(ref dphi, s) + (gs * wfcS)).StoreUnsafe(ref dphi, s);
            (Vector512.LoadUnsafe(ref dphi, vs) + (dxVs * wfcVs)).StoreUnsafe(ref dphi, vs);
            var dwfcS = gs * pS;
            var dwfcVs = dxVs * pVs;
            var dfcTerm = (dwfcS * wS) + (dwfcVs * wVs);
            (dwfcS * fcV).StoreUnsafe(ref dw, s);
            (dwfcVs * fcV).StoreUnsafe(ref dw, vs);
            if (hasV)
            {
                var wVv = Vector512.LoadUnsafe(ref w, vv) + Vector512.LoadUnsafe(ref bias, vv);
                var wfcVv = wVv * fcV;
                var pVv = Vector512.LoadUnsafe(ref phi, vv);
                var dxVv = (gx * Vector512.LoadUnsafe(ref v, s)) + (gy * Vector512.LoadUnsafe(ref v, vv)) + (gz * Vector512.LoadUnsafe(ref v, vs));
                (Vector512.LoadUnsafe(ref dphi, vv) + (dxVv * wfcVv)).StoreUnsafe(ref dphi, vv);
                var dwfcVv = dxVv * pVv;
                dfcTerm += dwfcVv * wVv;
                (dwfcVv * fcV).StoreUnsafe(ref dw, vv);
                if (needV)
                {
                    var xVv = pVv * wfcVv;
                    (Vector512.LoadUnsafe(ref dv, s) + (xVv * gx)).StoreUnsafe(ref dv, s);
                    (Vector512.LoadUnsafe(ref dv, vv) + (xVv * gy)).StoreUnsafe(ref dv, vv);
                    (Vector512.LoadUnsafe(ref dv, vs) + (xVv * gz)).StoreUnsafe(ref dv, vs);
                }
            }
            else
            {
                // Without vectors the v-v part of the message, and so of its gradient, is zero.
                Vector512<T>.Zero.StoreUnsafe(ref dw, vv);
            }
            dfcAcc += dfcTerm;
            var xVs = pVs * wfcVs;
            duxAcc += gx * xVs;
            duyAcc += gy * xVs;
            duzAcc += gz * xVs;
        }
        dfc = Vector512.Sum(dfcAcc);
        dux = Vector512.Sum(duxAcc);
        duy = Vector512.Sum(duyAcc);
        duz = Vector512.Sum(duzAcc);
    }

    /// <summary>
    /// Geometry and <see cref="Features"/> of the edges of atoms [<paramref name="a0"/>, <paramref name="a1"/>), in edge order:
    /// each edge's vector R_sender − R_receiver, or with <paramref name="reverseEdges"/> its reverse edge's (the chunk's atom
    /// then being the sender: the reverse pass's layout).
    /// </summary>
    private static void ChunkFeatures<T>(T[] positions, int[] senders, int[] offsets, int a0, int a1, bool reverseEdges, T[] geometry, T[] rbf, double[] work,
        bool cos, in Filter<T> filter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int e0 = offsets[a0];
        for (int i = a0; i < a1; i++)
        {
            for (int e = offsets[i]; e < offsets[i + 1]; e++)
            {
                var slots = geometry.AsSpan((e - e0) * 5, 5);
                if (reverseEdges) EdgeVector(positions, senders[e], i, slots);
                else EdgeVector(positions, i, senders[e], slots);
            }
        }
        Features(offsets[a1] - e0, geometry, rbf, work, cos, filter);
    }

    /// <summary>Writes (d_x, d_y, d_z) = R_to − R_from into the first three slots of <paramref name="geometry"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EdgeVector<T>(T[] positions, int from, int to, Span<T> geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        geometry[0] = positions[3 * to] - positions[3 * from];
        geometry[1] = positions[(3 * to) + 1] - positions[3 * from + 1];
        geometry[2] = positions[(3 * to) + 2] - positions[3 * from + 2];
    }

    /// <summary>Length of the double work array of <see cref="Features"/> for up to <paramref name="edges"/> edges.</summary>
    private static int FeatureWorkLength(int edges, int radial, bool cos) => Padded(edges) * (3 + (cos ? 3 * radial : radial));

    /// <summary>Row stride of the work array: the edge count rounded up to whole vectors.</summary>
    private static int Padded(int edges) => (edges + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;

    /// <summary>
    /// Edge features of <paramref name="edges"/> edges whose vectors are in <paramref name="geometry"/> (5 slots per edge): replaces
    /// the vector by the unit vector and fills slot 3 with r = √(|d|² + eps) (the formula and rounding of <c>PaiNN.EdgeFeatures</c>)
    /// and slot 4 with the envelope fc = (cos(πr/r_c) + 1)/2; writes the radial basis sin(nπr/r_c)/r, n = 1 … R, transposed to
    /// <paramref name="rbf"/> [R, edges].
    /// </summary>
    /// <remarks>
    /// One sin and cos of x = πr/r_c per edge, in double; the multiples sin(nx), cos(nx) follow from the Chebyshev recurrence
    /// y(n+1) = 2cos(x)·y(n) − y(n−1), run in double across the chunk's edges (vectorised). Its error, at most about n·2⁻⁵³/sin(x),
    /// stays far below float rounding (and below 10⁻⁹ in double even 10⁻⁶ Å from the cutoff, where fc ≈ 10⁻¹³), so the basis is
    /// the composite path's within rounding, at a fraction of the cost of R float sines per edge.
    /// Layout of <paramref name="work"/> (rows of <see cref="Padded"/> edges): 1/r, sin x, cos x, the basis [R rows]; with
    /// <paramref name="cos"/> also cos(nx) [R rows] and room for <see cref="RadialGradients"/> [R rows].
    /// </remarks>
    private static void Features<T>(int edges, T[] geometry, T[] rbf, double[] work, bool cos, in Filter<T> filter) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = filter.Radial, ep = Padded(edges), basis0 = 3 * ep, cos0 = basis0 + (nr * ep), vc = Vector<double>.Count;
        double p = filter.PiOverCutoff;
        for (int e = 0; e < ep; e++)
        {
            if (e >= edges)
            {
                // Padding lanes: a harmless zero basis (x = 0: sin 0, cos 1).
                work[e] = 0;
                work[(2 * ep) + e] = 0;
                continue;
            }
            int q = e * 5;
            T x = geometry[q], y = geometry[q + 1], z = geometry[q + 2];
            T r = T.Sqrt((x * x) + (y * y) + (z * z) + filter.Eps);
            geometry[q] = x / r;
            geometry[q + 1] = y / r;
            geometry[q + 2] = z / r;
            geometry[q + 3] = r;
            double rd = double.CreateChecked(r);
            work[e] = 1 / rd;
            work[(2 * ep) + e] = p * rd;
        }
        // sin x and cos x of the whole chunk at once (vectorised, within an ulp of Math.SinCos, which is not vectorised).
        TP.Sin<double>(work.AsSpan(2 * ep, ep), work.AsSpan(ep, ep));
        TP.Cos<double>(work.AsSpan(2 * ep, ep), work.AsSpan(2 * ep, ep));
        for (int e = 0; e < edges; e++) geometry[(e * 5) + 4] = T.CreateChecked((work[(2 * ep) + e] + 1) * 0.5);
        ref double w = ref work[0];
        for (int e0 = 0; e0 < ep; e0 += vc)
        {
            var inv = Vector.LoadUnsafe(ref w, (nuint)e0);
            var s1 = Vector.LoadUnsafe(ref w, (nuint)(ep + e0));
            var c1 = Vector.LoadUnsafe(ref w, (nuint)((2 * ep) + e0));
            var twoC = c1 + c1;
            Vector<double> sPrev = Vector<double>.Zero, sCur = s1, cPrev = Vector<double>.One, cCur = c1;
            for (int n = 0; n < nr; n++)
            {
                (sCur * inv).StoreUnsafe(ref w, (nuint)(basis0 + (n * ep) + e0));
                if (cos) cCur.StoreUnsafe(ref w, (nuint)(cos0 + (n * ep) + e0));
                var sNext = (twoC * sCur) - sPrev;
                sPrev = sCur;
                sCur = sNext;
                var cNext = (twoC * cCur) - cPrev;
                cPrev = cCur;
                cCur = cNext;
            }
        }
        for (int n = 0; n < nr; n++) TP.ConvertChecked<double, T>(work.AsSpan(basis0 + (n * ep), edges), rbf.AsSpan(n * edges, edges));
    }

    /// <summary>
    /// Σ_n dE/d(rbf_n) · (ω_n cos(ω_n r) − rbf_n) for every edge (r times the radial derivative through the basis), from the
    /// basis gradient <paramref name="drbf"/> [R, edges] and what <see cref="Features"/> kept in <paramref name="work"/> (with cos);
    /// returned as a span of <paramref name="work"/>.
    /// </summary>
    private static Span<double> RadialGradients<T>(int edges, T[] drbf, double[] work, in Filter<T> filter) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = filter.Radial, ep = Padded(edges), basis0 = 3 * ep, cos0 = basis0 + (nr * ep), grad0 = cos0 + (nr * ep), vc = Vector<double>.Count;
        for (int n = 0; n < nr; n++) TP.ConvertChecked<T, double>(drbf.AsSpan(n * edges, edges), work.AsSpan(grad0 + (n * ep), edges));
        ref double w = ref work[0];
        // The sums run over n in order for every edge; the first row of the work array (1/r, no longer needed) holds them.
        var omega1 = new Vector<double>(filter.PiOverCutoff);
        for (int e0 = 0; e0 < edges; e0 += vc)
        {
            var acc = Vector<double>.Zero;
            for (int n = 0; n < nr; n++)
            {
                var g = Vector.LoadUnsafe(ref w, (nuint)(grad0 + (n * ep) + e0));
                var c = Vector.LoadUnsafe(ref w, (nuint)(cos0 + (n * ep) + e0));
                var b = Vector.LoadUnsafe(ref w, (nuint)(basis0 + (n * ep) + e0));
                acc += g * (((omega1 * (n + 1)) * c) - b);
            }
            acc.StoreUnsafe(ref w, (nuint)e0);
        }
        return work.AsSpan(0, edges);
    }

    private static void ForChunks(int chunkCount, int edges, Action<int> body)
    {
        if (edges < ChunkParallelEdgeThreshold || TensorThreading.MaxThreads <= 1)
        {
            for (int c = 0; c < chunkCount; c++) body(c);
            return;
        }
        SpinningThreadPool.For(chunkCount, body);
    }
}
