namespace CatPot.Models;

/// <summary>
/// Receiver-sorted edge list in compressed form plus the reverse of every edge, which lets sender-side sums be
/// computed as receiver-side gathers: deterministic and free of write races when split across threads.
/// </summary>
internal sealed class EdgeTopology
{
    private EdgeTopology(int[] offsets, int[] reverse)
    {
        ReceiverOffsets = offsets;
        Reverse = reverse;
    }

    /// <summary>First edge of each receiving atom, plus E at the end (length N + 1).</summary>
    public int[] ReceiverOffsets { get; }

    /// <summary>For edge e = (i, j), the index of edge (j, i).</summary>
    public int[] Reverse { get; }

    /// <summary>
    /// The topology of an edge list, or null when receivers are not ascending or some edge (i, j) has no (j, i)
    /// (then callers use the composite ops, which need neither).
    /// </summary>
    public static EdgeTopology? TryCreate(int atoms, int[] receivers, int[] senders)
    {
        int e = receivers.Length;
        var offsets = new int[atoms + 1];
        for (int k = 0; k < e; k++)
        {
            if ((uint)receivers[k] >= (uint)atoms || (uint)senders[k] >= (uint)atoms) return null;
            if (k > 0 && receivers[k] < receivers[k - 1]) return null;
            offsets[receivers[k] + 1]++;
        }
        for (int a = 0; a < atoms; a++) offsets[a + 1] += offsets[a];
        var reverse = new int[e];
        for (int k = 0; k < e; k++)
        {
            int i = receivers[k], j = senders[k], found = -1;
            for (int r = offsets[j]; r < offsets[j + 1]; r++)
            {
                if (senders[r] == i)
                {
                    found = r;
                    break;
                }
            }
            if (found < 0) return null;
            reverse[k] = found;
        }
        return new EdgeTopology(offsets, reverse);
    }
}
