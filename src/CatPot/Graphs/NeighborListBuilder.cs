using CatPot.Chemistry;
using CatPot.Tensors;

namespace CatPot.Graphs;

/// <summary>
/// Builds <see cref="NeighborList"/>s for one cutoff, keeping its scratch buffers so that rebuilding
/// (every MD step, say) into an existing list allocates nothing once the buffers are large enough.
/// </summary>
/// <remarks>
/// An edge exists when <c>Math.Sqrt(dx*dx + dy*dy + dz*dz) &lt; cutoff</c> with <c>d = R_j − R_i</c>,
/// evaluated exactly so in both algorithms, so the direct loop and the cell list agree bit for bit.
/// Not thread-safe: use one builder per thread.
/// </remarks>
public sealed class NeighborListBuilder
{
    /// <summary>Largest atom count for which <see cref="NeighborListAlgorithm.Auto"/> uses the direct loop.</summary>
    public const int DirectMaxAtoms = 200;

    // Bins are made a hair wider than the cutoff so that rounding in the bin index can never put two atoms
    // closer than the cutoff two bins apart.
    private const double BinWidening = 1 + 1e-8;

    // Squared-distance pre-filter bound, slightly above cutoff², so the exact sqrt test alone decides edges.
    private const double SquaredFilterWidening = 1 + 1e-10;

    private int[] _binOfAtom = [];
    private int[] _binStart = [];
    private int[] _binAtoms = [];
    private double[] _binPositions = [];
    private int[] _found = new int[64];
    private double[] _positions = [];
    private int[][] _partLists = [], _partFound = [];
    private int[] _counts = [];

    // From this many atoms the cell-list search runs on the pool's threads (below, handing it out costs more than it saves).
    private const int ParallelFromAtoms = 16384;

