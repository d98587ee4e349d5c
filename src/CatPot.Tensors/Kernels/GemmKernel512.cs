using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// Register-tiled GEMM micro-kernel on Vector512: a 12-row by two-vector tile of C stays in registers
/// (24 accumulators) while the packed panels of A and B stream through it, one fused multiply-add per
/// accumulator per step of k.
/// </summary>
/// <remarks>
/// The tile shape is chosen so accumulators plus two B vectors and one broadcast fit the register file
/// (32 zmm registers with AVX-512).
/// Every C element is the same fused chain over k regardless of where its tile sits, which keeps results
/// independent of how the output is split between threads.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class GemmKernel512
{
    /// <summary>Rows of the register tile (MR).</summary>
    public const int Rows = 12;

    /// <summary>Columns of the register tile (NR) for element type <typeparamref name="T"/>.</summary>
    public static int Columns<T>() => 2 * Vector512<T>.Count;

    /// <summary>12×(2·Vector512&lt;T&gt;.Count) tile: C tile = alpha·(Ã·B̃) + beta·C from a packed A panel and a B panel of depth <paramref name="kc"/> whose rows are <paramref name="bStride"/> elements apart (2·Count when packed; the row stride of B when B is read in place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T>(int kc, T* a, T* b, nint bStride, T* c, int ldc, T alpha, T beta, int mr, int nr, T* scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        Vector512<T> c0a = default, c0b = default;
        Vector512<T> c1a = default, c1b = default;
        Vector512<T> c2a = default, c2b = default;
        Vector512<T> c3a = default, c3b = default;
        Vector512<T> c4a = default, c4b = default;
        Vector512<T> c5a = default, c5b = default;
        Vector512<T> c6a = default, c6b = default;
        Vector512<T> c7a = default, c7b = default;
        Vector512<T> c8a = default, c8b = default;
        Vector512<T> c9a = default, c9b = default;
        Vector512<T> c10a = default, c10b = default;
        Vector512<T> c11a = default, c11b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<T> b0 = Vector512.Load(b);
            Vector512<T> b1 = Vector512.Load(b + w);
            Vector512<T> a0 = Vector512.Create(a[0]);
            c0a = Fma(a0, b0, c0a);
            c0b = Fma(a0, b1, c0b);
            Vector512<T> a1 = Vector512.Create(a[1]);
            c1a = Fma(a1, b0, c1a);
            c1b = Fma(a1, b1, c1b);
            Vector512<T> a2 = Vector512.Create(a[2]);
            c2a = Fma(a2, b0, c2a);
            c2b = Fma(a2, b1, c2b);
            Vector512<T> a3 = Vector512.Create(a[3]);
            c3a = Fma(a3, b0, c3a);
            c3b = Fma(a3, b1, c3b);
            Vector512<T> a4 = Vector512.Create(a[4]);
            c4a = Fma(a4, b0, c4a);
            c4b = Fma(a4, b1, c4b);
            Vector512<T> a5 = Vector512.Create(a[5]);
            c5a = Fma(a5, b0, c5a);
            c5b = Fma(a5, b1, c5b);
            Vector512<T> a6 = Vector512.Create(a[6]);
            c6a = Fma(a6, b0, c6a);
            c6b = Fma(a6, b1, c6b);
            Vector512<T> a7 = Vector512.Create(a[7]);
            c7a = Fma(a7, b0, c7a);
            c7b = Fma(a7, b1, c7b);
            Vector512<T> a8 = Vector512.Create(a[8]);
            c8a = Fma(a8, b0, c8a);
            c8b = Fma(a8, b1, c8b);
            Vector512<T> a9 = Vector512.Create(a[9]);
            c9a = Fma(a9, b0, c9a);
            c9b = Fma(a9, b1, c9b);
            Vector512<T> a10 = Vector512.Create(a[10]);
            c10a = Fma(a10, b0, c10a);
            c10b = Fma(a10, b1, c10b);
            Vector512<T> a11 = Vector512.Create(a[11]);
            c11a = Fma(a11, b0, c11a);
            c11b = Fma(a11, b1, c11b);
            a += 12;
            b += bStride;
        }

        if (mr == 12 && nr == 2 * w)
        {
            bool scale = alpha != T.One;
            bool readC = !T.IsZero(beta);
            StoreRow(c + (0 * (nint)ldc), c0a, c0b, alpha, beta, scale, readC);
            StoreRow(c + (1 * (nint)ldc), c1a, c1b, alpha, beta, scale, readC);
            StoreRow(c + (2 * (nint)ldc), c2a, c2b, alpha, beta, scale, readC);
            StoreRow(c + (3 * (nint)ldc), c3a, c3b, alpha, beta, scale, readC);
            StoreRow(c + (4 * (nint)ldc), c4a, c4b, alpha, beta, scale, readC);
            StoreRow(c + (5 * (nint)ldc), c5a, c5b, alpha, beta, scale, readC);
            StoreRow(c + (6 * (nint)ldc), c6a, c6b, alpha, beta, scale, readC);
            StoreRow(c + (7 * (nint)ldc), c7a, c7b, alpha, beta, scale, readC);
            StoreRow(c + (8 * (nint)ldc), c8a, c8b, alpha, beta, scale, readC);
            StoreRow(c + (9 * (nint)ldc), c9a, c9b, alpha, beta, scale, readC);
            StoreRow(c + (10 * (nint)ldc), c10a, c10b, alpha, beta, scale, readC);
            StoreRow(c + (11 * (nint)ldc), c11a, c11b, alpha, beta, scale, readC);
            return;
        }

        // Edge tile: spill the raw sums, then merge only the valid part with the same formula as StoreRow.
        c0a.Store(scratch + (0 * 2 * w)); c0b.Store(scratch + (0 * 2 * w) + w);
        c1a.Store(scratch + (1 * 2 * w)); c1b.Store(scratch + (1 * 2 * w) + w);
        c2a.Store(scratch + (2 * 2 * w)); c2b.Store(scratch + (2 * 2 * w) + w);
        c3a.Store(scratch + (3 * 2 * w)); c3b.Store(scratch + (3 * 2 * w) + w);
        c4a.Store(scratch + (4 * 2 * w)); c4b.Store(scratch + (4 * 2 * w) + w);
        c5a.Store(scratch + (5 * 2 * w)); c5b.Store(scratch + (5 * 2 * w) + w);
        c6a.Store(scratch + (6 * 2 * w)); c6b.Store(scratch + (6 * 2 * w) + w);
        c7a.Store(scratch + (7 * 2 * w)); c7b.Store(scratch + (7 * 2 * w) + w);
        c8a.Store(scratch + (8 * 2 * w)); c8b.Store(scratch + (8 * 2 * w) + w);
        c9a.Store(scratch + (9 * 2 * w)); c9b.Store(scratch + (9 * 2 * w) + w);
        c10a.Store(scratch + (10 * 2 * w)); c10b.Store(scratch + (10 * 2 * w) + w);
        c11a.Store(scratch + (11 * 2 * w)); c11b.Store(scratch + (11 * 2 * w) + w);
        if (nr == 2 * w)
        {
            // Full width, fewer rows (bottom edge): vector stores row by row are still exact.
            bool scaleEdge = alpha != T.One;
            bool readCEdge = !T.IsZero(beta);
            for (int i = 0; i < mr; i++)
            {
                T* row = scratch + (i * 2 * w);
                StoreRow(c + (i * (nint)ldc), Vector512.Load(row), Vector512.Load(row + w), alpha, beta, scaleEdge, readCEdge);
            }

            return;
        }

        GemmTileStore.MergeEdge(scratch, 2 * w, c, ldc, alpha, beta, mr, nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(T* dst, Vector512<T> x, Vector512<T> y, T alpha, T beta, bool scale, bool readC)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        if (scale)
        {
            Vector512<T> av = Vector512.Create(alpha);
            x *= av;
            y *= av;
        }

        if (readC)
        {
            // beta·C + alpha·sum as one fused operation, matching GemmTileStore.MergeEdge bit for bit.
            Vector512<T> bv = Vector512.Create(beta);
            x = Fma(bv, Vector512.Load(dst), x);
            y = Fma(bv, Vector512.Load(dst + w), y);
        }

        x.Store(dst);
        y.Store(dst + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
        }

        return (x * y) + z;
    }
}
