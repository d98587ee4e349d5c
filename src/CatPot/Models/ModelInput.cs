using System.Numerics;
using CatPot.Graphs;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>
/// What the model reads: one or more structures packed as a disjoint graph. Edges are ordered pairs
/// (receiver i, sender j) within the cutoff, sorted by receiver; the edge vector is R_j − R_i.
/// </summary>
public sealed class ModelInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private EdgeTopology? _topology;
    private bool _topologyBuilt;

    /// <summary>Creates an input; arrays are not copied. Validation happens at the data layer's edge.</summary>
    public ModelInput(int[] atomicNumbers, Tensor<T> positions, int[] charges, int[] spins, int[] atomToStructure, int[] atomCounts, int[] receivers, int[] senders)
    {
        AtomicNumbers = atomicNumbers;
        Positions = positions;
        Charges = charges;
        Spins = spins;
        AtomToStructure = atomToStructure;
        AtomCounts = atomCounts;
        Receivers = receivers;
        Senders = senders;
        if (positions.Rank != 2 || positions.Shape[0] != atomicNumbers.Length || positions.Shape[1] != 3)
            throw new ArgumentException($"Positions must have shape [{atomicNumbers.Length}, 3], got {Tensor.FormatShape(positions.Shape)}.", nameof(positions));
        if (receivers.Length != senders.Length)
            throw new ArgumentException($"{receivers.Length} receivers but {senders.Length} senders.", nameof(senders));
        AtomChargeIndex = new int[atomicNumbers.Length];
        AtomSpinIndex = new int[atomicNumbers.Length];
        for (int a = 0; a < atomicNumbers.Length; a++)
        {
            AtomChargeIndex[a] = charges[atomToStructure[a]] + 10;
            AtomSpinIndex[a] = spins[atomToStructure[a]] - 1;
        }
    }

    /// <summary>The model input of a packed batch (positions converted to <typeparamref name="T"/>).</summary>
    public static ModelInput<T> FromBatch(GraphBatch batch)
    {
        var positions = new Tensor<T>(batch.AtomCount, 3);
        var dst = positions.Span;
        var src = batch.Positions;
        for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateChecked(src[i]);
        return new ModelInput<T>(batch.Numbers, positions, batch.Charges, batch.Spins, batch.AtomToStructure, batch.AtomCounts, batch.Receivers, batch.Senders);
    }

    /// <summary>Atomic numbers [N].</summary>
    public int[] AtomicNumbers { get; }

    /// <summary>Positions [N, 3] in Å. Mark <see cref="Tensor{T}.RequiresGrad"/> to get conservative forces.</summary>
    public Tensor<T> Positions { get; }

    /// <summary>Total charge per structure [S].</summary>
    public int[] Charges { get; }

    /// <summary>Spin multiplicity per structure [S].</summary>
    public int[] Spins { get; }

    /// <summary>Structure index of every atom [N].</summary>
    public int[] AtomToStructure { get; }

    /// <summary>Atoms per structure [S].</summary>
    public int[] AtomCounts { get; }

    /// <summary>Receiving atom i of every edge [E].</summary>
    public int[] Receivers { get; }

    /// <summary>Sending atom j of every edge [E].</summary>
    public int[] Senders { get; }

    /// <summary>Row of the charge embedding for each atom (Q + 10).</summary>
    public int[] AtomChargeIndex { get; }

    /// <summary>Row of the spin embedding for each atom (S − 1).</summary>
    public int[] AtomSpinIndex { get; }

    /// <summary>Offsets and reverse edges for the fused message op, built on first use; null when the edge list is not symmetric.</summary>
    internal EdgeTopology? Topology
    {
        get
        {
            if (!_topologyBuilt)
            {
                _topology = EdgeTopology.TryCreate(AtomCount, Receivers, Senders);
                _topologyBuilt = true;
            }
            return _topology;
        }
    }

    /// <summary>Number of atoms N.</summary>
    public int AtomCount => AtomicNumbers.Length;

    /// <summary>Number of structures S.</summary>
    public int StructureCount => AtomCounts.Length;

    /// <summary>Number of edges E.</summary>
    public int EdgeCount => Receivers.Length;
}
