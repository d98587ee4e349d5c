using CatPot.Chemistry;

namespace CatPot.Models;

/// <summary>
/// The non-trainable numbers a model is trained with and saved with: element reference energies (eV, indexed by Z) and
/// the charge reference terms (<see cref="ChargeReference"/>), the mean and standard deviation of referenced per-atom energies (eV/atom), the HL-Gauss support [lo, hi]
/// in normalised units, and the RMS of training force components (eV/Å).
/// </summary>
public sealed record PotentialStatistics
{
    /// <summary>Reference energy per element, index = Z (0..118); 0 for elements never seen.</summary>
    public double[] ElementReferences { get; init; } = new double[119];

    /// <summary>Mean of (E − Σ ref)/N over training structures (eV/atom).</summary>
    public double Mu { get; init; }

    /// <summary>Population standard deviation of (E − Σ ref)/N (eV/atom).</summary>
    public double Sd { get; init; } = 1;

    /// <summary>Lower edge of the HL-Gauss support in normalised units.</summary>
    public double Lo { get; init; } = -1;

    /// <summary>Upper edge of the HL-Gauss support in normalised units.</summary>
    public double Hi { get; init; } = 1;

    /// <summary>RMS of training force components (eV/Å); scales the direct force head.</summary>
    public double ForceRms { get; init; } = 1;

    /// <summary>The structure-level reference terms in the total charge (zero in v1 files).</summary>
    public ChargeReference Charge { get; init; } = ChargeReference.None;

    /// <summary>Σ ref[Z] over the atoms plus the charge terms, in double precision: the part of the energy the network
    /// does not predict.</summary>
    public double ReferenceEnergy(ReadOnlySpan<int> numbers, int charge)
    {
        double s = Charge.Energy(charge);
        foreach (int z in numbers) s += ElementReferences[z];
        return s;
    }
}
