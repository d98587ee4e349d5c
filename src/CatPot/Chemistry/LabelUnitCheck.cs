using System.Globalization;

namespace CatPot.Chemistry;

/// <summary>
/// Notices energy and force labels that are almost certainly not in eV and eV/Å — a kcal/mol or kJ/mol file,
/// a file in Hartree (and Hartree/Bohr) — and says so with the option that converts them. Frames are added one
/// at a time (streaming); <see cref="Warnings"/> judges the dataset as a whole.
/// </summary>
/// <remarks>
/// Energies are compared with the all-electron energies of the free atoms (Hartree–Fock values up to Ar,
/// 0.65·Z^(7/3) Hartree beyond, the Thomas–Fermi scaling fitted to Kr, Xe and Rn). A molecule's total energy
/// in eV never exceeds that sum by much: all-electron energies sit near 27.2× the sum written in Hartree
/// (the ratio is about 1.0 in Hartree, 27 in eV), valence-only or referenced energies below it. So a median
/// ratio above 60 (kcal/mol gives ~630, kJ/mol ~2600) cannot be eV, and a median ratio of 0.9–1.15 with
/// small forces (RMS below 0.2) is the signature of Hartree and Hartree/Bohr. Forces whose median per-frame
/// RMS component exceeds 10 eV/Å are far beyond molecular dynamics or relaxation data in eV/Å (typically
/// 0.5–2 eV/Å), and match kcal/mol/Å (×23) or kJ/mol/Å (×96).
/// </remarks>
public sealed class LabelUnitCheck
{
    // All-electron Hartree–Fock energies of the free atoms H..Ar, in Hartree.
    private static readonly double[] FreeAtomHartree =
    [
        0, -0.5, -2.8617, -7.4327, -14.573, -24.529, -37.689, -54.401, -74.809, -99.409, -128.547,
        -161.859, -199.615, -241.877, -288.854, -340.719, -397.505, -459.482, -526.817,
    ];

    // The medians are taken over the first frames only, so memory stays bounded on any dataset.
    private const int MaxSampledFrames = 200_000;

    private readonly List<double> _energyRatios = [];
    private readonly List<double> _forceRms = [];

    /// <summary>The median ratio above which energies cannot be eV.</summary>
    public const double MaxEnergyRatioForEv = 60;

    /// <summary>The median per-frame RMS force component (eV/Å) above which forces are implausible in eV/Å.</summary>
    public const double MaxForceRmsForEvPerAngstrom = 10;

    /// <summary>Frames with an energy seen so far (at most the first 200,000).</summary>
    public int EnergyFrames => _energyRatios.Count;

    /// <summary>Frames with forces seen so far (at most the first 200,000).</summary>
    public int ForceFrames => _forceRms.Count;

    /// <summary>The all-electron energy of the free atoms of a structure, estimated, in Hartree (negative).</summary>
    public static double FreeAtomEnergyHartree(ReadOnlySpan<int> numbers)
    {
        double sum = 0;
        foreach (int z in numbers)
            sum += z < FreeAtomHartree.Length ? FreeAtomHartree[z] : -0.65 * Math.Pow(z, 7.0 / 3.0);
        return sum;
    }

    /// <summary>Adds one frame's labels.</summary>
    public void Add(Structure structure)
    {
        if (structure.Energy is double e && structure.AtomCount > 0 && _energyRatios.Count < MaxSampledFrames)
            _energyRatios.Add(e / FreeAtomEnergyHartree(structure.Numbers));
        if (structure.Forces is { Length: > 0 } f && _forceRms.Count < MaxSampledFrames)
        {
            double sum = 0;
            foreach (double x in f) sum += x * x;
            _forceRms.Add(Math.Sqrt(sum / f.Length));
        }
    }

    /// <summary>The median energy ratio E / Σ E_atom(Hartree), or null without energies.</summary>
    public double? MedianEnergyRatio => Median(_energyRatios);

    /// <summary>The median per-frame RMS force component, or null without forces.</summary>
    public double? MedianForceRms => Median(_forceRms);

    /// <summary>
    /// One sentence per suspicious quantity (empty when the labels look like eV and eV/Å). Each names what was seen and
    /// the <c>--energy-unit</c>/<c>--force-unit</c> value that converts it.
    /// </summary>
    public IReadOnlyList<string> Warnings()
    {
        var warnings = new List<string>();
        double? ratio = MedianEnergyRatio, rms = MedianForceRms;
        if (ratio is double r && r > MaxEnergyRatioForEv)
        {
            string guess = r switch
            {
                < 1500 => " This matches kcal/mol (pass --energy-unit kcal/mol).",
                < 6000 => " This matches kJ/mol (pass --energy-unit kj/mol).",
                _ => " This matches meV or another small unit (pass --energy-unit with the file's unit).",
            };
            warnings.Add(Invariant(
                $"energies look far too large for eV: the median frame's energy is {r:F0}× its atoms' all-electron energy in Hartree (eV files: at most ~28×).{guess}"));
        }
        else if (ratio is double h && h is > 0.9 and < 1.15 && (rms is null || rms < 0.2))
        {
            warnings.Add(Invariant(
                $"energies look like Hartree: the median frame's energy is {h:F3}× its atoms' all-electron energy in Hartree (an eV file gives ~27×){(rms is null ? "" : Invariant($", and the forces are small (median RMS component {rms:G3})"))}. If so, pass --energy-unit hartree{(rms is null ? "" : " --force-unit hartree/bohr")}."));
        }
        if (rms is double f && f > MaxForceRmsForEvPerAngstrom)
        {
            string guess = f < 150 ? " This matches kcal/mol/Å (pass --force-unit kcal/mol/ang)." : " This matches kJ/mol/Å or meV/Å (pass --force-unit with the file's unit).";
            warnings.Add(Invariant(
                $"forces look far too large for eV/Å: the median frame's RMS force component is {f:G4} (eV/Å data: typically 0.5–2).{guess}"));
        }
        return warnings;
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
