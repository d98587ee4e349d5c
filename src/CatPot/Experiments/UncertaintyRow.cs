namespace CatPot.Experiments;

/// <summary>One cell's (or the ensemble's) uncertainty metrics on the test set, overall, mean ± std over seeds.</summary>
public sealed record UncertaintyRow
{
    /// <summary>Cell name, or "ensemble".</summary>
    public required string Cell { get; init; }

    /// <summary>Readable label.</summary>
    public required string Label { get; init; }

    /// <summary>Seeds averaged (1 for the ensemble, which is one predictor).</summary>
    public required int Seeds { get; init; }

    /// <summary>Pearson r of entropy with |ΔE|.</summary>
    public MeanStd? PearsonEntropy { get; init; }

    /// <summary>Spearman ρ of entropy with |ΔE|.</summary>
    public MeanStd? SpearmanEntropy { get; init; }

    /// <summary>Pearson r of std_E (or the ensemble spread) with |ΔE|.</summary>
    public MeanStd? PearsonStd { get; init; }

    /// <summary>Spearman ρ of std_E (or the ensemble spread) with |ΔE|.</summary>
    public MeanStd? SpearmanStd { get; init; }

    /// <summary>AUROC of entropy for the worst 10 % of |ΔE|.</summary>
    public MeanStd? AurocEntropy { get; init; }

    /// <summary>AUROC of std_E (or the ensemble spread) for the worst 10 %.</summary>
    public MeanStd? AurocStd { get; init; }

    /// <summary>Mean NLL of the true y_n under the predicted histogram (nats).</summary>
    public MeanStd? Nll { get; init; }

    /// <summary>Miscalibration area of the central intervals.</summary>
    public MeanStd? MiscalibrationArea { get; init; }

    /// <summary>Mean entropy on the test set (in-domain).</summary>
    public MeanStd? MeanEntropy { get; init; }

    /// <summary>Mean entropy on the out-of-domain structures (with --ood).</summary>
    public MeanStd? OodMeanEntropy { get; init; }

    /// <summary>Mean std_E (or spread) on the test set, eV.</summary>
    public MeanStd? MeanStd { get; init; }

    /// <summary>Mean std_E (or spread) on the out-of-domain structures, eV.</summary>
    public MeanStd? OodMeanStd { get; init; }

    /// <summary>Per domain: Pearson r of entropy (HL-Gauss) or spread (ensemble) with |ΔE|, mean over seeds.</summary>
    public IReadOnlyDictionary<string, MeanStd> PearsonByDomain { get; init; } = new Dictionary<string, MeanStd>();

    /// <summary>Overall energy MAE of the predictor (eV).</summary>
    public MeanStd? EnergyMae { get; init; }

    /// <summary>Overall force MAE of the predictor (eV/Å; the ensemble's is that of its mean forces).</summary>
    public MeanStd? ForceMae { get; init; }

    /// <summary>Training seconds this uncertainty costs (sum over members for the ensemble, mean per run for a cell).</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Trainings needed for one predictor (1 for an HL-Gauss cell, M for the ensemble).</summary>
    public int TrainingsPerPredictor { get; init; } = 1;
}
