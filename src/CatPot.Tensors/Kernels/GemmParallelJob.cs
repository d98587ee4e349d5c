using System.Numerics;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// One multi-threaded GEMM call: C is cut into <see cref="Chunks"/> disjoint blocks of whole register tiles
/// (along rows or along columns), each computed start to finish by one thread with its own packing buffers.
/// </summary>
/// <remarks>
/// The k-reduction is never split, and chunk edges fall on the same tile grid as a single-threaded run, so the
/// output is bit-identical for any thread count. Pointers are raw because the caller keeps the spans pinned for
/// the whole (blocking) call.
/// </remarks>
internal sealed unsafe class GemmParallelJob<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly bool transA;
    private readonly bool transB;
    private readonly int m;
    private readonly int n;
    private readonly int k;
    private readonly T alpha;
    private readonly T* a;
    private readonly int lda;
    private readonly T* b;
    private readonly int ldb;
    private readonly T beta;
    private readonly T* c;
    private readonly int ldc;
    private readonly bool splitRows;
    private readonly int tiles;
    private readonly int tileSize;

    /// <summary>Plans the split of C into at most <paramref name="maxChunks"/> blocks.</summary>
    public GemmParallelJob(bool transA, bool transB, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb,
        T beta, T* c, int ldc, int maxChunks)
    {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.a = a;
        this.lda = lda;
        this.b = b;
        this.ldb = ldb;
        this.beta = beta;
        this.c = c;
        this.ldc = ldc;
        int mr = GemmBlockedDriver.TileRows;
        int nr = GemmBlockedDriver.TileColumns<T>();
        int rowTiles = (m + mr - 1) / mr;
        int columnTiles = (n + nr - 1) / nr;

        // Splitting rows lets each thread stream its own A rows against the whole (usually small) op(B).
        splitRows = rowTiles >= maxChunks || rowTiles >= columnTiles;
        tiles = splitRows ? rowTiles : columnTiles;
        tileSize = splitRows ? mr : nr;
        Chunks = Math.Max(1, Math.Min(maxChunks, tiles));
    }

    /// <summary>Number of independent blocks of C.</summary>
    public int Chunks { get; }

    /// <summary>Computes block <paramref name="chunk"/> of C on the calling thread.</summary>
    public void RunChunk(int chunk)
    {
        int first = (int)((long)tiles * chunk / Chunks) * tileSize;
        int last = (int)Math.Min((long)tiles * (chunk + 1) / Chunks * tileSize, splitRows ? m : n);
        if (last <= first)
        {
            return;
        }

        if (splitRows)
        {
            T* aBlock = transA ? a + first : a + ((nint)first * lda);
            GemmBlockedDriver.Run(transA, transB, last - first, n, k, alpha, aBlock, lda, b, ldb, beta,
                c + ((nint)first * ldc), ldc);
        }
        else
        {
            T* bBlock = transB ? b + ((nint)first * ldb) : b + first;
            GemmBlockedDriver.Run(transA, transB, m, last - first, k, alpha, a, lda, bBlock, ldb, beta,
                c + first, ldc);
        }
    }
}
