using CatPot.Chemistry;

namespace CatPot.Graphs;

/// <summary>
/// Several structures as one disconnected graph: atoms concatenated in structure order, edges with atom
/// indices offset accordingly (so still sorted by receiver), and per-structure charge, spin and labels.
/// </summary>
/// <remarks>
/// Edge convention as in <see cref="NeighborList"/>: receiver i, sender j, <c>r_vec_ij = R_j − R_i</c>.
/// Positions are kept in double (for conservative forces and references) and float32 (for the model).
/// </remarks>
public sealed class GraphBatch
{
    private GraphBatch() { }

    /// <summary>Number of structures S.</summary>
    public int StructureCount => AtomCounts.Length;

    /// <summary>Total number of atoms N.</summary>
    public int AtomCount => Numbers.Length;

    /// <summary>Total number of directed edges E.</summary>
    public int EdgeCount => Receivers.Length;

    /// <summary>Index of each structure in the dataset it came from (length S).</summary>
    public int[] StructureIndices { get; private init; } = [];

    /// <summary>Atomic numbers, concatenated (length N).</summary>
    public int[] Numbers { get; private init; } = [];

    /// <summary>Positions in Å, flat atom-major, double precision (length 3N).</summary>
    public double[] Positions { get; private init; } = [];

    /// <summary>Positions in Å, flat atom-major, float32 (length 3N).</summary>
    public float[] PositionsF { get; private init; } = [];

    /// <summary>Total charge of each structure (length S).</summary>
    public int[] Charges { get; private init; } = [];

    /// <summary>Spin multiplicity of each structure (length S).</summary>
    public int[] Spins { get; private init; } = [];

    /// <summary>Atom count of each structure (length S).</summary>
    public int[] AtomCounts { get; private init; } = [];

    /// <summary>First atom of each structure, plus N at the end (length S + 1).</summary>
    public int[] AtomOffsets { get; private init; } = [];

    /// <summary>Structure of each atom (length N).</summary>
    public int[] AtomToStructure { get; private init; } = [];

    /// <summary>Receiving atom of each edge, batch-global index, ascending (length E).</summary>
    public int[] Receivers { get; private init; } = [];

    /// <summary>Sending atom of each edge, batch-global index (length E).</summary>
    public int[] Senders { get; private init; } = [];

    /// <summary>Edge vectors <c>R_j − R_i</c> in Å as float32, flat edge-major (length 3E).</summary>
    public float[] EdgeVectors { get; private init; } = [];

    /// <summary>Edge lengths in Å as float32 (length E).</summary>
    public float[] EdgeDistances { get; private init; } = [];

    /// <summary>First edge of each structure, plus E at the end (length S + 1).</summary>
    public int[] EdgeOffsets { get; private init; } = [];

    /// <summary>Reference total energy of each structure in eV; NaN where unlabelled (length S).</summary>
    public double[] Energies { get; private init; } = [];

    /// <summary>
    /// Reference forces in eV/Å as float32, flat atom-major (length 3N), or null when no structure has forces;
    /// NaN for the atoms of structures without forces.
    /// </summary>
    public float[]? Forces { get; private init; }

    /// <summary>Whether each structure has reference forces (length S).</summary>
    public bool[] HasForces { get; private init; } = [];

    /// <summary>Builds a batch from the structures at <paramref name="indices"/>, taking neighbour lists from a cache.</summary>
    public static GraphBatch Create(IReadOnlyList<Structure> structures, ReadOnlySpan<int> indices, NeighborListCache cache) =>
        Create(structures, indices, cache.Get);

    /// <summary>Builds a batch from the structures at <paramref name="indices"/>, building neighbour lists with <paramref name="builder"/>.</summary>
    public static GraphBatch Create(IReadOnlyList<Structure> structures, ReadOnlySpan<int> indices, NeighborListBuilder builder) =>
        Create(structures, indices, k => builder.Build(structures[k]));

