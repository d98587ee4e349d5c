namespace CatPot.Experiments;

/// <summary>One cell's errors in the style of the paper's Table 1: per group (domains, then "overall"), mean ± std over seeds.</summary>
public sealed record AccuracyRow
{
    /// <summary>Cell name (or "ensemble").</summary>
    public required string Cell { get; init; }

    /// <summary>Readable label.</summary>
    public required string Label { get; init; }

    /// <summary>Main cell or temperature sweep.</summary>
    public required CellRole Role { get; init; }

    /// <summary>Seeds averaged.</summary>
    public required int Seeds { get; init; }

    /// <summary>Per group: the energy MAE (eV, total energy) over seeds.</summary>
    public required IReadOnlyDictionary<string, MeanStd> EnergyMae { get; init; }

    /// <summary>Per group: the energy MAE per atom (eV/atom) over seeds.</summary>
    public required IReadOnlyDictionary<string, MeanStd> EnergyMaePerAtom { get; init; }

    /// <summary>Per group: the force MAE (eV/Å per component) over seeds.</summary>
    public required IReadOnlyDictionary<string, MeanStd> ForceMae { get; init; }

    /// <summary>Overall energy MAE divided by the baseline's (means over seeds); null without a baseline.</summary>
    public double? EnergyRatio { get; init; }

    /// <summary>Overall force MAE divided by the baseline's; null without a baseline.</summary>
    public double? ForceRatio { get; init; }

    /// <summary>Mean over seeds of the best validation score (how the best HL-Gauss cell was chosen).</summary>
    public double ValidationScore { get; init; }
}
