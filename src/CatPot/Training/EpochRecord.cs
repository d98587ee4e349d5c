namespace CatPot.Training;

/// <summary>One line of the per-epoch metrics log (<c>metrics.jsonl</c>).</summary>
public sealed record EpochRecord
{
    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; init; }

    /// <summary>Optimiser steps taken so far.</summary>
    public long Step { get; init; }

    /// <summary>Learning rate at the end of the epoch.</summary>
    public double LearningRate { get; init; }

    /// <summary>Mean training loss over the epoch's batches.</summary>
    public double TrainLoss { get; init; }

    /// <summary>Mean energy term of the training loss.</summary>
    public double TrainEnergyLoss { get; init; }

    /// <summary>Mean force term of the training loss (eV/Å).</summary>
    public double TrainForceLoss { get; init; }

    /// <summary>Fraction of training targets outside the head's support (clamped for HL-Gauss, in a tail bin otherwise; 0 for the regression head), over this epoch's steps.</summary>
    public double ClampedTargetFraction { get; init; }

    /// <summary>Fraction of training targets inside the support but within one σ of an end edge (0 for the regression head).</summary>
    public double NearEdgeTargetFraction { get; init; }

    /// <summary>Fraction of validation targets outside the support (residual heads: residuals outside theirs).</summary>
    public double ValidationOutsideSupport { get; init; }

    /// <summary>Fraction of validation targets within one σ of a support edge.</summary>
    public double ValidationNearEdge { get; init; }

    /// <summary>Validation energy MAE per atom (eV/atom), EMA weights.</summary>
    public double ValidationEnergyMaePerAtom { get; init; }

    /// <summary>Validation energy MAE (eV), EMA weights.</summary>
    public double ValidationEnergyMae { get; init; }

    /// <summary>Validation force MAE per component (eV/Å), EMA weights, of the forces being trained.</summary>
    public double ValidationForceMae { get; init; }

    /// <summary>λ_E·(energy MAE per atom / sd) + λ_F·(force MAE / force RMS): the model-selection score (lower is better).</summary>
    public double ValidationScore { get; init; }

    /// <summary>True when this epoch's weights became the best model.</summary>
    public bool IsBest { get; init; }

    /// <summary>Seconds spent training this epoch (excluding validation).</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Structures per second during training this epoch.</summary>
    public double StructuresPerSecond { get; init; }
}

/// <summary>Progress of a running training, reported after every step.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="BatchInEpoch">Batches done in this epoch.</param>
/// <param name="BatchesInEpoch">Batches in this epoch.</param>
/// <param name="Loss">Loss of the last batch.</param>
/// <param name="LearningRate">Current learning rate.</param>
/// <param name="StructuresPerSecond">Throughput over this epoch so far.</param>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int BatchInEpoch, int BatchesInEpoch, double Loss, double LearningRate, double StructuresPerSecond);
