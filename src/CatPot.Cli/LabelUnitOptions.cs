using System.CommandLine;
using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.Cli;

/// <summary>
/// <c>--energy-unit</c> and <c>--force-unit</c>: the units a dataset's labels are written in, converted to eV and eV/Å
/// as frames are read (docs/formats.md, "Units"); and the warning printed when labels look like another unit.
/// </summary>
public sealed class LabelUnitOptions
{
    private LabelUnitOptions(Option<string> energy, Option<string> force)
    {
        Energy = energy;
        Force = force;
    }

    /// <summary>The <c>--energy-unit</c> option.</summary>
    public Option<string> Energy { get; }

    /// <summary>The <c>--force-unit</c> option.</summary>
    public Option<string> Force { get; }

    /// <summary>Creates the two options; add both to a command.</summary>
    public static LabelUnitOptions Create()
    {
        var energy = new Option<string>("--energy-unit")
        {
            Description = "Unit of the energy labels in the data files, converted to eV on reading: "
                + string.Join(", ", LabelUnit.EnergyUnits.Select(u => u.Name)) + ".",
            DefaultValueFactory = _ => LabelUnit.ElectronVolt.Name,
        };
        energy.Validators.Add(r =>
        {
            if (!LabelUnit.TryParseEnergy(r.GetValueOrDefault<string>() ?? "", out _))
                r.AddError($"--energy-unit must be one of {string.Join(", ", LabelUnit.EnergyUnits.Select(u => u.Name))}.");
        });
        var force = new Option<string>("--force-unit")
        {
            Description = "Unit of the force labels in the data files, converted to eV/Å on reading: "
                + string.Join(", ", LabelUnit.ForceUnits.Select(u => u.Name)) + ".",
            DefaultValueFactory = _ => LabelUnit.ElectronVoltPerAngstrom.Name,
        };
        force.Validators.Add(r =>
        {
            if (!LabelUnit.TryParseForce(r.GetValueOrDefault<string>() ?? "", out _))
                r.AddError($"--force-unit must be one of {string.Join(", ", LabelUnit.ForceUnits.Select(u => u.Name))}.");
        });
        return new LabelUnitOptions(energy, force);
    }

    /// <summary>Reader options with the chosen units.</summary>
    public ExtXyzReaderOptions Apply(ParseResult parseResult, ExtXyzReaderOptions options)
    {
        string energyText = parseResult.GetValue(Energy)!, forceText = parseResult.GetValue(Force)!;
        if (!LabelUnit.TryParseEnergy(energyText, out var energy))
            throw new CommandLineUsageException($"--energy-unit {energyText} is not known; use one of {string.Join(", ", LabelUnit.EnergyUnits.Select(u => u.Name))}.");
        if (!LabelUnit.TryParseForce(forceText, out var force))
            throw new CommandLineUsageException($"--force-unit {forceText} is not known; use one of {string.Join(", ", LabelUnit.ForceUnits.Select(u => u.Name))}.");
        return options with { EnergyUnit = energy, ForceUnit = force };
    }

    /// <summary>Writes <c>catpot: warning: PATH: …</c> for each unit warning about <paramref name="structures"/>.</summary>
    public static void WarnAboutUnits(IEnumerable<Structure> structures, string what, TextWriter error)
    {
        var check = new LabelUnitCheck();
        foreach (var s in structures) check.Add(s);
        foreach (var warning in check.Warnings())
            error.WriteLine($"catpot: warning: {what}: {warning}");
    }
}
