using CatPot.Simulation;
using CatPot.Training;

namespace CatPot.ActiveLearning;

/// <summary>
/// Everything that defines an active-learning run. Saved as <c>learn.json</c> in the run directory, so
/// <c>--resume</c> continues with exactly these settings.
/// </summary>
public sealed record LearnSettings
{
    /// <summary>Labelled starting set (extxyz), or null to make one from <see cref="StartPath"/> by a short MD on the reference method.</summary>
    public string? InitialPath { get; init; }

    /// <summary>Starting structures of the exploration trajectories (and of the initial MD). Null: the first frame of the initial set.</summary>
    public string? StartPath { get; init; }

    /// <summary>Frames of the initial reference MD when there is no <see cref="InitialPath"/>.</summary>
    public int InitialFrames { get; init; } = 20;

    /// <summary>Steps between the frames kept from the initial reference MD (each step is one labeller call).</summary>
    public int InitialInterval { get; init; } = 10;

    /// <summary>Held-out labelled frames evaluated after every round (learning curves), or null.</summary>
    public string? TestPath { get; init; }

    /// <summary>Most labels added by active learning (the initial set not counted).</summary>
    public int Budget { get; init; } = 200;

    /// <summary>Most labels per round (B).</summary>
    public int PerRound { get; init; } = 20;

    /// <summary>Most rounds.</summary>
    public int MaxRounds { get; init; } = 30;

    /// <summary><c>active</c> (flagged frames, farthest point) or <c>random</c> (uniform from the pool: the baseline).</summary>
    public string Selection { get; init; } = "active";

    /// <summary>Temperature ladder, K; trajectory t runs at <c>Temperatures[t % Length]</c>.</summary>
    public double[] Temperatures { get; init; } = [300, 450, 600];

    /// <summary>Exploration trajectories per round.</summary>
    public int Trajectories { get; init; } = 3;

    /// <summary>Target length of every trajectory, MD steps.</summary>
    public int MdSteps { get; init; } = 2000;

    /// <summary>MD time step, fs.</summary>
    public double TimeStep { get; init; } = 0.5;

    /// <summary>Langevin friction, 1/fs.</summary>
    public double Friction { get; init; } = 0.01;

    /// <summary>Steps between frames put into the candidate pool.</summary>
    public int SampleInterval { get; init; } = 20;

    /// <summary>A trajectory stops after this many flagged frames (the model is outside what it knows; going on only wastes time).</summary>
    public int MaxFlaggedPerTrajectory { get; init; } = 10;

    /// <summary>
    /// Forces driving exploration MD: those the model is trained on (<c>catpot learn --forces auto</c>). A model trained
    /// with a direct force head has an energy fitted to a few dozen energies only, whose gradient is too poor to explore
    /// with (the round-0 aspirin model broke every trajectory within 100 steps); a model trained on −∂E/∂R explores with
    /// it, and its trajectories do not heat as the direct head's do (docs/active-learning.md).
    /// </summary>
    public ForceSource Forces { get; init; } = ForceSource.Direct;

    /// <summary>
    /// Stop when every trajectory ran <see cref="MdSteps"/> unflagged (true), or keep labelling the most uncertain
    /// frames until <see cref="Budget"/> is spent (false: a comparison with random selection at the same budget).
    /// </summary>
    public bool StopWhenConverged { get; init; } = true;

    /// <summary>The uncertainty score frames are flagged and ranked by (<see cref="UncertaintyScores.Names"/>).</summary>
    public string Score { get; init; } = "energy_std";

    /// <summary>Flag threshold on the uncertainty score; null: <see cref="ThresholdFactor"/> × the 95th percentile of the score over the labelled frames, per round.</summary>
    public double? MaxUncertainty { get; init; }

    /// <summary>Multiplier of the automatic threshold.</summary>
    public double ThresholdFactor { get; init; } = 2;

    /// <summary>Active selection fills a round's budget left after the flagged frames from the this-many × B most uncertain unflagged frames (0: flagged frames only).</summary>
    public int FillCandidates { get; init; } = 4;

    /// <summary>Near-duplicate radius in feature space (RMS difference of inverse distances, Å⁻¹).</summary>
    public double MinDistance { get; init; } = 0.002;

