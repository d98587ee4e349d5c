using System.Numerics;
using System.Runtime.CompilerServices;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// Portable 4×4 GEMM micro-kernel in scalar arithmetic, used when hardware intrinsics are unavailable or disabled.
/// </summary>
/// <remarks>
/// Uses multiply-then-add rather than fused multiply-add because without hardware intrinsics the fused
/// operation is emulated in software and would be far slower.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class GemmKernelScalar
{
    /// <summary>Rows of the register tile (MR).</summary>
    public const int Rows = 4;

    /// <summary>Columns of the register tile (NR).</summary>
    public const int Columns = 4;

    /// <summary>4×4 tile: C tile = alpha·(Ã·B̃) + beta·C from a packed A panel and a B panel of depth <paramref name="kc"/> whose rows are <paramref name="bStride"/> elements apart.</summary>
    public static void Run<T>(int kc, T* a, T* b, nint bStride, T* c, int ldc, T alpha, T beta, int mr, int nr, T* scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero;
        T c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero;
        T c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            T b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            T a0 = a[0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            T a1 = a[1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            T a2 = a[2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            T a3 = a[3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += Rows;
            b += bStride;
        }

        scratch[0] = c00; scratch[1] = c01; scratch[2] = c02; scratch[3] = c03;
        scratch[4] = c10; scratch[5] = c11; scratch[6] = c12; scratch[7] = c13;
        scratch[8] = c20; scratch[9] = c21; scratch[10] = c22; scratch[11] = c23;
        scratch[12] = c30; scratch[13] = c31; scratch[14] = c32; scratch[15] = c33;
        GemmTileStore.MergeEdge(scratch, Columns, c, ldc, alpha, beta, mr, nr);
    }
}
