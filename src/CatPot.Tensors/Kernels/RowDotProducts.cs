using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// C = A·Bᵀ as dot products of rows, without packing: for products whose inner dimension is long and whose outputs
/// are few (e.g. a chunk of edges' [edges, 3F] gradient times a [R, 3F] weight, R = 20), where <see cref="Gemm"/> would
/// spend more time transposing the long operand into panels than multiplying.
/// </summary>
/// <remarks>
/// Every C[i, j] is summed in the same order whichever tile computes it: vector-wide partial sums over k in steps of
/// <see cref="Vector{T}.Count"/>, then <see cref="Vector.Sum{T}(Vector{T})"/>, then the scalar tail in order. Results are
/// therefore deterministic but rounded differently from <see cref="Gemm"/>.
/// </remarks>
public static class RowDotProducts
{
    /// <summary>C[i, j] = Σ_p A[i, p]·B[j, p] for i &lt; m, j &lt; n.</summary>
    /// <param name="m">Rows of A and of C.</param>
    /// <param name="n">Rows of B = columns of C.</param>
    /// <param name="k">Length of every row of A and B.</param>
    /// <param name="a">A, row-major with row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A (≥ k).</param>
    /// <param name="b">B, row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B (≥ k).</param>
    /// <param name="c">C, row-major with row stride <paramref name="ldc"/>; overwritten.</param>
    /// <param name="ldc">Row stride of C (≥ n).</param>
    /// <exception cref="ArgumentException">A span is too short or a stride too small for the dimensions.</exception>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0) return;
        if (lda < k || ldb < k || ldc < n) throw new ArgumentException($"RowDotProducts: strides ({lda}, {ldb}, {ldc}) too small for k = {k}, n = {n}.");
        if (a.Length < ((long)(m - 1) * lda) + k || b.Length < ((long)(n - 1) * ldb) + k || c.Length < ((long)(m - 1) * ldc) + n)
            throw new ArgumentException($"RowDotProducts: a span is too short for a {m}×{k} · ({n}×{k})ᵀ product.");

        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            Run<float, Float512>(m, n, k, ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(a)), lda,
                ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(b)), ldb, ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(c)), ldc);
        }
        else
        {
            Run<T, VectorT<T>>(m, n, k, ref MemoryMarshal.GetReference(a), lda, ref MemoryMarshal.GetReference(b), ldb, ref MemoryMarshal.GetReference(c), ldc);
        }
    }

    /// <summary>Full 4-row tiles of the kernel's width, then single dot products for the rows and columns left over.</summary>
    private static void Run<T, TKernel>(int m, int n, int k, ref T a0, int lda, ref T b0, int ldb, ref T c0, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : ITileKernel<T>
    {
        int width = TKernel.TileColumns, i = 0;
        for (; i + 4 <= m; i += 4)
        {
            int j = 0;
            for (; j + width <= n; j += width) TKernel.Tile(k, ref Unsafe.Add(ref a0, i * lda), lda, ref Unsafe.Add(ref b0, j * ldb), ldb, ref Unsafe.Add(ref c0, (i * ldc) + j), ldc);
            for (; j < n; j++)
                for (int r = 0; r < 4; r++)
                    Unsafe.Add(ref c0, ((i + r) * ldc) + j) = TKernel.Dot(k, ref Unsafe.Add(ref a0, (i + r) * lda), ref Unsafe.Add(ref b0, j * ldb));
        }
        for (; i < m; i++)
            for (int j = 0; j < n; j++)
                Unsafe.Add(ref c0, (i * ldc) + j) = TKernel.Dot(k, ref Unsafe.Add(ref a0, i * lda), ref Unsafe.Add(ref b0, j * ldb));
    }

    /// <summary>A register tile of 4 rows of A × <see cref="TileColumns"/> rows of B, and the single dot product summed in the same order.</summary>
    private interface ITileKernel<T>
        where T : unmanaged
    {
        static abstract int TileColumns { get; }

        static abstract void Tile(int k, ref T a, int lda, ref T b, int ldb, ref T c, int ldc);

        static abstract T Dot(int k, ref T x, ref T y);
    }

    /// <summary>Any element type, <see cref="Vector{T}"/> multiplies and adds, tiles of 4 × 2.</summary>
    private readonly struct VectorT<T> : ITileKernel<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int TileColumns => 2;

        /// <summary>Eight dot products: rows i..i+3 of A with rows j, j+1 of B; each B load serves four rows, each A load two.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Tile(int k, ref T a, int lda, ref T b, int ldb, ref T c, int ldc)
        {
            int vc = Vector<T>.Count, p = 0;
            Vector<T> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
            ref T a1 = ref Unsafe.Add(ref a, lda);
            ref T a2 = ref Unsafe.Add(ref a, 2 * lda);
            ref T a3 = ref Unsafe.Add(ref a, 3 * lda);
            ref T b1 = ref Unsafe.Add(ref b, ldb);
            for (; p <= k - vc; p += vc)
            {
                nuint o = (nuint)p;
                var y0 = Vector.LoadUnsafe(ref b, o);
                var y1 = Vector.LoadUnsafe(ref b1, o);
                var x = Vector.LoadUnsafe(ref a, o);
                s00 += x * y0;
                s01 += x * y1;
                x = Vector.LoadUnsafe(ref a1, o);
                s10 += x * y0;
                s11 += x * y1;
                x = Vector.LoadUnsafe(ref a2, o);
                s20 += x * y0;
                s21 += x * y1;
                x = Vector.LoadUnsafe(ref a3, o);
                s30 += x * y0;
                s31 += x * y1;
            }
            c = Finish(s00, p, k, ref a, ref b);
            Unsafe.Add(ref c, 1) = Finish(s01, p, k, ref a, ref b1);
            Unsafe.Add(ref c, ldc) = Finish(s10, p, k, ref a1, ref b);
            Unsafe.Add(ref c, ldc + 1) = Finish(s11, p, k, ref a1, ref b1);
            Unsafe.Add(ref c, 2 * ldc) = Finish(s20, p, k, ref a2, ref b);
            Unsafe.Add(ref c, (2 * ldc) + 1) = Finish(s21, p, k, ref a2, ref b1);
            Unsafe.Add(ref c, 3 * ldc) = Finish(s30, p, k, ref a3, ref b);
            Unsafe.Add(ref c, (3 * ldc) + 1) = Finish(s31, p, k, ref a3, ref b1);
        }

        /// <summary>One dot product, summed in the same order as a tile's.</summary>
        public static T Dot(int k, ref T x, ref T y)
        {
            int vc = Vector<T>.Count, p = 0;
            Vector<T> s = default;
            for (; p <= k - vc; p += vc) s += Vector.LoadUnsafe(ref x, (nuint)p) * Vector.LoadUnsafe(ref y, (nuint)p);
            return Finish(s, p, k, ref x, ref y);
        }

        private static T Finish(Vector<T> partial, int p, int k, ref T x, ref T y)
        {
            T sum = Vector.Sum(partial);
            for (; p < k; p++) sum += Unsafe.Add(ref x, p) * Unsafe.Add(ref y, p);
            return sum;
        }
    }

    /// <summary>float on AVX-512: 16-wide fused multiply-adds, tiles of 4 × 4 (eight loads feed sixteen FMAs).</summary>
    private readonly struct Float512 : ITileKernel<float>
    {
        public static int TileColumns => 4;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Tile(int k, ref float a, int lda, ref float b, int ldb, ref float c, int ldc)
        {
            const int W = 16;
            Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
            Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
            ref float a1 = ref Unsafe.Add(ref a, lda), a2 = ref Unsafe.Add(ref a, 2 * lda), a3 = ref Unsafe.Add(ref a, 3 * lda);
            ref float b1 = ref Unsafe.Add(ref b, ldb), b2 = ref Unsafe.Add(ref b, 2 * ldb), b3 = ref Unsafe.Add(ref b, 3 * ldb);
            int p = 0;
            for (; p <= k - W; p += W)
            {
                nuint o = (nuint)p;
                var y0 = Vector512.LoadUnsafe(ref b, o);
                var y1 = Vector512.LoadUnsafe(ref b1, o);
                var y2 = Vector512.LoadUnsafe(ref b2, o);
                var y3 = Vector512.LoadUnsafe(ref b3, o);
                var x = Vector512.LoadUnsafe(ref a, o);
                s00 = Vector512.FusedMultiplyAdd(x, y0, s00);
                s01 = Vector512.FusedMultiplyAdd(x, y1, s01);
                s02 = Vector512.FusedMultiplyAdd(x, y2, s02);
                s03 = Vector512.FusedMultiplyAdd(x, y3, s03);
                x = Vector512.LoadUnsafe(ref a1, o);
                s10 = Vector512.FusedMultiplyAdd(x, y0, s10);
                s11 = Vector512.FusedMultiplyAdd(x, y1, s11);
                s12 = Vector512.FusedMultiplyAdd(x, y2, s12);
                s13 = Vector512.FusedMultiplyAdd(x, y3, s13);
                x = Vector512.LoadUnsafe(ref a2, o);
                s20 = Vector512.FusedMultiplyAdd(x, y0, s20);
                s21 = Vector512.FusedMultiplyAdd(x, y1, s21);
                s22 = Vector512.FusedMultiplyAdd(x, y2, s22);
                s23 = Vector512.FusedMultiplyAdd(x, y3, s23);
                x = Vector512.LoadUnsafe(ref a3, o);
                s30 = Vector512.FusedMultiplyAdd(x, y0, s30);
                s31 = Vector512.FusedMultiplyAdd(x, y1, s31);
                s32 = Vector512.FusedMultiplyAdd(x, y2, s32);
                s33 = Vector512.FusedMultiplyAdd(x, y3, s33);
            }
            c = Finish(s00, p, k, ref a, ref b);
            Unsafe.Add(ref c, 1) = Finish(s01, p, k, ref a, ref b1);
            Unsafe.Add(ref c, 2) = Finish(s02, p, k, ref a, ref b2);
            Unsafe.Add(ref c, 3) = Finish(s03, p, k, ref a, ref b3);
            ref float c1 = ref Unsafe.Add(ref c, ldc);
            c1 = Finish(s10, p, k, ref a1, ref b);
            Unsafe.Add(ref c1, 1) = Finish(s11, p, k, ref a1, ref b1);
            Unsafe.Add(ref c1, 2) = Finish(s12, p, k, ref a1, ref b2);
            Unsafe.Add(ref c1, 3) = Finish(s13, p, k, ref a1, ref b3);
            ref float c2 = ref Unsafe.Add(ref c, 2 * ldc);
            c2 = Finish(s20, p, k, ref a2, ref b);
            Unsafe.Add(ref c2, 1) = Finish(s21, p, k, ref a2, ref b1);
            Unsafe.Add(ref c2, 2) = Finish(s22, p, k, ref a2, ref b2);
            Unsafe.Add(ref c2, 3) = Finish(s23, p, k, ref a2, ref b3);
            ref float c3 = ref Unsafe.Add(ref c, 3 * ldc);
            c3 = Finish(s30, p, k, ref a3, ref b);
            Unsafe.Add(ref c3, 1) = Finish(s31, p, k, ref a3, ref b1);
            Unsafe.Add(ref c3, 2) = Finish(s32, p, k, ref a3, ref b2);
            Unsafe.Add(ref c3, 3) = Finish(s33, p, k, ref a3, ref b3);
        }

        public static float Dot(int k, ref float x, ref float y)
        {
            const int W = 16;
            Vector512<float> s = default;
            int p = 0;
            for (; p <= k - W; p += W) s = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)p), Vector512.LoadUnsafe(ref y, (nuint)p), s);
            return Finish(s, p, k, ref x, ref y);
        }

        private static float Finish(Vector512<float> partial, int p, int k, ref float x, ref float y)
        {
            float sum = Vector512.Sum(partial);
            for (; p < k; p++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref x, p), Unsafe.Add(ref y, p), sum);
            return sum;
        }
    }
}
