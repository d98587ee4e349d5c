using System.Numerics;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// Single-threaded cache-blocked GEMM (Goto/BLIS loop order) over one rectangular block of C.
/// </summary>
/// <remarks>
/// Loop nest: column blocks of <see cref="NBlock"/> → depth blocks of <see cref="KBlock"/> (pack op(B), kept in L2/L3)
/// → row blocks of <see cref="MBlock"/> (pack op(A), kept in L2) → register tiles. Block sizes are constants, never
/// derived from the thread count, so every element of C sees the same sequence of operations however C is split.
/// </remarks>
internal static unsafe class GemmBlockedDriver
{
    /// <summary>Depth of a packed block; one B micro-panel (KBlock × NR) stays within the 48 KiB L1.</summary>
    public const int KBlock = 384;

    /// <summary>Rows of a packed A block; a multiple of every kernel's MR (12, 6, 4).</summary>
    public const int MBlock = 120;

    /// <summary>Columns of a packed B block; a multiple of every kernel's NR.</summary>
    public const int NBlock = 2048;

    /// <summary>
    /// With at most this many register-tile rows of C, op(B) is read in place instead of packed: packing would cost
    /// as much memory traffic as the few row tiles that reuse it (e.g. dW with m = 20, or 21 atoms × 128).
    /// </summary>
    public const int InPlaceBMaxRowTiles = 4;

    /// <summary>
    /// With a depth block of at most this many, op(B) is read in place whatever m is: a B micro-panel (kc × NR, e.g. the
    /// radial filter's 20 × 32) then fits a few cache lines per row and stays in L1 across row tiles, so packing it costs
    /// more than it saves (measured: [128, 20]·[20, 384] 8.7 µs in place, 10.3 µs packed, one thread).
    /// </summary>
    public const int InPlaceBMaxDepth = 32;

    /// <summary>Rows of the register tile of the active kernel.</summary>
    public static int TileRows => GemmKernelSelection.Current switch
    {
        GemmKernelPath.Vector512 => GemmKernel512.Rows,
        GemmKernelPath.Vector256 => GemmKernel256.Rows,
        _ => GemmKernelScalar.Rows,
    };

    /// <summary>Columns of the register tile of the active kernel for element type <typeparamref name="T"/>.</summary>
    public static int TileColumns<T>()
        where T : unmanaged => GemmKernelSelection.Current switch
        {
            GemmKernelPath.Vector512 => GemmKernel512.Columns<T>(),
            GemmKernelPath.Vector256 => GemmKernel256.Columns<T>(),
            _ => GemmKernelScalar.Columns,
        };

    /// <summary>C[m×n] = alpha·op(A)·op(B) + beta·C on the calling thread; requires m, n, k ≥ 1.</summary>
    public static void Run<T>(bool transA, bool transB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmKernelPath path = GemmKernelSelection.Current;
        int mr = TileRows;
        int nr = TileColumns<T>();
        int kcMax = Math.Min(k, KBlock);
        int mcMax = Math.Min(RoundUp(m, mr), MBlock);
        int ncMax = Math.Min(RoundUp(n, nr), NBlock);
        int align = 64 / sizeof(T);
        int sizeA = RoundUp(mcMax * kcMax, align);
        int sizeB = RoundUp(kcMax * ncMax, align);
        T* packA = GemmPackBuffer<T>.Rent(sizeA + sizeB + (mr * nr));
        T* packB = packA + sizeA;
        T* scratch = packB + sizeB;

        for (int jc = 0; jc < n; jc += NBlock)
        {
            int nc = Math.Min(NBlock, n - jc);
            for (int pc = 0; pc < k; pc += KBlock)
            {
                int kc = Math.Min(KBlock, k - pc);
                bool inPlaceB = !transB && (m <= InPlaceBMaxRowTiles * mr || kc <= InPlaceBMaxDepth);
                int fullColumns = inPlaceB ? nc / nr * nr : 0;
                if (fullColumns < nc)
                {
                    // Pack what is not read in place: everything, or only a partial last strip (needs zero padding).
                    GemmPacking.PackB(transB, b, ldb, pc, jc + fullColumns, kc, nc - fullColumns, nr, packB + ((nint)fullColumns * kc));
                }

                // Later depth blocks accumulate onto what the first one wrote.
                T betaBlock = pc == 0 ? beta : T.One;
                for (int ic = 0; ic < m; ic += MBlock)
                {
                    int mc = Math.Min(MBlock, m - ic);
                    GemmPacking.PackA(transA, a, lda, ic, pc, mc, kc, mr, packA);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nrEff = Math.Min(nr, nc - jr);
                        bool direct = jr < fullColumns;
                        T* bPanel = direct ? b + ((nint)pc * ldb) + jc + jr : packB + ((nint)jr * kc);
                        nint bStride = direct ? ldb : nr;
                        T* cColumn = c + ((nint)ic * ldc) + jc + jr;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mrEff = Math.Min(mr, mc - ir);
                            T* aPanel = packA + ((nint)ir * kc);
                            T* cTile = cColumn + ((nint)ir * ldc);
                            switch (path)
                            {
                                case GemmKernelPath.Vector512:
                                    GemmKernel512.Run(kc, aPanel, bPanel, bStride, cTile, ldc, alpha, betaBlock, mrEff, nrEff, scratch);
                                    break;
                                case GemmKernelPath.Vector256:
                                    GemmKernel256.Run(kc, aPanel, bPanel, bStride, cTile, ldc, alpha, betaBlock, mrEff, nrEff, scratch);
                                    break;
                                default:
                                    GemmKernelScalar.Run(kc, aPanel, bPanel, bStride, cTile, ldc, alpha, betaBlock, mrEff, nrEff, scratch);
                                    break;
                            }
                        }
                    }
                }
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
