using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous, zero-padded panel layout the micro-kernels read.
/// Transposition is absorbed here, so one micro-kernel serves all four transpose combinations.
/// </summary>
/// <remarks>
/// Layout of packed A: row strips of <c>mr</c> rows; within a strip, for each p in [0, kc) the <c>mr</c> values
/// op(A)[i, p] are adjacent. Packed B: column strips of <c>nr</c> columns; within a strip, for each p the <c>nr</c>
/// values op(B)[p, j] are adjacent. Rows/columns past the matrix edge are zero so the kernel never branches on them.
/// </remarks>
internal static unsafe class GemmPacking
{
    /// <summary>Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into <paramref name="dst"/> as strips of <paramref name="mr"/> rows.</summary>
    public static void PackA<T>(bool transA, T* a, int lda, int i0, int p0, int mc, int kc, int mr, T* dst)
        where T : unmanaged
    {
        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            int rows = Math.Min(mr, mc - r0);
            T* d = dst + ((nint)r0 * kc);
            if (transA)
            {
                // op(A)[i, p] = A[p, i]: the mr values needed for one p are contiguous in memory.
                T* src = a + ((nint)p0 * lda) + i0 + r0;
                for (int p = 0; p < kc; p++)
                {
                    CopyPadded(src + ((nint)p * lda), d + ((nint)p * mr), rows, mr);
                }
            }
            else
            {
                TransposeRows(a + (((nint)i0 + r0) * lda) + p0, lda, rows, kc, d, mr);

                ZeroRows(d, rows, mr, kc);
            }
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into <paramref name="dst"/> as strips of <paramref name="nr"/> columns.</summary>
    public static void PackB<T>(bool transB, T* b, int ldb, int p0, int j0, int kc, int nc, int nr, T* dst)
        where T : unmanaged
    {
        for (int c0 = 0; c0 < nc; c0 += nr)
        {
            int cols = Math.Min(nr, nc - c0);
            T* d = dst + ((nint)c0 * kc);
            if (!transB)
            {
                // op(B)[p, j] = B[p, j]: the nr values needed for one p are contiguous in memory.
                T* src = b + ((nint)p0 * ldb) + j0 + c0;
                for (int p = 0; p < kc; p++)
                {
                    CopyPadded(src + ((nint)p * ldb), d + ((nint)p * nr), cols, nr);
                }
            }
            else
            {
                TransposeRows(b + (((nint)j0 + c0) * ldb) + p0, ldb, cols, kc, d, nr);

                ZeroRows(d, cols, nr, kc);
            }
        }
    }

    /// <summary>dst[p·dstStride + i] = src[i·srcStride + p] for i &lt; rows, p &lt; count.</summary>
    private static void TransposeRows<T>(T* src, nint srcStride, int rows, int count, T* dst, int dstStride)
        where T : unmanaged
    {
        int i = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported)
        {
            // 8×8 register transposes: fewer shuffles and stores per element than 4×4, which matters when a weight
            // matrix is packed for a product with few rows (a small molecule's x·Wᵀ packs all of W for 21 rows).
            for (; i + 8 <= rows; i += 8)
            {
                float* r0 = (float*)src + (i * srcStride);
                float* d = (float*)dst + i;
                int p = 0;
                for (; p + 8 <= count; p += 8)
                {
                    Transpose8x8(r0 + p, srcStride, d + ((nint)p * dstStride), dstStride);
                }

                for (; p < count; p++)
                {
                    float* dp = d + ((nint)p * dstStride);
                    for (int r = 0; r < 8; r++) dp[r] = r0[(r * srcStride) + p];
                }
            }
        }

        if (typeof(T) == typeof(float) && Sse.IsSupported)
        {
            // 4×4 register transposes: a scalar element-by-element copy with strided stores was the bottleneck of
            // tall products with few output columns (e.g. dX = dY·Wᵀ with 20 columns).
            for (; i + 4 <= rows; i += 4)
            {
                float* r0 = (float*)src + (i * srcStride);
                float* r1 = r0 + srcStride;
                float* r2 = r1 + srcStride;
                float* r3 = r2 + srcStride;
                float* d = (float*)dst + i;
                int p = 0;
                for (; p + 4 <= count; p += 4)
                {
                    Vector128<float> x0 = Vector128.Load(r0 + p);
                    Vector128<float> x1 = Vector128.Load(r1 + p);
                    Vector128<float> x2 = Vector128.Load(r2 + p);
                    Vector128<float> x3 = Vector128.Load(r3 + p);
                    Vector128<float> lo01 = Sse.UnpackLow(x0, x1);
                    Vector128<float> lo23 = Sse.UnpackLow(x2, x3);
                    Vector128<float> hi01 = Sse.UnpackHigh(x0, x1);
                    Vector128<float> hi23 = Sse.UnpackHigh(x2, x3);
                    Sse.MoveLowToHigh(lo01, lo23).Store(d + ((nint)p * dstStride));
                    Sse.MoveHighToLow(lo23, lo01).Store(d + ((nint)(p + 1) * dstStride));
                    Sse.MoveLowToHigh(hi01, hi23).Store(d + ((nint)(p + 2) * dstStride));
                    Sse.MoveHighToLow(hi23, hi01).Store(d + ((nint)(p + 3) * dstStride));
                }

                for (; p < count; p++)
                {
                    float* dp = d + ((nint)p * dstStride);
                    dp[0] = r0[p];
                    dp[1] = r1[p];
                    dp[2] = r2[p];
                    dp[3] = r3[p];
                }
            }
        }

        for (; i < rows; i++)
        {
            T* row = src + (i * srcStride);
            T* di = dst + i;
            for (int p = 0; p < count; p++)
            {
                di[(nint)p * dstStride] = row[p];
            }
        }
    }

