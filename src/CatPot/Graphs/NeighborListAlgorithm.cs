namespace CatPot.Graphs;

/// <summary>How <see cref="NeighborListBuilder"/> finds pairs. Every choice gives identical edges in identical order.</summary>
public enum NeighborListAlgorithm
{
    /// <summary>Direct loop for small systems (at most <see cref="NeighborListBuilder.DirectMaxAtoms"/> atoms), cell list above.</summary>
    Auto = 0,

    /// <summary>All-pairs O(N²) loop; fastest for molecules of a few dozen atoms.</summary>
    Direct = 1,

    /// <summary>O(N) cell list with bins at least one cutoff wide.</summary>
    CellList = 2,
}
