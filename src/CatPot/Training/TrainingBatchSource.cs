using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Graphs;

namespace CatPot.Training;

/// <summary>
/// The structures and neighbour lists of the trainer's micro-batches. An in-memory training set gives its own
/// structures and lists built once and cached. A set read by index (<see cref="IIndexedStructures"/>) is read step by
/// step: while one step computes, a worker reads the structures this rank needs for the next step and builds their
/// neighbour lists, so reading and list building overlap the model's work and at most two steps' structures are held.
/// </summary>
internal sealed class TrainingBatchSource
{
    private readonly IReadOnlyList<Structure> _train;
    private readonly double _cutoff;
    private readonly NeighborListCache? _cache;
    private Dictionary<int, (Structure Structure, NeighborList List)>? _current;
    private Task<Dictionary<int, (Structure, NeighborList)>>? _next;

    public TrainingBatchSource(IReadOnlyList<Structure> train, double cutoff)
    {
        _train = train;
        _cutoff = cutoff;
        if (train is not IIndexedStructures) _cache = new NeighborListCache(train, cutoff);
    }

    /// <summary>
    /// Begins a step that uses the structures at <paramref name="indices"/>; when <paramref name="next"/> is given, the
    /// structures of the following step are read in the background. No-op for an in-memory set.
    /// </summary>
    public void StartStep(int[] indices, int[]? next)
    {
        if (_cache is not null) return;
        // The read-ahead of the previous step is this step's data (its errors, e.g. a corrupt row, surface here).
        var ready = _next?.GetAwaiter().GetResult();
        _next = null;
        _current = ready is not null && indices.All(ready.ContainsKey) ? ready : Load(indices);
        if (next is not null && next.Length > 0) _next = Task.Run(() => Load(next));
    }

    /// <summary>The structures at <paramref name="indices"/> and their neighbour lists, in that order.</summary>
    public (Structure[] Structures, NeighborList[] Lists) Get(int[] indices)
    {
        var structures = new Structure[indices.Length];
        var lists = new NeighborList[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if (_cache is not null)
            {
                structures[i] = _train[index];
                lists[i] = _cache.Get(index);
            }
            else
            {
                if (_current is null || !_current.TryGetValue(index, out var entry)) entry = Load([index])[index];
                (structures[i], lists[i]) = entry;
            }
        }
        return (structures, lists);
    }

    private Dictionary<int, (Structure, NeighborList)> Load(int[] indices)
    {
        var builder = new NeighborListBuilder(_cutoff);
        var loaded = new Dictionary<int, (Structure, NeighborList)>(indices.Length);
        foreach (int index in indices)
        {
            if (loaded.ContainsKey(index)) continue;
            var s = _train[index];
            loaded[index] = (s, builder.Build(s));
        }
        return loaded;
    }
}
