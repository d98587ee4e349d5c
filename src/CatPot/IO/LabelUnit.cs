using System.Globalization;

namespace CatPot.IO;

/// <summary>
/// A unit energy or force labels may be written in, with its factor to CatPot's units (eV, eV/Å).
/// Readers multiply every energy (or force component) by <see cref="ToCatPot"/> when a file is declared to be in
/// this unit (<c>--energy-unit</c>, <c>--force-unit</c>). Factors: CODATA 2018 (Hartree, Bohr, Rydberg) and the
/// thermochemical calorie (4.184 J), as ASE's <c>ase.units</c>.
/// </summary>
/// <param name="Name">The name accepted on the command line (lower case).</param>
/// <param name="ToCatPot">Multiply by this to get eV (energies) or eV/Å (forces).</param>
public sealed record LabelUnit(string Name, double ToCatPot)
{
    private const double Hartree = 27.211386245988;        // eV
    private const double Rydberg = Hartree / 2;            // eV
    private const double Bohr = 0.529177210903;            // Å
    private const double KcalPerMol = 4184.0 / 6.02214076e23 / 1.602176634e-19;   // eV
    private const double KjPerMol = 1000.0 / 6.02214076e23 / 1.602176634e-19;     // eV

    /// <summary>eV: CatPot's energy unit (no conversion).</summary>
    public static LabelUnit ElectronVolt { get; } = new("ev", 1.0);

    /// <summary>eV/Å: CatPot's force unit (no conversion).</summary>
    public static LabelUnit ElectronVoltPerAngstrom { get; } = new("ev/ang", 1.0);

    /// <summary>The energy units a file may be declared in.</summary>
    public static IReadOnlyList<LabelUnit> EnergyUnits { get; } =
    [
        ElectronVolt, new("mev", 1e-3), new("hartree", Hartree), new("rydberg", Rydberg),
        new("kcal/mol", KcalPerMol), new("kj/mol", KjPerMol),
    ];

    /// <summary>The force units a file may be declared in.</summary>
    public static IReadOnlyList<LabelUnit> ForceUnits { get; } =
    [
        ElectronVoltPerAngstrom, new("mev/ang", 1e-3), new("hartree/bohr", Hartree / Bohr), new("rydberg/bohr", Rydberg / Bohr),
        new("ev/bohr", 1.0 / Bohr), new("kcal/mol/ang", KcalPerMol), new("kj/mol/ang", KjPerMol),
    ];

    /// <summary>True for eV and eV/Å, which need no conversion.</summary>
    public bool IsIdentity => ToCatPot == 1.0;

    /// <summary>Finds an energy unit by name (case-insensitive; <c>ha</c>, <c>kcal</c>, <c>kj</c> and <c>ry</c> are accepted too).</summary>
    public static bool TryParseEnergy(string text, out LabelUnit unit) => TryFind(EnergyUnits, Canonical(text), out unit);

    /// <summary>Finds a force unit by name (case-insensitive; <c>Å</c>, <c>a</c> and <c>angstrom</c> all mean <c>ang</c>).</summary>
    public static bool TryParseForce(string text, out LabelUnit unit) => TryFind(ForceUnits, Canonical(text), out unit);

    /// <summary>Converts a structure's energy and forces in place from the given units to eV and eV/Å.</summary>
    public static void Convert(Chemistry.Structure structure, LabelUnit energy, LabelUnit force)
    {
        if (!energy.IsIdentity && structure.Energy is double e) structure.Energy = e * energy.ToCatPot;
        if (!force.IsIdentity && structure.Forces is { } f)
            for (int i = 0; i < f.Length; i++) f[i] *= force.ToCatPot;
    }

    /// <inheritdoc/>
    public override string ToString() => Name + " (×" + ToCatPot.ToString("G6", CultureInfo.InvariantCulture) + ")";

    private static string Canonical(string text)
    {
        string s = text.Trim().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal)
            .Replace("angstrom", "ang", StringComparison.Ordinal).Replace("å", "ang", StringComparison.Ordinal);
        if (s.EndsWith("/a", StringComparison.Ordinal)) s = s[..^2] + "/ang";
        return s switch
        {
            "ha" or "hartrees" => "hartree",
            "ha/bohr" => "hartree/bohr",
            "ry" => "rydberg",
            "ry/bohr" => "rydberg/bohr",
            "kcal" or "kcal/mole" => "kcal/mol",
            "kj" or "kj/mole" => "kj/mol",
            "ev/å" => "ev/ang",
            _ => s,
        };
    }

    private static bool TryFind(IReadOnlyList<LabelUnit> units, string name, out LabelUnit unit)
    {
        foreach (var u in units)
            if (u.Name == name) { unit = u; return true; }
        unit = ElectronVolt;
        return false;
    }
}