    /// <summary>A trajectory whose atoms come closer than this (Å) or whose largest force exceeds <see cref="MaxForce"/> has broken down.</summary>
    public double MinPairDistance { get; init; } = 0.5;

    /// <summary>Largest per-atom force (eV/Å) before a trajectory counts as broken down.</summary>
    public double MaxForce { get; init; } = 50;

    /// <summary>Training of the first round (the model architecture, epochs, seed, batch atoms).</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>Epochs of every later round.</summary>
    public int RetrainEpochs { get; init; } = 20;

    /// <summary>Start every later round from the previous round's weights (true) or from fresh seeded weights.</summary>
    public bool WarmStart { get; init; } = true;

    /// <summary>
    /// Explore with the calibrated <c>energy_std</c>: after each round's training the model's uncertainty is fitted
    /// (feature density and bond ranges on the training frames, calibration on the held-out ones; docs/uncertainty.md)
    /// and the MD flags and ranks frames by it. False: the histogram's own std_E (before session 6).
    /// </summary>
    public bool CalibratedUncertainty { get; init; } = true;

    /// <summary>The reference method: <c>xtb</c>, or a shell command with <c>{input}</c> and <c>{output}</c> (see <see cref="CatPot.Labelling.ExternalCommandLabeller"/>).</summary>
    public string Labeller { get; init; } = "xtb";

    /// <summary>The xtb program (path or name on PATH).</summary>
    public string XtbPath { get; init; } = "xtb";

    /// <summary>Seconds before a labeller call is killed and its frame skipped.</summary>
    public double LabelTimeoutSeconds { get; init; } = 300;

    /// <summary>Seed of velocities, Langevin noise and random selection.</summary>
    public ulong Seed { get; init; }

    /// <summary>Checks ranges; throws <see cref="ArgumentException"/> naming the setting.</summary>
    public void Validate()
    {
        if (InitialPath is null && StartPath is null) throw new ArgumentException("Give a labelled initial set (--initial) or a starting structure (--start) for an initial MD.");
        if (InitialPath is null && InitialFrames < 2) throw new ArgumentException("--initial-frames must be at least 2 (one of every ten frames is kept for validation).");
        if (InitialInterval < 1) throw new ArgumentException("--initial-interval must be at least 1.");
        if (Budget < 0) throw new ArgumentException("--budget must be ≥ 0.");
        if (PerRound < 1) throw new ArgumentException("--per-round must be ≥ 1.");
        if (MaxRounds < 1) throw new ArgumentException("--max-rounds must be ≥ 1.");
        if (!UncertaintyScores.Names.Contains(Score)) throw new ArgumentException($"--score must be one of {string.Join(", ", UncertaintyScores.Names)}.");
        if (Score != "energy_std" && !CalibratedUncertainty) throw new ArgumentException($"--score {Score} needs the calibrated uncertainty (drop --histogram-std).");
        if (Selection is not ("active" or "random")) throw new ArgumentException("--selection must be active or random.");
        if (Temperatures.Length == 0 || Temperatures.Any(t => !(t > 0))) throw new ArgumentException("--temperatures must be positive.");
        if (Trajectories < 1) throw new ArgumentException("--trajectories must be ≥ 1.");
        if (MdSteps < 1 || SampleInterval < 1) throw new ArgumentException("--md-steps and --sample-interval must be ≥ 1.");
        if (!(TimeStep > 0) || !(Friction > 0)) throw new ArgumentException("--dt and --friction must be positive.");
        if (MaxFlaggedPerTrajectory < 1) throw new ArgumentException("--max-flagged must be ≥ 1.");
        if (MaxUncertainty is double u && !(u > 0)) throw new ArgumentException("--max-std must be positive.");
        if (!(ThresholdFactor > 0)) throw new ArgumentException("--threshold-factor must be positive.");
        if (FillCandidates < 0) throw new ArgumentException("--fill must be ≥ 0.");
        if (!(MinDistance >= 0)) throw new ArgumentException("--min-distance must be ≥ 0.");
        if (!(LabelTimeoutSeconds > 0)) throw new ArgumentException("--label-timeout must be positive.");
        if (RetrainEpochs < 1) throw new ArgumentException("--retrain-epochs must be ≥ 1.");
        Training.Validate();
    }
}
