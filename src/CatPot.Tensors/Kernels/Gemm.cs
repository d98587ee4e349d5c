using System.Numerics;

namespace CatPot.Tensors.Kernels;

/// <summary>General matrix multiply C = alpha·op(A)·op(B) + beta·C on row-major spans. (Placeholder: scalar loops.)</summary>
public static class Gemm
{
    /// <summary>C[m×n] = alpha·op(A)·op(B) + beta·C with row strides lda, ldb, ldc.</summary>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T s = T.Zero;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[(p * lda) + i] : a[(i * lda) + p]) * (transB ? b[(j * ldb) + p] : b[(p * ldb) + j]);
                c[(i * ldc) + j] = (alpha * s) + (beta == T.Zero ? T.Zero : beta * c[(i * ldc) + j]);
            }
    }

    /// <summary>C = op(A)·op(B) (or C += when <paramref name="accumulate"/>), packed strides.</summary>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Multiply(transA, transB, m, n, k, T.One, a, transA ? m : k, b, transB ? k : n, accumulate ? T.One : T.Zero, c, n);
}
