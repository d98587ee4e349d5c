using CatPot.Models;

namespace CatPot.Experiments;

/// <summary>
/// One configuration of the study: the energy head and, for HL-Gauss, its bins, σ/w and softmax temperature.
/// Everything else (data, model size, optimiser, schedule, budget) is shared by all cells of a grid.
/// </summary>
public sealed record ExperimentCell
{
    /// <summary>Short identifier, used as the run folder name (letters, digits, '-', '_', '.').</summary>
    public required string Name { get; init; }

    /// <summary>The energy head.</summary>
    public EnergyHeadKind Head { get; init; } = EnergyHeadKind.HLGauss;

    /// <summary>HL-Gauss bins K (ignored for the MAE head).</summary>
    public int Bins { get; init; } = 128;

    /// <summary>HL-Gauss σ / bin width (ignored for the MAE head).</summary>
    public double SigmaRatio { get; init; } = 0.75;

    /// <summary>Softmax temperature T (ignored for the MAE head).</summary>
    public double Temperature { get; init; } = 2.0;

    /// <summary>True for the scalar-regression (MAE) baseline.</summary>
    public bool IsBaseline => Head == EnergyHeadKind.Mae;

    /// <summary>A human-readable label in the style of the paper's Table 1.</summary>
    public string Label => IsBaseline
        ? "Baseline (MAE)"
        : FormattableString.Invariant($"HL-Gauss ({Bins} bins, σ/w = {SigmaRatio:0.##}, T = {Temperature:0.##})");

    /// <summary>The model configuration of this cell on top of the shared <paramref name="shared"/> settings.</summary>
    public PotentialConfig Apply(PotentialConfig shared) => IsBaseline
        ? shared with { Head = EnergyHeadKind.Mae }
        : shared with { Head = EnergyHeadKind.HLGauss, Bins = Bins, SigmaRatio = SigmaRatio, Temperature = Temperature };

    /// <summary>Throws <see cref="ArgumentException"/> when the name is not a safe folder name or a value is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Name) || Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || Name.StartsWith('.'))
            throw new ArgumentException($"Cell name '{Name}' is not usable as a folder name; use letters, digits, '-', '_' and '.' only.");
        if (!IsBaseline)
        {
            if (Bins < 2) throw new ArgumentException($"Cell '{Name}': bins must be ≥ 2, got {Bins}.");
            if (!(SigmaRatio > 0) || !double.IsFinite(SigmaRatio)) throw new ArgumentException($"Cell '{Name}': sigma_ratio must be > 0, got {SigmaRatio}.");
            if (!(Temperature > 0) || !double.IsFinite(Temperature)) throw new ArgumentException($"Cell '{Name}': temperature must be > 0, got {Temperature}.");
        }
    }
}
