using CatPot.Chemistry;

namespace CatPot.IO;

/// <summary>Settings for <see cref="ExtXyzReader"/>.</summary>
public sealed record ExtXyzReaderOptions
{
    /// <summary>Defaults: ASE/MACE label keys, 0.1 Å close-contact limit, at most 10,000,000 atoms per frame.</summary>
    public static ExtXyzReaderOptions Default { get; } = new();

    /// <summary>Where energy, forces, charge and spin are looked for.</summary>
    public ExtXyzKeys Keys { get; init; } = ExtXyzKeys.Default;

    /// <summary>
    /// Two atoms closer than this (Å) make the frame invalid; 0 turns the check off.
    /// Distances are direct (no periodic images).
    /// </summary>
    public double MinInteratomicDistance { get; init; } = StructureValidator.DefaultMinDistance;

    /// <summary>A count line above this is rejected before anything is allocated.</summary>
    public int MaxAtomsPerFrame { get; init; } = 10_000_000;
}
