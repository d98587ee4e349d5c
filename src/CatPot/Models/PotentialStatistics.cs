namespace CatPot.Models;

/// <summary>
/// The non-trainable numbers a model is trained with and saved with: element reference energies (eV, indexed by Z) and
/// the charge and spin reference terms (<see cref="ChargeReference"/>), the mean and standard deviation of referenced per-atom energies (eV/atom), the HL-Gauss support [lo, hi]
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

    /// <summary>The structure-level reference terms in the total charge and the spin multiplicity (zero in v1 files).</summary>
    public ChargeReference Charge { get; init; } = ChargeReference.None;

    /// <summary>Σ ref[Z] over the atoms plus the charge and spin terms, in double precision: the part of the energy the
    /// network does not predict.</summary>
    public double ReferenceEnergy(ReadOnlySpan<int> numbers, int charge, int spin)
    {
        double s = Charge.Energy(charge, spin);
        foreach (int z in numbers) s += ElementReferences[z];
        return s;
    }
}

/// <summary>
/// The structure-level part of the reference energy: a·Q + b·Q² + c·(2S+1 − 1) in eV, fitted by least squares beside the
/// element references. The network's energy is a sum over atoms (N × a per-atom mean), which cannot represent a term
/// that does not grow with the number of atoms, such as the ≈ 8 eV per elementary charge of ionisation on xtb4; the
/// parabola in Q is the conceptual-DFT model E(Q) ≈ E(0) + χQ + ηQ²/2, so a charge absent from training is
/// extrapolated rather than left to an untrained embedding row.
/// </summary>
/// <param name="PerCharge">a, eV per elementary charge.</param>
/// <param name="PerChargeSquared">b, eV per elementary charge squared.</param>
/// <param name="PerUnpairedElectron">c, eV per unpaired electron (multiplicity − 1).</param>
public sealed record ChargeReference(double PerCharge, double PerChargeSquared, double PerUnpairedElectron)
{
    /// <summary>No structure-level terms (v1 files, single-charge data, given E0s).</summary>
    public static ChargeReference None { get; } = new(0, 0, 0);

    /// <summary>True when every term is zero.</summary>
    public bool IsNone => PerCharge == 0 && PerChargeSquared == 0 && PerUnpairedElectron == 0;

    /// <summary>The terms' energy for total charge <paramref name="charge"/> and multiplicity <paramref name="spin"/>, eV.</summary>
    public double Energy(int charge, int spin) => (PerCharge * charge) + (PerChargeSquared * charge * (double)charge) + (PerUnpairedElectron * (spin - 1));
}
