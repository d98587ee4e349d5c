using System.Numerics;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// General matrix multiply on row-major spans: C = alpha·op(A)·op(B) + beta·C, with op(X) = X or Xᵀ.
/// </summary>
/// <remarks>
/// <para>Cache-blocked with packed panels and a register-tiled fused multiply-add micro-kernel on
/// Vector512 (AVX-512F) or Vector256 (AVX2), falling back to scalar code when hardware intrinsics are off.
/// See <see cref="ActiveKernel"/>.</para>
/// <para>Large products run on up to <see cref="TensorThreading.MaxThreads"/> threads by splitting C into
/// disjoint blocks; the k-reduction is never split, so results are bit-identical for every thread count.
/// Small products (m·n·k below <see cref="ParallelThreshold"/>) stay on the calling thread.</para>
/// <para>As in BLAS, beta = 0 overwrites C without reading it (NaN in C does not propagate).</para>
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>Products with m·n·k below this run single-threaded: dispatch costs more than it saves.</summary>
    /// <remarks>About 0.25 MFLOP (a few microseconds on one core): work is handed to <see cref="SpinningThreadPool"/>
    /// helpers, which pick it up within about a microsecond while they are polling, and the caller never waits for a
    /// sleeping helper to wake (it claims the chunks itself).</remarks>
    public const long ParallelThreshold = 1L << 17;

    /// <summary>Name of the micro-kernel this process uses, e.g. "Vector512 12x2", for logs and benchmarks.</summary>
    public static string ActiveKernel => GemmKernelSelection.Current switch
    {
        GemmKernelPath.Vector512 => $"Vector512 {GemmKernel512.Rows}x2",
        GemmKernelPath.Vector256 => $"Vector256 {GemmKernel256.Rows}x2",
        _ => $"Scalar {GemmKernelScalar.Rows}x{GemmKernelScalar.Columns}",
    };

    /// <summary>
    /// C[m×n] = alpha·op(A)·op(B) + beta·C with explicit row strides.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="transA">Use Aᵀ: A is stored k×m instead of m×k.</param>
    /// <param name="transB">Use Bᵀ: B is stored n×k instead of k×n.</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A) = rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A in elements (≥ k, or ≥ m when <paramref name="transA"/>).</param>
    /// <param name="b">B, row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B in elements (≥ n, or ≥ k when <paramref name="transB"/>).</param>
    /// <param name="beta">Scale of the existing C; 0 ignores C's previous contents.</param>
    /// <param name="c">C, row-major with row stride <paramref name="ldc"/>.</param>
    /// <param name="ldc">Row stride of C in elements (≥ n).</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or a stride is too small.</exception>
    /// <exception cref="ArgumentException">A span is too short for its dimensions and stride.</exception>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        CheckOperand(nameof(a), a.Length, aRows, aCols, lda, nameof(lda));
        CheckOperand(nameof(b), b.Length, bRows, bCols, ldb, nameof(ldb));
        CheckOperand(nameof(c), c.Length, m, n, ldc, nameof(ldc));
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0 || T.IsZero(alpha))
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            long work = (long)m * n * k;
            int threads = TensorThreading.MaxThreads;
            if (threads > 1 && work >= ParallelThreshold)
            {
                var job = new GemmParallelJob<T>(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, threads);
                if (job.Chunks > 1)
                {
                    SpinningThreadPool.For(job.Chunks, job.RunChunk);
                    return;
                }
            }

            GemmBlockedDriver.Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    /// <summary>
    /// C[m×n] = op(A)·op(B) (or C += op(A)·op(B) when <paramref name="accumulate"/>) on densely packed matrices:
    /// lda = transA ? m : k, ldb = transB ? k : n, ldc = n.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="transA">Use Aᵀ: A is stored k×m instead of m×k.</param>
    /// <param name="transB">Use Bᵀ: B is stored n×k instead of k×n.</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A) = rows of op(B).</param>
    /// <param name="a">A, densely packed row-major.</param>
    /// <param name="b">B, densely packed row-major.</param>
    /// <param name="c">C, densely packed row-major m×n.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span is too short for its dimensions.</exception>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Multiply(transA, transB, m, n, k, T.One, a, transA ? m : k, b, transB ? k : n,
            accumulate ? T.One : T.Zero, c, n);
    }

    private static void CheckOperand(string name, int length, int rows, int cols, int stride, string strideName)
    {
        if (stride < Math.Max(1, cols))
        {
            throw new ArgumentOutOfRangeException(strideName, stride,
                $"Row stride of '{name}' must be at least its column count {cols} (and at least 1).");
        }

        long needed = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * stride) + cols;
        if (length < needed)
        {
            throw new ArgumentException(
                $"Span '{name}' has {length} elements but a {rows}×{cols} matrix with row stride {stride} needs {needed}.",
                name);
        }
    }

    private static void ScaleC<T>(int m, int n, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            if (T.IsZero(beta))
            {
                row.Clear();
            }
            else if (beta != T.One)
            {
                for (int j = 0; j < n; j++)
                {
                    row[j] *= beta;
                }
            }
        }
    }
}
