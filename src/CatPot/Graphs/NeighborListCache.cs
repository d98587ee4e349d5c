using CatPot.Chemistry;

namespace CatPot.Graphs;

/// <summary>
/// Neighbour lists of a fixed set of structures (a training set, whose positions never change), built once
/// on first use and kept. Safe for concurrent readers: each list is built by its own short-lived builder
/// (training lists are built once, so builder reuse would buy nothing) and published atomically.
/// </summary>
public sealed class NeighborListCache
{
    private readonly IReadOnlyList<Structure> _structures;
    private readonly NeighborList?[] _lists;
    private readonly NeighborListAlgorithm _algorithm;

    /// <summary>Creates an empty cache over <paramref name="structures"/>.</summary>
    /// <param name="structures">The structures; their positions must not change while the cache is used.</param>
    /// <param name="cutoff">Cutoff radius in Å.</param>
    /// <param name="algorithm">Neighbour-list algorithm.</param>
    public NeighborListCache(IReadOnlyList<Structure> structures, double cutoff, NeighborListAlgorithm algorithm = NeighborListAlgorithm.Auto)
    {
        _structures = structures;
        _lists = new NeighborList?[structures.Count];
        Cutoff = cutoff;
        _algorithm = algorithm;
        _ = new NeighborListBuilder(cutoff, algorithm); // validates the arguments now rather than on first use
    }

    /// <summary>Cutoff radius in Å.</summary>
    public double Cutoff { get; }

    /// <summary>Number of structures covered.</summary>
    public int Count => _lists.Length;

    /// <summary>The neighbour list of structure <paramref name="index"/>, built on first request.</summary>
    public NeighborList Get(int index)
    {
        var list = Volatile.Read(ref _lists[index]);
        if (list is not null) return list;
        list = new NeighborListBuilder(Cutoff, _algorithm).Build(_structures[index]);
        return Interlocked.CompareExchange(ref _lists[index], list, null) ?? list;
    }
}
