namespace CatPot.Graphs;

/// <summary>One epoch's batches: lists of structure indices, in training order.</summary>
/// <param name="Batches">Structure indices per batch; each index occurs at most once in the plan.</param>
/// <param name="Dropped">Indices of structures left out because they alone exceed the atom budget (ascending).</param>
public sealed record BatchPlan(IReadOnlyList<int[]> Batches, IReadOnlyList<int> Dropped);
