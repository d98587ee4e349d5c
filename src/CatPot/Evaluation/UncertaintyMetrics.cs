using System.Text.Json.Serialization;

namespace CatPot.Evaluation;

/// <summary>
/// How well a group's predicted uncertainty tracks its energy errors |ΔE| (total energy, eV), and (with histograms)
/// how likely and how calibrated the reference energies are under the predicted distributions.
/// Null means undefined (too few structures, a constant input) or not available.
/// </summary>
/// <remarks>
/// JSON keys follow the output vocabulary (<see cref="CatPot.IO.PredictionKeys"/>): the histogram's entropy is
/// <c>energy_entropy</c>; its spread is <c>histogram_std</c> (uncalibrated — the calibrated <c>energy_std</c> is reported
/// under <c>calibrated_uncertainty</c>). Reports written before the rename used <c>entropy</c>/<c>std_e</c>
/// (<see cref="LegacyKeys"/>); <see cref="EvaluationReport.FromJson"/> still reads them.
/// </remarks>
public sealed record UncertaintyMetrics
{
    /// <summary>Old JSON key → current key, for reading reports written before the vocabulary rename.</summary>
    public static readonly IReadOnlyDictionary<string, string> LegacyKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["pearson_entropy"] = "pearson_energy_entropy",
        ["spearman_entropy"] = "spearman_energy_entropy",
        ["auroc_entropy"] = "auroc_energy_entropy",
        ["mean_entropy"] = "mean_energy_entropy",
        ["pearson_std_e"] = "pearson_histogram_std",
        ["spearman_std_e"] = "spearman_histogram_std",
        ["auroc_std_e"] = "auroc_histogram_std",
        ["mean_std_e"] = "mean_histogram_std",
    };

    /// <summary>Pearson correlation of entropy with |ΔE|.</summary>
    [JsonPropertyName("pearson_energy_entropy")]
    public double? PearsonEntropy { get; init; }

    /// <summary>Spearman correlation (ties averaged) of entropy with |ΔE|.</summary>
    [JsonPropertyName("spearman_energy_entropy")]
    public double? SpearmanEntropy { get; init; }

    /// <summary>Pearson correlation of std_E with |ΔE|.</summary>
    [JsonPropertyName("pearson_histogram_std")]
    public double? PearsonStdE { get; init; }

    /// <summary>Spearman correlation of std_E with |ΔE|.</summary>
    [JsonPropertyName("spearman_histogram_std")]
    public double? SpearmanStdE { get; init; }

    /// <summary>AUROC of entropy for flagging the worst 10 % of |ΔE| (top max(1, round(0.1·n)), ties averaged).</summary>
    [JsonPropertyName("auroc_energy_entropy")]
    public double? AurocEntropy { get; init; }

    /// <summary>AUROC of std_E for the same flags.</summary>
    [JsonPropertyName("auroc_histogram_std")]
    public double? AurocStdE { get; init; }

    /// <summary>Mean entropy (nats).</summary>
    [JsonPropertyName("mean_energy_entropy")]
    public double? MeanEntropy { get; init; }

    /// <summary>Mean std_E (eV).</summary>
    [JsonPropertyName("mean_histogram_std")]
    public double? MeanStdE { get; init; }

    /// <summary>Mean negative log density of the true value under the predicted histogram, nats per structure in the histogram's units (y_n).</summary>
    public double? MeanNll { get; init; }

    /// <summary>The same in eV of total energy: MeanNll + mean ln(N·sd); null when the energy scale is unknown.</summary>
    public double? MeanNllEnergy { get; init; }

    /// <summary>Central-interval probabilities p of the calibration curve (0.1, 0.2, …, 0.9).</summary>
    public double[]? CalibrationLevels { get; init; }

    /// <summary>Observed fraction of true values inside the predicted central p-interval, per level.</summary>
    public double[]? CalibrationObserved { get; init; }

    /// <summary>Miscalibration area: mean over the levels of |observed − p|.</summary>
    public double? MiscalibrationArea { get; init; }
}
