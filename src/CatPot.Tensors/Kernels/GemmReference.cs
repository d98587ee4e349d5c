namespace CatPot.Tensors.Kernels;

/// <summary>
/// Plain triple-loop GEMM used as the test oracle for <see cref="Gemm"/>: same contract, no blocking, no SIMD.
/// </summary>
internal static class GemmReference
{
    /// <summary>C[m×n] = alpha·op(A)·op(B) + beta·C with the same argument meaning as <see cref="Gemm.Multiply{T}(bool, bool, int, int, int, T, ReadOnlySpan{T}, int, ReadOnlySpan{T}, int, T, Span{T}, int)"/>.</summary>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T x = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    T y = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += x * y;
                }

                // BLAS convention: beta == 0 overwrites C without reading it, so NaN/garbage in C is ignored.
                T scaled = alpha * sum;
                c[(i * ldc) + j] = T.IsZero(beta) ? scaled : scaled + (beta * c[(i * ldc) + j]);
            }
        }
    }
}
