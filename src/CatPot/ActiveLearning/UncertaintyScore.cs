using CatPot.Chemistry;
using CatPot.Simulation;

namespace CatPot.ActiveLearning;

/// <summary>
/// The per-frame uncertainty that active learning ranks and flags frames by. It sees one structure and the model's
/// <see cref="CalculationResult"/> for it, so a calibrated uncertainty (a scale fitted on held-out errors, a density in
/// feature space, LLPR) plugs in here without changing selection.
/// </summary>
public interface IUncertaintyScore
{
    /// <summary>Name written to the provenance and the report, e.g. <c>energy_std</c>.</summary>
    string Name { get; }

    /// <summary>The score; larger means less certain. NaN when the model gives no uncertainty.</summary>
    double Score(Structure structure, CalculationResult result);
}

/// <summary>The HL-Gauss histogram's spread std_E (eV), optionally multiplied by a calibration scale.</summary>
public sealed class EnergyStdScore(double scale = 1) : IUncertaintyScore
{
    /// <inheritdoc/>
    public string Name => "energy_std";

    /// <inheritdoc/>
    public double Score(Structure structure, CalculationResult result) => scale * result.EnergyStd;
}

/// <summary>The HL-Gauss histogram's entropy (nats).</summary>
public sealed class EntropyScore : IUncertaintyScore
{
    /// <inheritdoc/>
    public string Name => "energy_entropy";

    /// <inheritdoc/>
    public double Score(Structure structure, CalculationResult result) => result.Entropy;
}

/// <summary>
/// The largest calibrated per-atom uncertainty of the frame (<c>atom_uncertainty</c>, eV/atom): where the energy_std
/// sums a structure's doubt into one energy, this points at the one environment the model knows least, which is
/// what a force error comes from. NaN without a calibrated uncertainty.
/// </summary>
public sealed class MaxAtomUncertaintyScore : IUncertaintyScore
{
    /// <inheritdoc/>
    public string Name => "atom_uncertainty";

    /// <inheritdoc/>
    public double Score(Structure structure, CalculationResult result)
        => result.AtomUncertainty is { Length: > 0 } atoms ? atoms.Max() : double.NaN;
}

/// <summary>The scores <c>catpot learn --score</c> offers, by name.</summary>
public static class UncertaintyScores
{
    /// <summary>The names, the default first.</summary>
    public static readonly string[] Names = ["energy_std", "atom_uncertainty"];

    /// <summary>The score called <paramref name="name"/> (one of <see cref="Names"/>).</summary>
    public static IUncertaintyScore Create(string name) => name switch
    {
        "energy_std" => new EnergyStdScore(),
        "atom_uncertainty" => new MaxAtomUncertaintyScore(),
        _ => throw new ArgumentException($"Unknown uncertainty score '{name}'; expected one of {string.Join(", ", Names)}."),
    };
}
