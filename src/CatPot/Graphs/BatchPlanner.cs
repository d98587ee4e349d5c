namespace CatPot.Graphs;

/// <summary>
/// Plans training batches: a seeded shuffle of structure indices, then greedy packing of consecutive
/// shuffled structures while the batch stays within <see cref="MaxAtoms"/> atoms.
/// </summary>
/// <remarks>
/// Epoch e shuffles with <see cref="SplitMix64"/> seeded by <c>SplitMix64.Derive(seed, e)</c>, so the same
/// seed and epoch always give the same batches, on any platform, and every epoch gets a different order.
/// </remarks>
public sealed class BatchPlanner
{
    /// <summary>Creates a planner.</summary>
    /// <param name="seed">Base seed of the shuffles.</param>
    /// <param name="maxAtoms">Atom budget per batch (default 1000).</param>
    /// <param name="oversize">What to do with structures larger than the budget.</param>
    /// <param name="shuffle">False keeps dataset order (useful for evaluation).</param>
    public BatchPlanner(ulong seed, int maxAtoms = 1000, OversizeStructurePolicy oversize = OversizeStructurePolicy.Drop, bool shuffle = true)
    {
        if (maxAtoms < 1) throw new ArgumentOutOfRangeException(nameof(maxAtoms), maxAtoms, "The atom budget per batch must be at least 1.");
        Seed = seed;
        MaxAtoms = maxAtoms;
        Oversize = oversize;
        Shuffle = shuffle;
    }

    /// <summary>Base seed.</summary>
    public ulong Seed { get; }

    /// <summary>Atom budget per batch.</summary>
    public int MaxAtoms { get; }

    /// <summary>Policy for structures larger than <see cref="MaxAtoms"/>.</summary>
    public OversizeStructurePolicy Oversize { get; }

    /// <summary>Whether structures are shuffled before packing.</summary>
    public bool Shuffle { get; }

    /// <summary>Plans the batches of one epoch.</summary>
    /// <param name="atomCounts">Atom count of every structure of the dataset, by index.</param>
    /// <param name="epoch">Epoch number; feeds the shuffle seed.</param>
    public BatchPlan Plan(ReadOnlySpan<int> atomCounts, int epoch)
    {
        int[] order = new int[atomCounts.Length];
        for (int k = 0; k < order.Length; k++) order[k] = k;
        if (Shuffle)
        {
            var rng = new SplitMix64(SplitMix64.Derive(Seed, unchecked((ulong)epoch)));
            rng.Shuffle(order.AsSpan());
        }

        var batches = new List<int[]>();
        var dropped = new List<int>();
        var current = new List<int>();
        long atoms = 0;
        foreach (int s in order)
        {
            int n = atomCounts[s];
            if (n < 0) throw new ArgumentException($"Structure {s} has a negative atom count ({n}).", nameof(atomCounts));
            if (n > MaxAtoms)
            {
                if (Oversize == OversizeStructurePolicy.Drop) dropped.Add(s);
                else batches.Add([s]);
                continue;
            }
            if (atoms + n > MaxAtoms && current.Count > 0)
            {
                batches.Add([.. current]);
                current.Clear();
                atoms = 0;
            }
            current.Add(s);
            atoms += n;
        }
        if (current.Count > 0) batches.Add([.. current]);
        dropped.Sort();
        return new BatchPlan(batches, dropped);
    }
}
