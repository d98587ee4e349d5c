namespace CatPot.Training;

/// <summary>
/// Splits a global batch into a fixed number of micro-batches of about equal atom counts: structures are taken from the
/// largest to the smallest (ties by batch position) and each goes to the micro-batch with the fewest atoms so far (ties
/// to the lowest index); inside a micro-batch the structures keep their batch order. The split depends only on the batch
/// and the atom counts, so every rank and a single process computing all micro-batches agree on it. Micro-batches are
/// empty when the batch has fewer structures than there are micro-batches.
/// </summary>
public static class MicroBatchPlanner
{
    /// <summary>The <paramref name="count"/> micro-batches of <paramref name="batch"/> (dataset indices).</summary>
    public static int[][] Split(ReadOnlySpan<int> batch, ReadOnlySpan<int> atomCounts, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (count == 1) return [batch.ToArray()];
        int s = batch.Length;
        var positions = new int[s];
        var sizes = new int[s];
        for (int i = 0; i < s; i++)
        {
            positions[i] = i;
            sizes[i] = atomCounts[batch[i]];
        }
        // Stable by construction: compare sizes descending, then positions ascending.
        Array.Sort(positions, (a, b) => sizes[a] != sizes[b] ? sizes[b].CompareTo(sizes[a]) : a.CompareTo(b));
        var owner = new int[s];
        var load = new long[count];
        foreach (int p in positions)
        {
            int best = 0;
            for (int m = 1; m < count; m++)
                if (load[m] < load[best]) best = m;
            owner[p] = best;
            load[best] += sizes[p];
        }
        var parts = new int[count][];
        for (int m = 0; m < count; m++)
        {
            int n = 0;
            for (int i = 0; i < s; i++) if (owner[i] == m) n++;
            var part = new int[n];
            n = 0;
            for (int i = 0; i < s; i++) if (owner[i] == m) part[n++] = batch[i];
            parts[m] = part;
        }
        return parts;
    }

    /// <summary>Which micro-batches rank <paramref name="rank"/> of <paramref name="ranks"/> computes: m = slot·ranks + rank,
    /// for slot = 0 … <see cref="SlotsPerRank"/> − 1 (m ≥ the micro-batch count is an empty slot).</summary>
    public static int MicroBatchOf(int slot, int rank, int ranks) => (slot * ranks) + rank;

    /// <summary>Slots every rank sends per step: ⌈micro-batches / ranks⌉.</summary>
    public static int SlotsPerRank(int microBatches, int ranks) => (microBatches + ranks - 1) / ranks;
}
