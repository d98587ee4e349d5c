namespace CatPot.ActiveLearning;

/// <summary>What one round did and measured; <c>round.json</c> in the round's folder (written last: the round's done marker).</summary>
public sealed record RoundRecord
{
    /// <summary>Round index, from 0.</summary>
    public int Round { get; init; }

    /// <summary>Frames the round's model was trained on (training + validation).</summary>
    public int TrainingFrames { get; init; }

    /// <summary>Labels added by active learning before this round's model was trained (the learning curves' x axis).</summary>
    public int Labels { get; init; }

    /// <summary>Labels this round added after its MD.</summary>
    public int NewLabels { get; init; }

    /// <summary>Labeller failures this round (frames skipped).</summary>
    public int LabelFailures { get; init; }

    /// <summary>Held-out energy MAE, eV (null without a test set).</summary>
    public double? TestEnergyMae { get; init; }

    /// <summary>Held-out energy MAE per atom, eV.</summary>
    public double? TestEnergyMaePerAtom { get; init; }

    /// <summary>Held-out force MAE per component, eV/Å.</summary>
    public double? TestForceMae { get; init; }

    /// <summary>Flag threshold on the uncertainty score used in the round's MD.</summary>
    public double Threshold { get; init; }

    /// <summary>Frames sampled into the pool.</summary>
    public int PoolFrames { get; init; }

    /// <summary>Of those, flagged.</summary>
    public int FlaggedFrames { get; init; }

    /// <summary>Flagged / pool frames.</summary>
    public double FlaggedFraction => PoolFrames == 0 ? 0 : (double)FlaggedFrames / PoolFrames;

    /// <summary>Trajectories that ran their full length unflagged.</summary>
    public int CleanTrajectories { get; init; }

    /// <summary>Trajectories that broke down (atoms too close, huge forces).</summary>
    public int BrokenTrajectories { get; init; }

    /// <summary>Trajectories run.</summary>
    public int Trajectories { get; init; }

    /// <summary>Simulated time over all trajectories, ps.</summary>
    public double SimulatedPicoseconds { get; init; }

    /// <summary>Seconds spent training, exploring and labelling.</summary>
    public double TrainSeconds { get; init; }

    /// <inheritdoc cref="TrainSeconds"/>
    public double MdSeconds { get; init; }

    /// <inheritdoc cref="TrainSeconds"/>
    public double LabelSeconds { get; init; }

    /// <summary>Why the run stopped after this round, or null when it went on.</summary>
    public string? Stop { get; init; }
}

/// <summary>One exploration trajectory's outcome.</summary>
public sealed record TrajectoryRecord
{
    /// <summary>Index within the round.</summary>
    public int Trajectory { get; init; }

    /// <summary>Thermostat temperature, K.</summary>
    public double Temperature { get; init; }

    /// <summary>Steps run.</summary>
    public long Steps { get; init; }

    /// <summary>Flagged pool frames.</summary>
    public int Flagged { get; init; }

    /// <summary>Why the trajectory broke down, or null.</summary>
    public string? Breakdown { get; init; }

    /// <summary>Ran every step with no flag and no breakdown.</summary>
    public bool Clean { get; init; }
}