    /// <summary>Creates a builder.</summary>
    /// <param name="cutoff">Cutoff radius in Å, finite and positive.</param>
    /// <param name="algorithm">Which algorithm to use; <see cref="NeighborListAlgorithm.Auto"/> picks by atom count.</param>
    public NeighborListBuilder(double cutoff, NeighborListAlgorithm algorithm = NeighborListAlgorithm.Auto)
    {
        if (!double.IsFinite(cutoff) || cutoff <= 0)
            throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "The cutoff must be a finite positive distance in Å.");
        if (!Enum.IsDefined(algorithm))
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown neighbour-list algorithm.");
        Cutoff = cutoff;
        Algorithm = algorithm;
    }

    /// <summary>Cutoff radius in Å.</summary>
    public double Cutoff { get; }

    /// <summary>
    /// Record edge vectors, lengths and shifts (default). Set false when only the pairs are read (the model computes
    /// its edge geometry from positions): the list then takes 8 instead of 52 bytes per edge, which at 10⁵ atoms
    /// (~4·10⁶ edges) is 30 MB instead of 190 MB.
    /// </summary>
    public bool EdgeGeometry { get; init; } = true;

    /// <summary>The algorithm requested at construction.</summary>
    public NeighborListAlgorithm Algorithm { get; }

    /// <summary>The algorithm actually used for a system of <paramref name="atomCount"/> atoms.</summary>
    public NeighborListAlgorithm Resolve(int atomCount) => Algorithm switch
    {
        NeighborListAlgorithm.Auto => atomCount <= DirectMaxAtoms ? NeighborListAlgorithm.Direct : NeighborListAlgorithm.CellList,
        _ => Algorithm,
    };

    /// <summary>Builds a new list for a structure, honouring its cell and periodicity.</summary>
    /// <exception cref="NotSupportedException">The structure is periodic along some direction.</exception>
    public NeighborList Build(Structure structure)
    {
        var list = new NeighborList();
        Build(structure.Positions, structure.Cell, structure.Pbc, list);
        return list;
    }

    /// <summary>Builds a new list for non-periodic positions (flat, atom-major, Å).</summary>
    public NeighborList Build(ReadOnlySpan<double> positions)
    {
        var list = new NeighborList();
        Build(positions, null, null, list);
        return list;
    }

    /// <summary>Rebuilds <paramref name="into"/> for non-periodic positions, reusing its arrays.</summary>
    public void Build(ReadOnlySpan<double> positions, NeighborList into) => Build(positions, null, null, into);

    /// <summary>
    /// Rebuilds <paramref name="into"/> for the given positions, reusing its arrays (no allocation when they are large enough).
    /// </summary>
    /// <param name="positions">Positions in Å, flat atom-major (length 3N).</param>
    /// <param name="cell">Lattice vectors (9 numbers, row per vector) or null. Only read for periodic directions.</param>
    /// <param name="pbc">Periodicity along the three lattice vectors, or null for none.</param>
    /// <param name="into">The list to overwrite.</param>
    /// <exception cref="NotSupportedException">Some direction is periodic: periodic lists are not implemented yet.</exception>
    public void Build(ReadOnlySpan<double> positions, double[]? cell, bool[]? pbc, NeighborList into)
    {
        if (pbc is not null && (pbc.Length != 3 || pbc[0] || pbc[1] || pbc[2]))
            throw new NotSupportedException(
                $"Periodic neighbour lists are not implemented yet (pbc = [{string.Join(", ", pbc)}]{(cell is null ? ", no cell" : "")}). " +
                "CatPot v1 handles molecules only: set pbc to false on all three axes, or remove the cell.");
        if (positions.Length % 3 != 0)
            throw new ArgumentException($"positions has {positions.Length} values, which is not a multiple of 3 (x, y, z per atom).", nameof(positions));
        int n = positions.Length / 3;
        for (int k = 0; k < positions.Length; k++)
        {
            if (!double.IsFinite(positions[k]))
                throw new ArgumentException($"Position of atom {k / 3} (component {"xyz"[k % 3]}) is {positions[k]}; positions must be finite.", nameof(positions));
        }

        into.Reset(n, Cutoff, EdgeGeometry);
        if (Resolve(n) == NeighborListAlgorithm.Direct) BuildDirect(positions, n, into);
        else BuildCellList(positions, n, into);
    }

    private void BuildDirect(ReadOnlySpan<double> p, int n, NeighborList into)
    {
        double cutoff = Cutoff;
        double filter = cutoff * cutoff * SquaredFilterWidening;
        for (int i = 0; i < n; i++)
        {
            double xi = p[3 * i], yi = p[3 * i + 1], zi = p[3 * i + 2];
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double dx = p[3 * j] - xi, dy = p[3 * j + 1] - yi, dz = p[3 * j + 2] - zi;
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 >= filter) continue;
                double r = Math.Sqrt(r2);
                if (r < cutoff) into.Add(i, j, dx, dy, dz, r);
            }
        }
    }

    private void BuildCellList(ReadOnlySpan<double> p, int n, NeighborList into)
    {
        if (n == 0) return;
        double cutoff = Cutoff;
        double filter = cutoff * cutoff * SquaredFilterWidening;

        Span<double> lo = stackalloc double[3];
        Span<double> hi = stackalloc double[3];
        lo.Fill(double.PositiveInfinity);
        hi.Fill(double.NegativeInfinity);
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                double v = p[3 * i + c];
                if (v < lo[c]) lo[c] = v;
                if (v > hi[c]) hi[c] = v;
            }
        }

        // Bins at least one (widened) cutoff wide, so every neighbour is in the 3×3×3 block around an atom.
        Span<long> bins = stackalloc long[3];
        Span<double> inverseWidth = stackalloc double[3];
        double minWidth = cutoff * BinWidening;
        for (int c = 0; c < 3; c++) bins[c] = Math.Max(1L, (long)Math.Floor((hi[c] - lo[c]) / minWidth));
        // A sparse cloud (few atoms spread far apart) would need more bins than atoms; coarsen so the grid stays O(N).
        long maxBins = Math.Max(64L, 2L * n);
        while (bins[0] * bins[1] * bins[2] > maxBins)
        {
            for (int c = 0; c < 3; c++) bins[c] = Math.Max(1L, bins[c] / 2);
        }
        for (int c = 0; c < 3; c++) inverseWidth[c] = bins[c] == 1 ? 0.0 : bins[c] / (hi[c] - lo[c]);
        int nx = (int)bins[0], ny = (int)bins[1], nz = (int)bins[2];
        int binCount = nx * ny * nz;

        if (_binOfAtom.Length < n) _binOfAtom = new int[n];
        if (_binAtoms.Length < n) _binAtoms = new int[n];
        if (_binStart.Length < binCount + 1) _binStart = new int[binCount + 1];
        var binOf = _binOfAtom.AsSpan(0, n);
        var start = _binStart.AsSpan(0, binCount + 1);
        var atoms = _binAtoms.AsSpan(0, n);
        start.Clear();

        for (int i = 0; i < n; i++)
        {
            int bx = BinIndex(p[3 * i], lo[0], inverseWidth[0], nx);
            int by = BinIndex(p[3 * i + 1], lo[1], inverseWidth[1], ny);
            int bz = BinIndex(p[3 * i + 2], lo[2], inverseWidth[2], nz);
            int b = (bx * ny + by) * nz + bz;
            binOf[i] = b;
            start[b + 1]++;
        }
        for (int b = 0; b < binCount; b++) start[b + 1] += start[b];
        // Counting sort that keeps atoms ascending within each bin; 'fill' walks each bin's slot forward.
        for (int i = 0; i < n; i++) atoms[start[binOf[i]]++] = i;
        for (int b = binCount; b > 0; b--) start[b] = start[b - 1];
        start[0] = 0;
        // Positions in bin order, so the candidate scan below reads memory sequentially.
        if (_binPositions.Length < 3 * n) _binPositions = new double[3 * n];
        var sorted = _binPositions.AsSpan(0, 3 * n);
        for (int k = 0; k < n; k++)
        {
            int a = atoms[k];
            sorted[3 * k] = p[3 * a];
            sorted[3 * k + 1] = p[3 * a + 1];
            sorted[3 * k + 2] = p[3 * a + 2];
        }

        var grid = new Grid(_binOfAtom, _binStart, _binAtoms, _binPositions, nx, ny, nz, cutoff, filter);
        if (n >= ParallelFromAtoms && TensorThreading.MaxThreads > 1)
        {
            SearchInParallel(p, n, grid, into);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            int found = grid.Neighbours(i, p, ref _found);
            // Grow once to the size the atoms so far predict (plus 1/8) rather than by repeated doubling, whose copies
            // and slack cost up to three times the final list at 10⁵ atoms.
            int needed = into.EdgeCount + found;
            if (needed > into.Capacity)
                into.EnsureCapacity(needed, (int)Math.Min(Array.MaxLength / 3, ((long)needed * n / (i + 1) * 9 / 8) + 64));
            into.AddReceiver(i, _found.AsSpan(0, found), p);
        }
    }

    /// <summary>
    /// The search over contiguous ranges of atoms on the pool's threads, each into its own buffer, then the lists appended
    /// in atom order: the same list as the serial loop, whatever the thread count.
    /// </summary>
    private void SearchInParallel(ReadOnlySpan<double> p, int n, Grid grid, NeighborList into)
    {
        if (_positions.Length < 3 * n) _positions = new double[3 * n];
        p.CopyTo(_positions);
        var positions = _positions;
        int parts = Math.Max(2, Math.Min(64, n / 4096));
        // Per part: its atoms' neighbour lists back to back, and a scan buffer; kept for the next build (an MD step).
        if (_partLists.Length < parts)
        {
            Array.Resize(ref _partLists, parts);
            Array.Resize(ref _partFound, parts);
        }
        if (_counts.Length < n) _counts = new int[n];
        var lists = _partLists;
        var scans = _partFound;
        var counts = _counts;
        SpinningThreadPool.For(parts, part =>
        {
            int from = (int)((long)n * part / parts), to = (int)((long)n * (part + 1) / parts);
            var found = scans[part] ??= new int[64];
            var list = lists[part] ??= new int[Math.Max(64, (to - from) * 48)];
            int length = 0;
            for (int i = from; i < to; i++)
            {
                int count = grid.Neighbours(i, positions, ref found);
                if (length + count > list.Length) Array.Resize(ref list, Math.Max(2 * list.Length, length + count));
                found.AsSpan(0, count).CopyTo(list.AsSpan(length));
                length += count;
                counts[i] = count;
            }
            lists[part] = list;
            scans[part] = found;
        });
        long total = 0;
        foreach (int c in counts.AsSpan(0, n)) total += c;
        into.EnsureCapacity((int)Math.Min(Array.MaxLength / 3, total));
        for (int part = 0; part < parts; part++)
        {
            int from = (int)((long)n * part / parts), to = (int)((long)n * (part + 1) / parts), offset = 0;
            for (int i = from; i < to; i++)
            {
                into.AddReceiver(i, lists[part].AsSpan(offset, counts[i]), p);
                offset += counts[i];
            }
        }
    }

    /// <summary>The binned atoms of one build, and the search of one atom's neighbours among them.</summary>
    private readonly record struct Grid(int[] BinOf, int[] Start, int[] Atoms, double[] Sorted, int Nx, int Ny, int Nz, double Cutoff, double Filter)
    {
        /// <summary>Writes atom <paramref name="i"/>'s neighbours, ascending, to <paramref name="found"/> (grown as needed) and returns how many.</summary>
        public int Neighbours(int i, ReadOnlySpan<double> p, ref int[] found)
        {
            double xi = p[3 * i], yi = p[3 * i + 1], zi = p[3 * i + 2];
            int b = BinOf[i];
            int bz = b % Nz, by = b / Nz % Ny, bx = b / (Nz * Ny);
            int count = 0;
            for (int gx = Math.Max(bx - 1, 0); gx <= Math.Min(bx + 1, Nx - 1); gx++)
            {
                for (int gy = Math.Max(by - 1, 0); gy <= Math.Min(by + 1, Ny - 1); gy++)
                {
                    int rowBase = (gx * Ny + gy) * Nz;
                    // Consecutive z bins are contiguous in Atoms, so scan them as one run.
                    int from = Start[rowBase + Math.Max(bz - 1, 0)];
                    int to = Start[rowBase + Math.Min(bz + 1, Nz - 1) + 1];
                    for (int k = from; k < to; k++)
                    {
                        int j = Atoms[k];
                        if (j == i) continue;
                        double dx = Sorted[3 * k] - xi, dy = Sorted[3 * k + 1] - yi, dz = Sorted[3 * k + 2] - zi;
                        double r2 = dx * dx + dy * dy + dz * dz;
                        if (r2 >= Filter || !(Math.Sqrt(r2) < Cutoff)) continue;
                        if (count == found.Length) Array.Resize(ref found, 2 * count);
                        found[count++] = j;
                    }
                }
            }
            found.AsSpan(0, count).Sort();
            return count;
        }
    }

    private static int BinIndex(double x, double lo, double inverseWidth, int count)
    {
        int b = (int)((x - lo) * inverseWidth);
        return b < 0 ? 0 : b >= count ? count - 1 : b;
    }
}
