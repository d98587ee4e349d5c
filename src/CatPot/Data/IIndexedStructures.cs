using CatPot.Chemistry;

namespace CatPot.Data;

/// <summary>
/// A dataset read by index from storage rather than held in memory (e.g. <c>.aselmdb</c> shards): each access reads and
/// decodes the structure, so consumers should not keep per-structure derived data for the whole set (the trainer then
/// builds neighbour lists per batch instead of caching them).
/// </summary>
public interface IIndexedStructures : IReadOnlyList<Structure>, IDisposable
{
}
