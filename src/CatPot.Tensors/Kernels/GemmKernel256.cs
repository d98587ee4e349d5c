using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// Register-tiled GEMM micro-kernel on Vector256: a 6-row by two-vector tile of C stays in registers
/// (12 accumulators) while the packed panels of A and B stream through it, one fused multiply-add per
/// accumulator per step of k.
/// </summary>
/// <remarks>
/// The tile shape is chosen so accumulators plus two B vectors and one broadcast fit the register file
/// (16 ymm registers with AVX2).
/// Every C element is the same fused chain over k regardless of where its tile sits, which keeps results
/// independent of how the output is split between threads.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class GemmKernel256
{
    /// <summary>Rows of the register tile (MR).</summary>
    public const int Rows = 6;

    /// <summary>Columns of the register tile (NR) for element type <typeparamref name="T"/>.</summary>
    public static int Columns<T>() => 2 * Vector256<T>.Count;

    /// <summary>6×(2·Vector256&lt;T&gt;.Count) tile: C tile = alpha·(Ã·B̃) + beta·C from a packed A panel and a B panel of depth <paramref name="kc"/> whose rows are <paramref name="bStride"/> elements apart (2·Count when packed; the row stride of B when B is read in place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T>(int kc, T* a, T* b, nint bStride, T* c, int ldc, T alpha, T beta, int mr, int nr, T* scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count;
        Vector256<T> c0a = default, c0b = default;
        Vector256<T> c1a = default, c1b = default;
        Vector256<T> c2a = default, c2b = default;
        Vector256<T> c3a = default, c3b = default;
        Vector256<T> c4a = default, c4b = default;
        Vector256<T> c5a = default, c5b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + w);
            Vector256<T> a0 = Vector256.Create(a[0]);
            c0a = Fma(a0, b0, c0a);
            c0b = Fma(a0, b1, c0b);
            Vector256<T> a1 = Vector256.Create(a[1]);
            c1a = Fma(a1, b0, c1a);
            c1b = Fma(a1, b1, c1b);
            Vector256<T> a2 = Vector256.Create(a[2]);
            c2a = Fma(a2, b0, c2a);
            c2b = Fma(a2, b1, c2b);
            Vector256<T> a3 = Vector256.Create(a[3]);
            c3a = Fma(a3, b0, c3a);
            c3b = Fma(a3, b1, c3b);
            Vector256<T> a4 = Vector256.Create(a[4]);
            c4a = Fma(a4, b0, c4a);
            c4b = Fma(a4, b1, c4b);
            Vector256<T> a5 = Vector256.Create(a[5]);
            c5a = Fma(a5, b0, c5a);
            c5b = Fma(a5, b1, c5b);
            a += 6;
            b += bStride;
        }

        if (mr == 6 && nr == 2 * w)
        {
            bool scale = alpha != T.One;
            bool readC = !T.IsZero(beta);
            StoreRow(c + (0 * (nint)ldc), c0a, c0b, alpha, beta, scale, readC);
            StoreRow(c + (1 * (nint)ldc), c1a, c1b, alpha, beta, scale, readC);
            StoreRow(c + (2 * (nint)ldc), c2a, c2b, alpha, beta, scale, readC);
            StoreRow(c + (3 * (nint)ldc), c3a, c3b, alpha, beta, scale, readC);
            StoreRow(c + (4 * (nint)ldc), c4a, c4b, alpha, beta, scale, readC);
            StoreRow(c + (5 * (nint)ldc), c5a, c5b, alpha, beta, scale, readC);
            return;
        }

        // Edge tile: spill the raw sums, then merge only the valid part with the same formula as StoreRow.
        c0a.Store(scratch + (0 * 2 * w)); c0b.Store(scratch + (0 * 2 * w) + w);
        c1a.Store(scratch + (1 * 2 * w)); c1b.Store(scratch + (1 * 2 * w) + w);
        c2a.Store(scratch + (2 * 2 * w)); c2b.Store(scratch + (2 * 2 * w) + w);
        c3a.Store(scratch + (3 * 2 * w)); c3b.Store(scratch + (3 * 2 * w) + w);
        c4a.Store(scratch + (4 * 2 * w)); c4b.Store(scratch + (4 * 2 * w) + w);
        c5a.Store(scratch + (5 * 2 * w)); c5b.Store(scratch + (5 * 2 * w) + w);
        if (nr == 2 * w)
        {
            // Full width, fewer rows (bottom edge): vector stores row by row are still exact.
            bool scaleEdge = alpha != T.One;
            bool readCEdge = !T.IsZero(beta);
            for (int i = 0; i < mr; i++)
            {
                T* row = scratch + (i * 2 * w);
                StoreRow(c + (i * (nint)ldc), Vector256.Load(row), Vector256.Load(row + w), alpha, beta, scaleEdge, readCEdge);
            }

            return;
        }

        GemmTileStore.MergeEdge(scratch, 2 * w, c, ldc, alpha, beta, mr, nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(T* dst, Vector256<T> x, Vector256<T> y, T alpha, T beta, bool scale, bool readC)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count;
        if (scale)
        {
            Vector256<T> av = Vector256.Create(alpha);
            x *= av;
            y *= av;
        }

        if (readC)
        {
            // beta·C + alpha·sum as one fused operation, matching GemmTileStore.MergeEdge bit for bit.
            Vector256<T> bv = Vector256.Create(beta);
            x = Fma(bv, Vector256.Load(dst), x);
            y = Fma(bv, Vector256.Load(dst + w), y);
        }

        x.Store(dst);
        y.Store(dst + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
        }

        return (x * y) + z;
    }
}
