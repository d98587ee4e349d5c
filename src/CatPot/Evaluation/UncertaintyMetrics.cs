namespace CatPot.Evaluation;

/// <summary>
/// How well a group's predicted uncertainty tracks its energy errors |ΔE| (total energy, eV), and (with histograms)
/// how likely and how calibrated the reference energies are under the predicted distributions.
/// Null means undefined (too few structures, a constant input) or not available.
/// </summary>
public sealed record UncertaintyMetrics
{
    /// <summary>Pearson correlation of entropy with |ΔE|.</summary>
    public double? PearsonEntropy { get; init; }

    /// <summary>Spearman correlation (ties averaged) of entropy with |ΔE|.</summary>
    public double? SpearmanEntropy { get; init; }

    /// <summary>Pearson correlation of std_E with |ΔE|.</summary>
    public double? PearsonStdE { get; init; }

    /// <summary>Spearman correlation of std_E with |ΔE|.</summary>
    public double? SpearmanStdE { get; init; }

    /// <summary>AUROC of entropy for flagging the worst 10 % of |ΔE| (top max(1, round(0.1·n)), ties averaged).</summary>
    public double? AurocEntropy { get; init; }

    /// <summary>AUROC of std_E for the same flags.</summary>
    public double? AurocStdE { get; init; }

    /// <summary>Mean entropy (nats).</summary>
    public double? MeanEntropy { get; init; }

    /// <summary>Mean std_E (eV).</summary>
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