    /// <summary>Writes the transpose of the 8×8 block at <paramref name="src"/> (row stride <paramref name="srcStride"/>) to <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> x0 = Vector256.Load(src);
        Vector256<float> x1 = Vector256.Load(src + srcStride);
        Vector256<float> x2 = Vector256.Load(src + (2 * srcStride));
        Vector256<float> x3 = Vector256.Load(src + (3 * srcStride));
        Vector256<float> x4 = Vector256.Load(src + (4 * srcStride));
        Vector256<float> x5 = Vector256.Load(src + (5 * srcStride));
        Vector256<float> x6 = Vector256.Load(src + (6 * srcStride));
        Vector256<float> x7 = Vector256.Load(src + (7 * srcStride));
        Vector256<float> t0 = Avx.UnpackLow(x0, x1);
        Vector256<float> t1 = Avx.UnpackHigh(x0, x1);
        Vector256<float> t2 = Avx.UnpackLow(x2, x3);
        Vector256<float> t3 = Avx.UnpackHigh(x2, x3);
        Vector256<float> t4 = Avx.UnpackLow(x4, x5);
        Vector256<float> t5 = Avx.UnpackHigh(x4, x5);
        Vector256<float> t6 = Avx.UnpackLow(x6, x7);
        Vector256<float> t7 = Avx.UnpackHigh(x6, x7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).Store(dst);
        Avx.Permute2x128(s1, s5, 0x20).Store(dst + dstStride);
        Avx.Permute2x128(s2, s6, 0x20).Store(dst + (2 * dstStride));
        Avx.Permute2x128(s3, s7, 0x20).Store(dst + (3 * dstStride));
        Avx.Permute2x128(s0, s4, 0x31).Store(dst + (4 * dstStride));
        Avx.Permute2x128(s1, s5, 0x31).Store(dst + (5 * dstStride));
        Avx.Permute2x128(s2, s6, 0x31).Store(dst + (6 * dstStride));
        Avx.Permute2x128(s3, s7, 0x31).Store(dst + (7 * dstStride));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPadded<T>(T* src, T* dst, int count, int width)
        where T : unmanaged
    {
        Unsafe.CopyBlockUnaligned(dst, src, (uint)(count * sizeof(T)));
        if (count < width)
        {
            Unsafe.InitBlockUnaligned(dst + count, 0, (uint)((width - count) * sizeof(T)));
        }
    }

    private static void ZeroRows<T>(T* d, int used, int width, int kc)
        where T : unmanaged
    {
        if (used == width)
        {
            return;
        }

        for (int p = 0; p < kc; p++)
        {
            Unsafe.InitBlockUnaligned(d + ((nint)p * width) + used, 0, (uint)((width - used) * sizeof(T)));
        }
    }
}
