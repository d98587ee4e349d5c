using CatPot.Chemistry;
using Xunit;

namespace CatPot.Tests.Chemistry;

/// <summary>Issue 14 item 9: labels far outside eV and eV/Å are noticed, with the unit option that converts them.</summary>
public class LabelUnitCheckTests
{
    // Aspirin, C9H8O4, as in MD17; its all-electron DFT energy is about -648.8 Hartree.
    private static readonly int[] Aspirin = [.. Enumerable.Repeat(6, 9), .. Enumerable.Repeat(1, 8), .. Enumerable.Repeat(8, 4)];
    private const double AspirinHartree = -648.8;

    private static Structure Frame(double energy, double forceScale)
    {
        var positions = new double[3 * Aspirin.Length];
        for (int i = 0; i < positions.Length; i++) positions[i] = 1.5 * i;
        var forces = new double[positions.Length];
        for (int i = 0; i < forces.Length; i++) forces[i] = forceScale * ((i % 5) - 2) * 0.7;
        return new Structure(Aspirin, positions) { Energy = energy, Forces = forces };
    }

    private static IReadOnlyList<string> Check(double energy, double forceScale)
    {
        var check = new LabelUnitCheck();
        for (int k = 0; k < 5; k++) check.Add(Frame(energy + 0.01 * k, forceScale));
        return check.Warnings();
    }

    [Fact]
    public void AllElectronEnergiesInEv_GiveNoWarning() => Assert.Empty(Check(AspirinHartree * 27.211386, 1.0));

    [Fact]
    public void ValenceOnlyEnergiesInEv_GiveNoWarning() => Assert.Empty(Check(-1230.0, 1.0));

    [Fact]
    public void KcalPerMol_IsNamed()
    {
        var warnings = Check(AspirinHartree * 627.509, 23.06);
        Assert.Equal(2, warnings.Count);
        Assert.Contains("--energy-unit kcal/mol", warnings[0]);
        Assert.Contains("--force-unit kcal/mol/ang", warnings[1]);
    }

    [Fact]
    public void KjPerMol_IsNamed() => Assert.Contains("--energy-unit kj/mol", Assert.Single(Check(AspirinHartree * 2625.5, 1.0)));

    [Fact]
    public void HartreeWithHartreePerBohrForces_IsNamed()
    {
        var warning = Assert.Single(Check(AspirinHartree, 1.0 / 51.42));
        Assert.Contains("--energy-unit hartree --force-unit hartree/bohr", warning);
    }

    [Fact]
    public void HartreeSizedEnergiesWithEvSizedForces_AreNotCalledHartree() => Assert.Empty(Check(AspirinHartree, 1.0));

    [Fact]
    public void FreeAtomEnergy_UsesTheTableForLightAtomsAndTheScalingBeyond()
    {
        Assert.Equal(-0.5 - 37.689, LabelUnitCheck.FreeAtomEnergyHartree([1, 6]), 6);
        Assert.InRange(LabelUnitCheck.FreeAtomEnergyHartree([54]), -7700, -6800); // Xe: Hartree-Fock -7232
    }
}
