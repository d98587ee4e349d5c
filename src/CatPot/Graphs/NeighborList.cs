namespace CatPot.Graphs;

/// <summary>
/// The directed edges of one structure: every ordered pair (i, j), i ≠ j, with |R_j − R_i| &lt; cutoff.
/// Convention: i is the receiver, j the sender, and the edge vector <c>r_vec_ij = R_j − R_i (+ shift·cell)</c>
/// points from i to j. Edges are sorted by receiver, then by sender.
/// </summary>
/// <remarks>
/// The backing arrays may be longer than <see cref="EdgeCount"/> so that a <see cref="NeighborListBuilder"/>
/// can rebuild into them without allocating; read edges through the spans, which have exactly
/// <see cref="EdgeCount"/> entries (three per edge for vectors and shifts).
/// </remarks>
public sealed class NeighborList
{
    private int[] _receivers = [];
    private int[] _senders = [];
    private double[] _vectors = [];
    private double[] _distances = [];
    private int[] _shifts = [];
    private bool _geometry = true;

    /// <summary>Number of atoms of the structure the list was built for.</summary>
    public int AtomCount { get; private set; }

    /// <summary>Cutoff radius in Å (strict: pairs at exactly the cutoff are not edges).</summary>
    public double Cutoff { get; private set; }

    /// <summary>Number of directed edges E.</summary>
    public int EdgeCount { get; private set; }

    /// <summary>Receiving atom i of each edge (sorted ascending).</summary>
    public ReadOnlySpan<int> Receivers => _receivers.AsSpan(0, EdgeCount);

    /// <summary>Sending atom j of each edge (ascending within one receiver).</summary>
    public ReadOnlySpan<int> Senders => _senders.AsSpan(0, EdgeCount);

    /// <summary>
    /// True when the list holds <see cref="Vectors"/>, <see cref="Distances"/> and <see cref="Shifts"/>; false when its
    /// builder was told to record only the pairs (<see cref="NeighborListBuilder.EdgeGeometry"/>), and those spans are empty.
    /// </summary>
    public bool HasGeometry => _geometry;

    /// <summary>Edge vectors <c>R_j − R_i (+ shift·cell)</c> in Å, flat edge-major (length 3E; empty without <see cref="HasGeometry"/>).</summary>
    public ReadOnlySpan<double> Vectors => _geometry ? _vectors.AsSpan(0, 3 * EdgeCount) : [];

    /// <summary>Edge lengths |r_vec_ij| in Å (length E; empty without <see cref="HasGeometry"/>).</summary>
    public ReadOnlySpan<double> Distances => _geometry ? _distances.AsSpan(0, EdgeCount) : [];

    /// <summary>
    /// Integer lattice shift of each edge's sender image, flat (length 3E). All zero without periodicity;
    /// kept so periodic systems can be added without changing callers.
    /// </summary>
    /// <remarks>Non-periodic builds never write it: the backing array is only ever grown, so it stays zero.</remarks>
    public ReadOnlySpan<int> Shifts => _geometry ? _shifts.AsSpan(0, 3 * EdgeCount) : [];

    /// <summary>Number of edges whose receiver is each atom (length N), computed on demand.</summary>
    public int[] CountPerReceiver()
    {
        var counts = new int[AtomCount];
        foreach (int i in Receivers) counts[i]++;
        return counts;
    }

    internal void Reset(int atomCount, double cutoff, bool geometry = true)
    {
        AtomCount = atomCount;
        Cutoff = cutoff;
        EdgeCount = 0;
        if (geometry != _geometry)
        {
            // Switching kinds drops the arrays: geometry arrays a pairs-only list never grew would be too short.
            _geometry = geometry;
            _receivers = [];
            _senders = [];
            _vectors = [];
            _distances = [];
            _shifts = [];
        }
    }

    /// <summary>Edges the backing arrays hold without growing.</summary>
    internal int Capacity => _receivers.Length;

    /// <summary>Appends one edge, growing the backing arrays geometrically when full.</summary>
    internal void Add(int i, int j, double dx, double dy, double dz, double distance)
    {
        int e = EdgeCount;
        if (e == _receivers.Length) Grow(e + 1);
        _receivers[e] = i;
        _senders[e] = j;
        EdgeCount = e + 1;
        if (!_geometry) return;
        _vectors[3 * e] = dx;
        _vectors[3 * e + 1] = dy;
        _vectors[3 * e + 2] = dz;
        _distances[e] = distance;
    }

    /// <summary>
    /// Appends the edges from receiver <paramref name="i"/> to each of <paramref name="senders"/>, computing
    /// vectors and lengths from the positions <paramref name="p"/> (the cell list's tight write loop).
    /// </summary>
    internal void AddReceiver(int i, ReadOnlySpan<int> senders, ReadOnlySpan<double> p)
    {
        int e0 = EdgeCount;
        EnsureCapacity(e0 + senders.Length);
        var rec = _receivers.AsSpan(e0, senders.Length);
        var snd = _senders.AsSpan(e0, senders.Length);
        EdgeCount = e0 + senders.Length;
        if (!_geometry)
        {
            rec.Fill(i);
            senders.CopyTo(snd);
            return;
        }
        var vec = _vectors.AsSpan(3 * e0, 3 * senders.Length);
        var dist = _distances.AsSpan(e0, senders.Length);
        double xi = p[3 * i], yi = p[3 * i + 1], zi = p[3 * i + 2];
        for (int k = 0; k < senders.Length; k++)
        {
            int j = senders[k];
            double dx = p[3 * j] - xi, dy = p[3 * j + 1] - yi, dz = p[3 * j + 2] - zi;
            rec[k] = i;
            snd[k] = j;
            vec[3 * k] = dx;
            vec[3 * k + 1] = dy;
            vec[3 * k + 2] = dz;
            dist[k] = Math.Sqrt(dx * dx + dy * dy + dz * dz);
        }
    }

    /// <summary>Makes room for at least <paramref name="capacity"/> edges, keeping existing ones.</summary>
    /// <param name="capacity">Edges needed now.</param>
    /// <param name="expected">A better guess of the final size (grown to it instead of doubling when larger than needed).</param>
    internal void EnsureCapacity(int capacity, int expected = 0)
    {
        if (capacity > _receivers.Length) Grow(Math.Max(capacity, expected), exact: expected >= capacity);
    }

    private void Grow(int needed, bool exact = false)
    {
        int capacity = exact ? needed : Math.Max(needed, Math.Max(16, 2 * _receivers.Length));
        Array.Resize(ref _receivers, capacity);
        Array.Resize(ref _senders, capacity);
        if (!_geometry) return;
        Array.Resize(ref _distances, capacity);
        Array.Resize(ref _vectors, 3 * capacity);
        Array.Resize(ref _shifts, 3 * capacity);
    }
}
