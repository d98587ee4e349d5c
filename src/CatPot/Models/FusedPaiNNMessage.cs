using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CatPot.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Models;

/// <summary>
/// The PaiNN message of one layer as one op, without the [E, 3F] and [E, 3, F] intermediates of the composite
/// form. For every receiver i, over its edges e = (i, j) in order:
/// <code>
/// x      = phi[j] ⊙ (w[e] · fc[e])        split into (x_s, x_vv, x_vs)
/// ds[i]  = Σ_e x_s
/// dv[i,c]= Σ_e x_vv ⊙ v[j,c] + x_vs · u[e,c]
/// </code>
/// The result is [N, 4, F]: row 0 is ds, rows 1..3 are dv.
/// </summary>
/// <remarks>
/// The backward rule is hand-written and deterministic: receiver-side sums run over each atom's edges in order,
/// and sender-side sums are gathers through the reverse edge (the edge list is symmetric), so the partition of
/// atoms among threads never changes a result. The rule itself is not recorded: gradients through this op are
/// first order only; use the composite ops when the gradient must be differentiated again (createGraph).
/// </remarks>
internal static class FusedPaiNNMessage
{
    // Below this many edges, thread dispatch costs more than it saves.
    private const int ParallelEdgeThreshold = 4096;

    /// <summary>Runs the op (and records it when an input tracks gradients).</summary>
    /// <param name="phi">Sender context [N, 3F].</param>
    /// <param name="w">Filter without the envelope [E, 3F].</param>
    /// <param name="fc">Cutoff envelope [E, 1].</param>
    /// <param name="u">Unit edge vectors [E, 3].</param>
    /// <param name="v">Vector features [N, 3, F], or null when they are all zero (first layer).</param>
    /// <param name="receivers">Receiver of every edge (ascending).</param>
    /// <param name="senders">Sender of every edge.</param>
    /// <param name="topology">Offsets and reverse edges of this edge list.</param>
    public static Tensor<T> Forward<T>(Tensor<T> phi, Tensor<T> w, Tensor<T> fc, Tensor<T> u, Tensor<T>? v, int[] receivers, int[] senders, EdgeTopology topology)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = topology.ReceiverOffsets.Length - 1, f = phi.Shape[1] / 3;
        var result = new Tensor<T>(n, 4, f);
        T[] phiD = phi.Data, wD = w.Data, fcD = fc.Data, uD = u.Data, outD = result.Data;
        T[]? vD = v?.Data;
        var offsets = topology.ReceiverOffsets;
        ForAtoms(n, receivers.Length, (lo, hi) =>
        {
            for (int i = lo; i < hi; i++)
            {
                ref T o = ref outD[i * 4 * f];
                for (int e = offsets[i]; e < offsets[i + 1]; e++)
                {
                    int j = senders[e];
                    ForwardEdge(f, ref phiD[j * 3 * f], ref wD[e * 3 * f], fcD[e], uD[3 * e], uD[(3 * e) + 1], uD[(3 * e) + 2],
                        ref vD is null ? ref Unsafe.NullRef<T>() : ref vD[j * 3 * f], ref o);
                }
            }
        });

