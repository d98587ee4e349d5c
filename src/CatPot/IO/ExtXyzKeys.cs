namespace CatPot.IO;

/// <summary>
/// Which comment-line keys and per-atom columns hold the labels. For each label the reader takes the
/// first candidate that is present; the defaults cover ASE names (<c>energy</c>, <c>forces</c>,
/// <c>charge</c>, <c>spin</c>) and MACE names (<c>REF_energy</c>, <c>REF_forces</c>,
/// <c>total_charge</c>, <c>total_spin</c>). Candidates that were not used stay in
/// <see cref="Chemistry.Structure.Info"/> / <see cref="Chemistry.Structure.PerAtom"/>.
/// </summary>
public sealed record ExtXyzKeys
{
    /// <summary>ASE names first, then MACE names.</summary>
    public static ExtXyzKeys Default { get; } = new();

    /// <summary>Comment-line keys holding the total energy (eV).</summary>
    public IReadOnlyList<string> Energy { get; init; } = ["energy", "REF_energy"];

    /// <summary>Per-atom <c>R:3</c> columns holding the forces (eV/Å).</summary>
    public IReadOnlyList<string> Forces { get; init; } = ["forces", "REF_forces"];

    /// <summary>Comment-line keys holding the total charge (an integer, e).</summary>
    public IReadOnlyList<string> Charge { get; init; } = ["charge", "total_charge"];

    /// <summary>Comment-line keys holding the spin multiplicity 2S+1 (an integer ≥ 1).</summary>
    public IReadOnlyList<string> Spin { get; init; } = ["spin", "total_spin"];
}
