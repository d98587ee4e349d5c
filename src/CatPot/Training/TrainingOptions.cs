using CatPot.Models;

namespace CatPot.Training;

/// <summary>
/// Everything that defines a training run. Defaults follow the model contract's training defaults
/// (AdamW 8e-4, weight decay 1e-3, warm-up from 0.2·lr, cosine to 0.01·lr, clipping at 100, EMA 0.999, 1000 atoms per batch).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Model hyperparameters.</summary>
    public PotentialConfig Model { get; init; } = new();

    /// <summary>Number of passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Atom budget of one batch (structures are packed greedily from a seeded shuffle).</summary>
    public int MaxAtoms { get; init; } = 1000;

    /// <summary>Seed of the initial weights and of every epoch's shuffle; the same seed gives a bit-identical run.</summary>
    public ulong Seed { get; init; }

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 8e-4;

    /// <summary>Adam β₁.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam β₂.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam ε.</summary>
    public double AdamEps { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay on weights and embeddings (never on biases).</summary>
    public double WeightDecay { get; init; } = 1e-3;

    /// <summary>Fraction of all steps used for the linear warm-up.</summary>
    public double WarmupFraction { get; init; } = 0.01;

    /// <summary>The warm-up lasts at least this many epochs' worth of steps (0 to use <see cref="WarmupFraction"/> alone).</summary>
    public double MinWarmupEpochs { get; init; } = 1;

    /// <summary>Warm-up starts at this fraction of the peak learning rate.</summary>
    public double WarmupStartFactor { get; init; } = 0.2;

    /// <summary>The cosine ends at this fraction of the peak learning rate.</summary>
    public double MinLearningRateFactor { get; init; } = 0.01;

    /// <summary>Global gradient-norm clipping threshold.</summary>
    public double ClipNorm { get; init; } = 100;

    /// <summary>Decay of the exponential moving average of the weights used for validation and saving.</summary>
    public double EmaDecay { get; init; } = 0.999;

    /// <summary>
    /// Warm the EMA up: the decay used at update n is min(<see cref="EmaDecay"/>, (1 + n)/(10 + n)), so a short run's
    /// averaged weights are not dominated by the random initial ones. False gives the plain constant-decay EMA of the
    /// contract (and of the PyTorch peer).
    /// </summary>
    public bool EmaWarmup { get; init; } = true;

    /// <summary>Weight λ_E of the energy loss.</summary>
    public double EnergyWeight { get; init; } = 1;

    /// <summary>Weight λ_F of the force loss.</summary>
    public double ForceWeight { get; init; } = 1;

    /// <summary>
    /// The force term: <c>l2mae</c> (default; per structure the mean of the per-atom error norms) or <c>rms</c> (per
    /// structure the root of the mean squared error norm: same units, eV/Å, but large errors weigh more, for test sets
    /// scored by RMSE), both then averaged over structures; or <c>batch-rms</c> (the root of the mean squared error norm
    /// over all atoms of the batch, so a badly predicted structure outweighs the rest of its batch).
    /// </summary>
    public string ForceLoss { get; init; } = "l2mae";

    /// <summary>
    /// The energy term in eV per atom (the normalised per-atom error times the training set's sd) instead of in units of
    /// that sd, so λ_E and λ_F weigh eV/atom against eV/Å as the field does (the small-data recipe); the validation score
    /// then weighs the same units.
    /// </summary>
    public bool EnergyLossPerAtom { get; init; }

    /// <summary>
    /// Isolated-atom reference energies (E0s, eV, indexed by Z) to use instead of the least-squares fit, which is degenerate
    /// when every training structure has the same composition; null: fit them.
    /// </summary>
    public double[]? ElementReferences { get; init; }

    /// <summary>Train on conservative forces −∂E/∂R (double backward) instead of the direct force head.</summary>
    public bool ConservativeForces { get; init; }

    /// <summary>Stop when the validation score has not improved for this many epochs (null: never stop early).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>
    /// Micro-batches per batch: each batch is split into this many parts of about equal atoms whose gradients are summed
    /// in a fixed order (gradient accumulation in one process; one or more parts per rank under MPI). The same number
    /// gives bit-identical weights whatever the number of ranks; 1 is the plain single-batch step.
    /// </summary>
    public int MicroBatches { get; init; } = 1;

    /// <summary>Threads for the kernels (results do not depend on it).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Throws <see cref="ArgumentException"/> for values out of range.</summary>
    public void Validate()
    {
        Model.Validate();
        if (Epochs < 1) throw new ArgumentException($"Epochs must be ≥ 1, got {Epochs}.");
        if (MicroBatches < 1) throw new ArgumentException($"Micro-batches must be ≥ 1, got {MicroBatches}.");
        if (MaxAtoms < 1) throw new ArgumentException($"MaxAtoms must be ≥ 1, got {MaxAtoms}.");
        if (!(LearningRate > 0)) throw new ArgumentException($"The learning rate must be > 0, got {LearningRate}.");
        if (!PotentialLoss.ForceTerms.Contains(ForceLoss)) throw new ArgumentException($"The force loss must be one of {string.Join(", ", PotentialLoss.ForceTerms)}; got '{ForceLoss}'.");
        if (EnergyWeight < 0 || ForceWeight < 0 || EnergyWeight + ForceWeight <= 0)
            throw new ArgumentException($"Loss weights must be ≥ 0 and not both 0 (λ_E = {EnergyWeight}, λ_F = {ForceWeight}).");
        if (EmaDecay is < 0 or >= 1) throw new ArgumentException($"EMA decay must be in [0, 1), got {EmaDecay}.");
    }
}
