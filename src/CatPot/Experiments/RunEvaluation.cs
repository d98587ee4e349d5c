using CatPot.Evaluation;
using CatPot.Training;

namespace CatPot.Experiments;

/// <summary>
/// Everything kept about one finished (cell, seed) run, written as <c>evaluation.json</c> in its folder; its presence
/// marks the run as finished, so a rerun of the grid skips it.
/// </summary>
public sealed record RunEvaluation
{
    /// <summary>File name inside the run folder.</summary>
    public const string FileName = "evaluation.json";

    /// <summary>Cell name.</summary>
    public required string Cell { get; init; }

    /// <summary>Seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Epochs trained.</summary>
    public required int Epochs { get; init; }

    /// <summary>Seconds spent in training steps, summed over epochs (validation excluded).</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Lowest validation score over the epochs (the best model's).</summary>
    public required double BestValidationScore { get; init; }

    /// <summary>The per-epoch training log.</summary>
    public required IReadOnlyList<EpochRecord> History { get; init; }

    /// <summary>Test metrics of the best model, per domain and overall.</summary>
    public required EvaluationReport Test { get; init; }

    /// <summary>Per test structure, in test order.</summary>
    public required IReadOnlyList<StructureOutcome> Structures { get; init; }

    /// <summary>A few predicted histograms (HL-Gauss only).</summary>
    public IReadOnlyList<HistogramExample> Histograms { get; init; } = [];

    /// <summary>Mean entropy over the out-of-domain structures (HL-Gauss with --ood only).</summary>
    public double? OodMeanEntropy { get; init; }

    /// <summary>Mean std_E over the out-of-domain structures, eV (HL-Gauss with --ood only).</summary>
    public double? OodMeanStdE { get; init; }

    /// <summary>Predicted energies of the out-of-domain structures (for the ensemble's spread there).</summary>
    public IReadOnlyList<double> OodEnergies { get; init; } = [];

    /// <summary>Fraction of test targets outside the head's support (residual heads: residuals outside theirs); null for a point-only head.</summary>
    public double? TestOutsideSupport { get; init; }

    /// <summary>Fraction of test targets within one σ of a support edge; null for a point-only head.</summary>
    public double? TestNearEdge { get; init; }
}