    /// <summary>Builds a batch of all <paramref name="structures"/> in order.</summary>
    public static GraphBatch Create(IReadOnlyList<Structure> structures, NeighborListBuilder builder)
    {
        int[] all = new int[structures.Count];
        for (int k = 0; k < all.Length; k++) all[k] = k;
        return Create(structures, all, builder);
    }

    /// <summary>Builds a batch from the structures at <paramref name="indices"/> with the given neighbour lists.</summary>
    /// <param name="structures">The dataset.</param>
    /// <param name="indices">Dataset indices of the batch's structures, in batch order.</param>
    /// <param name="neighborList">Gives the neighbour list of a dataset index.</param>
    public static GraphBatch Create(IReadOnlyList<Structure> structures, ReadOnlySpan<int> indices, Func<int, NeighborList> neighborList)
    {
        int s = indices.Length;
        var lists = new NeighborList[s];
        int[] atomOffsets = new int[s + 1];
        int[] edgeOffsets = new int[s + 1];
        bool anyForces = false;
        for (int b = 0; b < s; b++)
        {
            var st = structures[indices[b]];
            var nl = neighborList(indices[b]);
            if (nl.AtomCount != st.AtomCount)
                throw new ArgumentException($"The neighbour list given for structure {indices[b]} has {nl.AtomCount} atoms but the structure has {st.AtomCount}.", nameof(neighborList));
            lists[b] = nl;
            atomOffsets[b + 1] = checked(atomOffsets[b] + st.AtomCount);
            edgeOffsets[b + 1] = checked(edgeOffsets[b] + nl.EdgeCount);
            anyForces |= st.Forces is not null;
        }

        int n = atomOffsets[s], e = edgeOffsets[s];
        var batch = new GraphBatch
        {
            StructureIndices = indices.ToArray(),
            Numbers = new int[n],
            Positions = new double[3 * n],
            PositionsF = new float[3 * n],
            Charges = new int[s],
            Spins = new int[s],
            AtomCounts = new int[s],
            AtomOffsets = atomOffsets,
            AtomToStructure = new int[n],
            Receivers = new int[e],
            Senders = new int[e],
            EdgeVectors = new float[3 * e],
            EdgeDistances = new float[e],
            EdgeOffsets = edgeOffsets,
            Energies = new double[s],
            Forces = anyForces ? new float[3 * n] : null,
            HasForces = new bool[s],
        };

        for (int b = 0; b < s; b++)
        {
            var st = structures[indices[b]];
            int a0 = atomOffsets[b], na = st.AtomCount, e0 = edgeOffsets[b];
            st.Numbers.CopyTo(batch.Numbers, a0);
            st.Positions.CopyTo(batch.Positions, 3 * a0);
            for (int k = 0; k < 3 * na; k++) batch.PositionsF[3 * a0 + k] = (float)st.Positions[k];
            batch.AtomToStructure.AsSpan(a0, na).Fill(b);
            batch.Charges[b] = st.Charge;
            batch.Spins[b] = st.Spin;
            batch.AtomCounts[b] = na;
            batch.Energies[b] = st.Energy ?? double.NaN;
            if (batch.Forces is not null)
            {
                var f = batch.Forces.AsSpan(3 * a0, 3 * na);
                if (st.Forces is null) f.Fill(float.NaN);
                else for (int k = 0; k < f.Length; k++) f[k] = (float)st.Forces[k];
                batch.HasForces[b] = st.Forces is not null;
            }

            var nl = lists[b];
            var rec = nl.Receivers;
            var snd = nl.Senders;
            var vec = nl.Vectors;
            var dist = nl.Distances;
            for (int k = 0; k < rec.Length; k++)
            {
                batch.Receivers[e0 + k] = rec[k] + a0;
                batch.Senders[e0 + k] = snd[k] + a0;
                batch.EdgeDistances[e0 + k] = (float)dist[k];
            }
            for (int k = 0; k < vec.Length; k++) batch.EdgeVectors[3 * e0 + k] = (float)vec[k];
        }
        return batch;
    }
}
