namespace CatPot.Models;

/// <summary>
/// Receiver-sorted edge list in compressed form plus the reverse of every edge, which lets sender-side sums be
/// computed as receiver-side gathers: deterministic and free of write races when split across threads.
/// </summary>
internal sealed class EdgeTopology
{
    // A chunk's edges fit a few cache-sized buffers ([edges, 3F] rows) and its filter GEMM stays below the GEMM's
    // parallel threshold; a block is the unit of thread work and of partial weight-gradient sums.
    private const int ChunkEdgeLimit = 128;
    private const int BlockEdgeLimit = 1024;

    private EdgeTopology(int[] offsets, int[] reverse)
    {
        ReceiverOffsets = offsets;
        Reverse = reverse;
        (ChunkAtomStarts, MaxChunkEdges) = Group(offsets, ChunkEdgeLimit);
        var chunkEdgeOffsets = new int[ChunkAtomStarts.Length];
        for (int c = 0; c < chunkEdgeOffsets.Length; c++) chunkEdgeOffsets[c] = offsets[ChunkAtomStarts[c]];
        (BlockChunkStarts, _) = Group(chunkEdgeOffsets, BlockEdgeLimit);
    }

    /// <summary>
    /// Atoms grouped into consecutive chunks of at most 128 edges (or one atom with more): chunk c covers atoms
    /// [ChunkAtomStarts[c], ChunkAtomStarts[c + 1]). Fixed by the edge list alone, never by the thread count.
    /// </summary>
    public int[] ChunkAtomStarts { get; }

    /// <summary>Chunks grouped into blocks of at most 1024 edges (or one chunk): block b covers chunks [BlockChunkStarts[b], BlockChunkStarts[b + 1]).</summary>
    public int[] BlockChunkStarts { get; }

    /// <summary>The most edges in one chunk.</summary>
    public int MaxChunkEdges { get; }

    /// <summary>Number of chunks.</summary>
    public int ChunkCount => ChunkAtomStarts.Length - 1;

    /// <summary>Number of blocks.</summary>
    public int BlockCount => BlockChunkStarts.Length - 1;

    /// <summary>Greedy grouping of consecutive items (item i spans [offsets[i], offsets[i + 1])) into groups of at most <paramref name="limit"/> elements.</summary>
    private static (int[] Starts, int MaxSize) Group(int[] offsets, int limit)
    {
        int items = offsets.Length - 1, max = 0;
        var starts = new List<int> { 0 };
        for (int i = 0; i < items; i++)
        {
            int start = starts[^1];
            if (i > start && offsets[i + 1] - offsets[start] > limit)
            {
                max = Math.Max(max, offsets[i] - offsets[start]);
                starts.Add(i);
            }
        }
        if (items > 0 || starts.Count == 1)
        {
            max = Math.Max(max, offsets[items] - offsets[starts[^1]]);
            if (items > 0) starts.Add(items);
        }
        return ([.. starts], max);
    }

    /// <summary>First edge of each receiving atom, plus E at the end (length N + 1).</summary>
    public int[] ReceiverOffsets { get; }

    /// <summary>For edge e = (i, j), the index of edge (j, i).</summary>
    public int[] Reverse { get; }

    /// <summary>
    /// The topology of the same edges after renumbering the atoms: new atom k is old atom <paramref name="order"/>[k]; each
    /// receiver keeps its edges in their old order. Returns the senders in the new numbering (old senders: <paramref name="senders"/>).
    /// </summary>
    public (EdgeTopology Topology, int[] Senders) Renumber(int[] order, int[] senders)
    {
        int n = order.Length, e = senders.Length;
        var rank = new int[n];
        for (int k = 0; k < n; k++) rank[order[k]] = k;
        var offsets = new int[n + 1];
        for (int k = 0; k < n; k++) offsets[k + 1] = offsets[k] + (ReceiverOffsets[order[k] + 1] - ReceiverOffsets[order[k]]);
        var newIndex = new int[e];
        var newSenders = new int[e];
        for (int k = 0; k < n; k++)
        {
            int d = offsets[k];
            for (int r = ReceiverOffsets[order[k]]; r < ReceiverOffsets[order[k] + 1]; r++, d++)
            {
                newIndex[r] = d;
                newSenders[d] = rank[senders[r]];
            }
        }
        var reverse = new int[e];
        for (int r = 0; r < e; r++) reverse[newIndex[r]] = newIndex[Reverse[r]];
        return (new EdgeTopology(offsets, reverse), newSenders);
    }

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
