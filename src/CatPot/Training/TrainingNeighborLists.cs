using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Graphs;

namespace CatPot.Training;

/// <summary>Where the trainer's neighbour lists come from: a cache for an in-memory training set (built once, kept), a
/// fresh build per batch for a set read by index (<see cref="IIndexedStructures"/>), so memory does not grow with it.</summary>
internal static class TrainingNeighborLists
{
    public static Func<int, NeighborList> For(IReadOnlyList<Structure> train, double cutoff)
    {
        if (train is IIndexedStructures)
        {
            var builder = new NeighborListBuilder(cutoff);
            return i => builder.Build(train[i]);
        }
        return new NeighborListCache(train, cutoff).Get;
    }
}
