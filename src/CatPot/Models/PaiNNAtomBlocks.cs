using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using CatPot.Tensors;
using CatPot.Tensors.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Models;

/// <summary>
/// The atom-wise blocks of one PaiNN layer (the context MLP φ and the update block of <see cref="PaiNN{T}"/>) on plain arrays,
/// outside autodiff, for a chunk of atoms on one thread: the forward pass, and the reverse pass that takes the gradient of a
/// block's output to the gradient of its input (the weights get none: forces need only input gradients).
/// </summary>
/// <remarks>
/// <para>The same formulas as <c>PaiNN.Context</c> and <c>PaiNN.Update</c> (equal within rounding: the bias is the products'
/// starting value here), written out so that the large-system path (<see cref="ChunkedPotentialEvaluator{T}"/>) does three
/// or four products per block and one fused pass over each intermediate, instead of a chain of tensor ops with a recorded
/// graph. Each call works on its own rows and rented buffers, so chunks may run on any thread at once and a chunk's results
/// do not depend on which thread ran it.</para>
/// <para>Layouts: scalars [c, F]; vectors [c, 3, F] (an atom's three Cartesian rows in a row); φ [c, 3F].</para>
/// </remarks>
internal sealed class PaiNNAtomBlocks<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Weights [out, in] as stored (the reverse pass multiplies by them) and transposed [in, out] (the forward pass).
    private readonly T[] _phi1, _phi1T, _phi1Bias, _phi2, _phi2T, _phi2Bias;
    private readonly T[] _uv, _uvT, _a1, _a1T, _a1Bias, _a2, _a2T, _a2Bias;
    private readonly int _f;
    private readonly T _eps;

    /// <summary>Copies layer <paramref name="l"/>'s weights of <paramref name="backbone"/> (call again after they change).</summary>
    public PaiNNAtomBlocks(PaiNN<T> backbone, int l)
    {
        _f = backbone.Features;
        _eps = backbone.EdgeFeatureConstants.Eps;
        var (phi1, phi2, uv, a1, a2) = backbone.AtomBlockLayers(l);
        (_phi1, _phi1T, _phi1Bias) = Weights(phi1);
        (_phi2, _phi2T, _phi2Bias) = Weights(phi2);
        (_uv, _uvT, _) = Weights(uv);
        (_a1, _a1T, _a1Bias) = Weights(a1);
        (_a2, _a2T, _a2Bias) = Weights(a2);
    }

    private static (T[] W, T[] WT, T[] Bias) Weights(LinearLayer<T> layer)
    {
        int o = layer.OutFeatures, i = layer.InFeatures;
        var w = layer.Weight.Data.AsSpan(0, o * i).ToArray();
        return (w, DenseRows.Transposed(w, o, i), layer.Bias is { } b ? b.Data.AsSpan(0, o).ToArray() : new T[o]);
    }

    /// <summary>φ = W₂·silu(W₁·s + b₁) + b₂ of <paramref name="count"/> atoms: <paramref name="s"/> [c, F] → <paramref name="phi"/> [c, 3F].</summary>
    public void ContextForward(int count, ReadOnlySpan<T> s, Span<T> phi)
    {
        int f = _f, f3 = 3 * f;
        var pre = ArrayPool<T>.Shared.Rent(count * f);
        DenseRows.Linear(count, f, f, s, _phi1T, _phi1Bias, pre);
        DenseRows.Silu(pre.AsSpan(0, count * f), pre.AsSpan(0, count * f));
        DenseRows.Linear(count, f3, f, pre, _phi2T, _phi2Bias, phi);
        ArrayPool<T>.Shared.Return(pre);
    }

    /// <summary>Adds to <paramref name="ds"/> [c, F] the gradient of the scalars that reaches them through φ's gradient <paramref name="dphi"/> [c, 3F].</summary>
    public void ContextBackward(int count, ReadOnlySpan<T> s, ReadOnlySpan<T> dphi, Span<T> ds)
    {
        int f = _f, f3 = 3 * f, cf = count * f;
        var pre = ArrayPool<T>.Shared.Rent(cf);
        var gh = ArrayPool<T>.Shared.Rent(cf);
        DenseRows.Linear(count, f, f, s, _phi1T, _phi1Bias, pre);
        Gemm.Multiply(false, false, count, f, f3, T.One, dphi, f3, _phi2, f, T.Zero, gh, f);
        DenseRows.SiluGradient(pre.AsSpan(0, cf), gh.AsSpan(0, cf));
        Gemm.Multiply(false, false, count, f, f, T.One, gh, f, _phi1, f, T.One, ds, f);
        ArrayPool<T>.Shared.Return(pre);
        ArrayPool<T>.Shared.Return(gh);
    }

    /// <summary>
    /// The update block of <paramref name="count"/> atoms with features (<paramref name="s"/>, <paramref name="v"/>) after the
    /// message: writes s + a_sv ⊙ ⟨Uv, Vv⟩ + a_ss to <paramref name="sOut"/> and, unless it is empty, v + a_vv ⊙ Uv to
    /// <paramref name="vOut"/>, where (a_vv, a_sv, a_ss) = W₂·silu(W₁·[s, ‖Vv‖] + b₁) + b₂.
    /// </summary>
    public void UpdateForward(int count, ReadOnlySpan<T> s, ReadOnlySpan<T> v, Span<T> sOut, Span<T> vOut)
    {
        using var w = new UpdateWork(this, count, s, v);
        int f = _f, f2 = 2 * f, f3 = 3 * f;
        for (int a = 0; a < count; a++)
        {
            var uvRow = w.UvAll.AsSpan(3 * a * f2, 3 * f2);
            var aRow = w.A.AsSpan(a * f3, f3);
            UpdateOutputs(f, s.Slice(a * f, f), v.Slice(a * f3, f3), uvRow, aRow, sOut.Slice(a * f, f), vOut.IsEmpty ? default : vOut.Slice(a * f3, f3));
        }
    }

    /// <summary>
    /// The reverse pass of <see cref="UpdateForward"/>: from the gradients of its outputs (<paramref name="gsOut"/> [c, F],
    /// <paramref name="gvOut"/> [c, 3F]) to those of its inputs, written to <paramref name="gs"/> and <paramref name="gv"/>
    /// (which must not overlap the output gradients).
    /// </summary>
    public void UpdateBackward(int count, ReadOnlySpan<T> s, ReadOnlySpan<T> v, ReadOnlySpan<T> gsOut, ReadOnlySpan<T> gvOut, Span<T> gs, Span<T> gv)
    {
        using var w = new UpdateWork(this, count, s, v);
        int f = _f, f2 = 2 * f, f3 = 3 * f;
        var ga = ArrayPool<T>.Shared.Rent(count * f3);
        var gd = ArrayPool<T>.Shared.Rent(count * f);
        var gh = ArrayPool<T>.Shared.Rent(count * f);
        var gctx = ArrayPool<T>.Shared.Rent(count * f2);
        var guv = ArrayPool<T>.Shared.Rent(3 * count * f2);
        // The gradient of a = (a_vv, a_sv, a_ss), and of d = ⟨Uv, Vv⟩ (summed over the three Cartesian rows).
        for (int a = 0; a < count; a++)
        {
            var uvRow = w.UvAll.AsSpan(3 * a * f2, 3 * f2);
            var aRow = w.A.AsSpan(a * f3, f3);
            var gsRow = gsOut.Slice(a * f, f);
            var gvRow = gvOut.Slice(a * f3, f3);
            var gaRow = ga.AsSpan(a * f3, f3);
            var gdRow = gd.AsSpan(a * f, f);
            int c = 0;
            for (; c <= f - Vector<T>.Count; c += Vector<T>.Count)
            {
                var u0 = new Vector<T>(uvRow[c..]);
                var u1 = new Vector<T>(uvRow[(f2 + c)..]);
                var u2 = new Vector<T>(uvRow[((2 * f2) + c)..]);
                var d = (u0 * new Vector<T>(uvRow[(f + c)..])) + (u1 * new Vector<T>(uvRow[(f2 + f + c)..])) + (u2 * new Vector<T>(uvRow[((2 * f2) + f + c)..]));
                var g = new Vector<T>(gsRow[c..]);
                ((new Vector<T>(gvRow[c..]) * u0) + (new Vector<T>(gvRow[(f + c)..]) * u1) + (new Vector<T>(gvRow[((2 * f) + c)..]) * u2)).CopyTo(gaRow[c..]);
                (g * d).CopyTo(gaRow[(f + c)..]);
                g.CopyTo(gaRow[((2 * f) + c)..]);
                (g * new Vector<T>(aRow[(f + c)..])).CopyTo(gdRow[c..]);
            }
            for (; c < f; c++)
            {
                T u0 = uvRow[c], u1 = uvRow[f2 + c], u2 = uvRow[(2 * f2) + c];
                T d = (u0 * uvRow[f + c]) + (u1 * uvRow[f2 + f + c]) + (u2 * uvRow[(2 * f2) + f + c]);
                T g = gsRow[c];
                gaRow[c] = (gvRow[c] * u0) + (gvRow[f + c] * u1) + (gvRow[(2 * f) + c] * u2);
                gaRow[f + c] = g * d;
                gaRow[(2 * f) + c] = g;
                gdRow[c] = g * aRow[f + c];
            }
        }
        // Through W₂, silu and W₁ to the context [s, ‖Vv‖].
        Gemm.Multiply(false, false, count, f, f3, T.One, ga, f3, _a2, f, T.Zero, gh, f);
        DenseRows.SiluGradient(w.Pre.AsSpan(0, count * f), gh.AsSpan(0, count * f));
        Gemm.Multiply(false, false, count, f2, f, T.One, gh, f, _a1, f2, T.Zero, gctx, f2);
        // To (Uv, Vv) of every Cartesian row, then through the shared U, V matrix to v; s gets its residual and context parts.
        for (int a = 0; a < count; a++)
        {
            var uvRow = w.UvAll.AsSpan(3 * a * f2, 3 * f2);
            var aRow = w.A.AsSpan(a * f3, f3);
            var gvRow = gvOut.Slice(a * f3, f3);
            var gdRow = gd.AsSpan(a * f, f);
            var gctxRow = gctx.AsSpan(a * f2, f2);
            var normRow = w.Ctx.AsSpan((a * f2) + f, f);
            var guvRow = guv.AsSpan(3 * a * f2, 3 * f2);
            TP.Add(gsOut.Slice(a * f, f), gctxRow[..f], gs.Slice(a * f, f));
            for (int k = 0; k < 3; k++)
            {
                int o = k * f2, c = 0;
                for (; c <= f - Vector<T>.Count; c += Vector<T>.Count)
                {
                    var u = new Vector<T>(uvRow[(o + c)..]);
                    var vv = new Vector<T>(uvRow[(o + f + c)..]);
                    var gdV = new Vector<T>(gdRow[c..]);
                    ((gdV * vv) + (new Vector<T>(gvRow[((k * f) + c)..]) * new Vector<T>(aRow[c..]))).CopyTo(guvRow[(o + c)..]);
                    ((gdV * u) + (new Vector<T>(gctxRow[(f + c)..]) * vv / new Vector<T>(normRow[c..]))).CopyTo(guvRow[(o + f + c)..]);
                }
                for (; c < f; c++)
                {
                    T u = uvRow[o + c], vv = uvRow[o + f + c];
                    guvRow[o + c] = (gdRow[c] * vv) + (gvRow[(k * f) + c] * aRow[c]);
                    guvRow[o + f + c] = (gdRow[c] * u) + (gctxRow[f + c] * vv / normRow[c]);
                }
            }
        }
        gvOut[..(count * f3)].CopyTo(gv);
        Gemm.Multiply(false, false, 3 * count, f, f2, T.One, guv, f2, _uv, f, T.One, gv, f);
        ArrayPool<T>.Shared.Return(ga);
        ArrayPool<T>.Shared.Return(gd);
        ArrayPool<T>.Shared.Return(gh);
        ArrayPool<T>.Shared.Return(gctx);
        ArrayPool<T>.Shared.Return(guv);
    }

    /// <summary>
    /// The update block's intermediates for a chunk: UvAll [3c, 2F] (U·v and V·v of every Cartesian row), Ctx [c, 2F]
    /// (s and ‖Vv‖), Pre [c, F] (W₁·ctx + b₁) and A [c, 3F]; rented, returned on dispose.
    /// </summary>
    private readonly struct UpdateWork : IDisposable
    {
        public readonly T[] UvAll, Ctx, Pre, A;

        public UpdateWork(PaiNNAtomBlocks<T> block, int count, ReadOnlySpan<T> s, ReadOnlySpan<T> v)
        {
            int f = block._f, f2 = 2 * f, f3 = 3 * f;
            UvAll = ArrayPool<T>.Shared.Rent(3 * count * f2);
            Ctx = ArrayPool<T>.Shared.Rent(count * f2);
            Pre = ArrayPool<T>.Shared.Rent(count * f);
            A = ArrayPool<T>.Shared.Rent(count * f3);
            var h = ArrayPool<T>.Shared.Rent(count * f);
            Gemm.Multiply(false, false, 3 * count, f2, f, T.One, v, f, block._uvT, f2, T.Zero, UvAll, f2);
            for (int a = 0; a < count; a++)
            {
                s.Slice(a * f, f).CopyTo(Ctx.AsSpan(a * f2, f));
                var norm = Ctx.AsSpan((a * f2) + f, f);
                int r = 3 * a * f2;
                // As Tensor.Norm: the squares summed over the Cartesian rows in order, plus eps, square-rooted.
                var u = UvAll.AsSpan(r, 3 * f2);
                var eps = new Vector<T>(block._eps);
                int c = 0;
                for (; c <= f - Vector<T>.Count; c += Vector<T>.Count)
                {
                    var x = new Vector<T>(u[(f + c)..]);
                    var y = new Vector<T>(u[(f2 + f + c)..]);
                    var z = new Vector<T>(u[((2 * f2) + f + c)..]);
                    Vector.SquareRoot((x * x) + (y * y) + (z * z) + eps).CopyTo(norm[c..]);
                }
                for (; c < f; c++)
                {
                    T x = UvAll[r + f + c], y = UvAll[r + f2 + f + c], z = UvAll[r + (2 * f2) + f + c];
                    norm[c] = T.Sqrt((x * x) + (y * y) + (z * z) + block._eps);
                }
            }
            DenseRows.Linear(count, f, f2, Ctx, block._a1T, block._a1Bias, Pre);
            DenseRows.Silu(Pre.AsSpan(0, count * f), h.AsSpan(0, count * f));
            DenseRows.Linear(count, f3, f, h, block._a2T, block._a2Bias, A);
            ArrayPool<T>.Shared.Return(h);
        }

        public void Dispose()
        {
            ArrayPool<T>.Shared.Return(UvAll);
            ArrayPool<T>.Shared.Return(Ctx);
            ArrayPool<T>.Shared.Return(Pre);
            ArrayPool<T>.Shared.Return(A);
        }
    }

    /// <summary>One atom's outputs from its (U·v, V·v) rows [3, 2F] and a = (a_vv, a_sv, a_ss).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateOutputs(int f, ReadOnlySpan<T> s, ReadOnlySpan<T> v, ReadOnlySpan<T> uv, ReadOnlySpan<T> a, Span<T> sOut, Span<T> vOut)
    {
        int f2 = 2 * f, c = 0;
        for (; c <= f - Vector<T>.Count; c += Vector<T>.Count)
        {
            var u0 = new Vector<T>(uv[c..]);
            var u1 = new Vector<T>(uv[(f2 + c)..]);
            var u2 = new Vector<T>(uv[((2 * f2) + c)..]);
            var d = (u0 * new Vector<T>(uv[(f + c)..])) + (u1 * new Vector<T>(uv[(f2 + f + c)..])) + (u2 * new Vector<T>(uv[((2 * f2) + f + c)..]));
            (new Vector<T>(s[c..]) + (new Vector<T>(a[(f + c)..]) * d) + new Vector<T>(a[((2 * f) + c)..])).CopyTo(sOut[c..]);
            if (!vOut.IsEmpty)
            {
                var avv = new Vector<T>(a[c..]);
                (new Vector<T>(v[c..]) + (avv * u0)).CopyTo(vOut[c..]);
                (new Vector<T>(v[(f + c)..]) + (avv * u1)).CopyTo(vOut[(f + c)..]);
                (new Vector<T>(v[((2 * f) + c)..]) + (avv * u2)).CopyTo(vOut[((2 * f) + c)..]);
            }
        }
        for (; c < f; c++)
        {
            T u0 = uv[c], u1 = uv[f2 + c], u2 = uv[(2 * f2) + c];
            T d = (u0 * uv[f + c]) + (u1 * uv[f2 + f + c]) + (u2 * uv[(2 * f2) + f + c]);
            sOut[c] = s[c] + (a[f + c] * d) + a[(2 * f) + c];
            if (!vOut.IsEmpty)
            {
                T avv = a[c];
                vOut[c] = v[c] + (avv * u0);
                vOut[f + c] = v[f + c] + (avv * u1);
                vOut[(2 * f) + c] = v[(2 * f) + c] + (avv * u2);
            }
        }
    }
}