        Tensor<T>[] inputs = v is null ? [phi, w, fc, u] : [phi, w, fc, u, v];
        if (!Autograd.ShouldRecord<T>(inputs)) return result;
        return Autograd.Record(result, "FusedPaiNNMessage", inputs, g => Backward(g, phi, w, fc, u, v, senders, topology));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardEdge<T>(int f, ref T phi, ref T w, T fc, T ux, T uy, T uz, ref T v, ref T o)
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
            var xs = Vector.LoadUnsafe(ref phi, s) * (Vector.LoadUnsafe(ref w, s) * fcV);
            var xvv = Vector.LoadUnsafe(ref phi, vv) * (Vector.LoadUnsafe(ref w, vv) * fcV);
            var xvs = Vector.LoadUnsafe(ref phi, vs) * (Vector.LoadUnsafe(ref w, vs) * fcV);
            (Vector.LoadUnsafe(ref o, s) + xs).StoreUnsafe(ref o, s);
            nuint o1 = (nuint)(f + k), o2 = (nuint)((2 * f) + k), o3 = (nuint)((3 * f) + k);
            var dx = xvs * uxV;
            var dy = xvs * uyV;
            var dz = xvs * uzV;
            if (hasV)
            {
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
            T xs = Unsafe.Add(ref phi, k) * (Unsafe.Add(ref w, k) * fc);
            T xvv = Unsafe.Add(ref phi, f + k) * (Unsafe.Add(ref w, f + k) * fc);
            T xvs = Unsafe.Add(ref phi, (2 * f) + k) * (Unsafe.Add(ref w, (2 * f) + k) * fc);
            Unsafe.Add(ref o, k) += xs;
            T dx = xvs * ux, dy = xvs * uy, dz = xvs * uz;
            if (hasV)
            {
                dx += xvv * Unsafe.Add(ref v, k);
                dy += xvv * Unsafe.Add(ref v, f + k);
                dz += xvv * Unsafe.Add(ref v, (2 * f) + k);
            }
            Unsafe.Add(ref o, f + k) += dx;
            Unsafe.Add(ref o, (2 * f) + k) += dy;
            Unsafe.Add(ref o, (3 * f) + k) += dz;
        }
    }

    private static Tensor<T>?[] Backward<T>(Tensor<T> g, Tensor<T> phi, Tensor<T> w, Tensor<T> fc, Tensor<T> u, Tensor<T>? v, int[] senders, EdgeTopology topology)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Autograd.IsRecording)
            throw new NotSupportedException("FusedPaiNNMessage has a first-order gradient only; run the model's composite message path when the gradient must be differentiated again (createGraph).");
        int n = topology.ReceiverOffsets.Length - 1, f = phi.Shape[1] / 3, e = senders.Length, f3 = 3 * f;
        var offsets = topology.ReceiverOffsets;
        var reverse = topology.Reverse;
        T[] gD = g.Data, phiD = phi.Data, wD = w.Data, fcD = fc.Data, uD = u.Data;
        T[]? vD = v?.Data;
        bool needPhi = phi.TracksGrad, needW = w.TracksGrad, needFc = fc.TracksGrad, needU = u.TracksGrad, needV = v is not null && v.TracksGrad;

        // One pass over atoms as senders: edge k = (i <- a) is reached as the reverse of a's own edge (a <- i), so every
        // sum into dphi[a] and dv[a] runs over a's edges in a fixed order and each edge's dw, dfc, du is written once.
        var dphi = needPhi ? new Tensor<T>(phi.Shape) : null;
        var dv = needV ? new Tensor<T>(v!.Shape) : null;
        var dw = needW ? new Tensor<T>(e, f3) : null;
        var dfc = needFc ? new Tensor<T>(fc.Shape) : null;
        var du = needU ? new Tensor<T>(e, 3) : null;
        T[]? dphiD = dphi?.Data, dvD = dv?.Data, dwD = dw?.Data, dfcD = dfc?.Data, duD = du?.Data;
        ForAtoms(n, e, (lo, hi) =>
        {
            Span<T> dx = stackalloc T[f3];
            Span<T> tmp = stackalloc T[f3];
            for (int a = lo; a < hi; a++)
            {
                var phiA = phiD.AsSpan(a * f3, f3);
                for (int r = offsets[a]; r < offsets[a + 1]; r++)
                {
                    int k = reverse[r], i = senders[r];
                    int gi = i * 4 * f;
                    ReadOnlySpan<T> gx = gD.AsSpan(gi + f, f), gy = gD.AsSpan(gi + (2 * f), f), gz = gD.AsSpan(gi + (3 * f), f);
                    var wk = wD.AsSpan(k * f3, f3);
                    T fck = fcD[k], ux = uD[3 * k], uy = uD[(3 * k) + 1], uz = uD[(3 * k) + 2];

                    // dL/dx of edge k: (gs, sum_c g_c * v[a,c], sum_c g_c * u_c).
                    gD.AsSpan(gi, f).CopyTo(dx);
                    var dvv = dx.Slice(f, f);
                    var dvs = dx.Slice(2 * f, f);
                    if (vD is null) dvv.Clear();
                    else
                    {
                        TP.Multiply(gx, vD.AsSpan(a * f3, f), dvv);
                        TP.MultiplyAdd(gy, vD.AsSpan((a * f3) + f, f), dvv, dvv);
                        TP.MultiplyAdd(gz, vD.AsSpan((a * f3) + (2 * f), f), dvv, dvv);
                    }
                    TP.Multiply(gx, ux, dvs);
                    TP.MultiplyAdd(gy, uy, dvs, dvs);
                    TP.MultiplyAdd(gz, uz, dvs, dvs);

                    if (dphiD is not null)
                    {
                        var dst = dphiD.AsSpan(a * f3, f3);
                        TP.Multiply(dx, wk, tmp);
                        TP.MultiplyAdd(tmp, fck, dst, dst);
                    }
                    if (dwD is not null || dfcD is not null)
                    {
                        TP.Multiply(dx, phiA, tmp);
                        if (dfcD is not null) dfcD[k] = TP.Dot(tmp, wk);
                        if (dwD is not null) TP.Multiply(tmp, fck, dwD.AsSpan(k * f3, f3));
                    }
                    if (dvD is not null || duD is not null)
                    {
                        // x_vv and x_vs of edge k, in the forward's rounding: phi ⊙ (w · fc).
                        TP.Multiply(wk.Slice(f, 2 * f), fck, tmp[..(2 * f)]);
                        TP.Multiply(tmp[..(2 * f)], phiA.Slice(f, 2 * f), tmp[..(2 * f)]);
                        var xvv = tmp[..f];
                        var xvs = tmp.Slice(f, f);
                        if (dvD is not null)
                        {
                            var d0 = dvD.AsSpan(a * f3, f);
                            var d1 = dvD.AsSpan((a * f3) + f, f);
                            var d2 = dvD.AsSpan((a * f3) + (2 * f), f);
                            TP.MultiplyAdd(xvv, gx, d0, d0);
                            TP.MultiplyAdd(xvv, gy, d1, d1);
                            TP.MultiplyAdd(xvv, gz, d2, d2);
                        }
                        if (duD is not null)
                        {
                            duD[3 * k] = TP.Dot(gx, xvs);
                            duD[(3 * k) + 1] = TP.Dot(gy, xvs);
                            duD[(3 * k) + 2] = TP.Dot(gz, xvs);
                        }
                    }
                }
            }
        });
        return v is null ? [dphi, dw, dfc, du] : [dphi, dw, dfc, du, dv];
    }

    /// <summary>Splits atoms into contiguous ranges, one per thread (the same work whatever the split, so results never change).</summary>
    private static void ForAtoms(int atoms, int edges, Action<int, int> body)
    {
        int threads = edges < ParallelEdgeThreshold ? 1 : Math.Min(TensorThreading.MaxThreads, atoms);
        if (threads <= 1)
        {
            body(0, atoms);
            return;
        }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            body((int)((long)atoms * t / threads), (int)((long)atoms * (t + 1) / threads)));
    }
}
