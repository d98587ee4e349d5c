using System.Numerics;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// Writes the valid part of a partially filled register tile (at the right or bottom edge of C).
/// </summary>
internal static unsafe class GemmTileStore
{
    /// <summary>
    /// C[i, j] = alpha·tile[i, j] + beta·C[i, j] for i &lt; <paramref name="mr"/>, j &lt; <paramref name="nr"/>.
    /// </summary>
    /// <remarks>
    /// Uses the same operations as the full-tile vector store (scale, then one fused multiply-add with beta),
    /// so an element's value does not depend on whether its tile was full or partial.
    /// </remarks>
    public static void MergeEdge<T>(T* tile, int tileStride, T* c, int ldc, T alpha, T beta, int mr, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool scale = alpha != T.One;
        bool readC = !T.IsZero(beta);
        for (int i = 0; i < mr; i++)
        {
            T* src = tile + (i * (nint)tileStride);
            T* dst = c + (i * (nint)ldc);
            for (int j = 0; j < nr; j++)
            {
                T s = scale ? alpha * src[j] : src[j];
                dst[j] = readC ? T.FusedMultiplyAdd(beta, dst[j], s) : s;
            }
        }
    }
}
