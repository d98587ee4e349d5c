namespace CatPot.Chemistry;

/// <summary>
/// The structure-level part of the reference energy: a·Q + b·Q² in eV for total charge Q, fitted by least squares beside
/// the element references. The network's energy is a sum over atoms (N × a per-atom mean), which cannot represent a
/// term that does not grow with the number of atoms, such as the ≈ 8 eV per elementary charge of ionisation on xtb4;
/// the parabola is the conceptual-DFT model E(Q) ≈ E(0) + χQ + ηQ²/2, so a charge absent from training is extrapolated
/// rather than left to an untrained embedding row. There is no spin term: which spin state lies lower depends on the
/// molecule, and on the 1,978-frame sample a per-unpaired-electron column fitted −17 eV from a few high-spin complexes.
/// </summary>
/// <param name="PerCharge">a, eV per elementary charge.</param>
/// <param name="PerChargeSquared">b, eV per elementary charge squared.</param>
public sealed record ChargeReference(double PerCharge, double PerChargeSquared)
{
    /// <summary>No structure-level terms (v1 files, single-charge data, given E0s).</summary>
    public static ChargeReference None { get; } = new(0, 0);

    /// <summary>True when every term is zero.</summary>
    public bool IsNone => PerCharge == 0 && PerChargeSquared == 0;

    /// <summary>The terms' energy for total charge <paramref name="charge"/>, eV.</summary>
    public double Energy(int charge) => (PerCharge * charge) + (PerChargeSquared * charge * (double)charge);
}
