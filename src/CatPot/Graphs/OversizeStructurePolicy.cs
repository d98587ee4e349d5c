namespace CatPot.Graphs;

/// <summary>What <see cref="BatchPlanner"/> does with a structure that alone exceeds the atom budget.</summary>
public enum OversizeStructurePolicy
{
    /// <summary>Leave it out and count it in <see cref="BatchPlan.Dropped"/> (fairchem's sampler does the same).</summary>
    Drop = 0,

    /// <summary>Put it in a batch of its own, over the budget.</summary>
    OwnBatch = 1,
}
