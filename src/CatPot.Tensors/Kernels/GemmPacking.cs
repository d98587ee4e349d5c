using System.Runtime.CompilerServices;

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
                for (int i = 0; i < rows; i++)
                {
                    T* src = a + (((nint)i0 + r0 + i) * lda) + p0;
                    T* di = d + i;
                    for (int p = 0; p < kc; p++)
                    {
                        di[(nint)p * mr] = src[p];
                    }
                }

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
                for (int j = 0; j < cols; j++)
                {
                    T* src = b + (((nint)j0 + c0 + j) * ldb) + p0;
                    T* dj = d + j;
                    for (int p = 0; p < kc; p++)
                    {
                        dj[(nint)p * nr] = src[p];
                    }
                }

                ZeroRows(d, cols, nr, kc);
            }
        }
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
