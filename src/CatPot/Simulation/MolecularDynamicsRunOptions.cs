namespace CatPot.Simulation;

/// <summary>What <see cref="MolecularDynamicsRun.Run"/> does around the integrator: length, output, guard and progress.</summary>
public sealed record MolecularDynamicsRunOptions
{
    /// <summary>Number of steps.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Write every this many steps to the trajectory (step 0 included).</summary>
    public int WriteInterval { get; init; } = 10;

    /// <summary>Trajectory file (extxyz; <c>.gz</c> compresses), or null for none.</summary>
    public string? TrajectoryPath { get; init; }

    /// <summary>Where frames outside the trust region go (created only when there is one), or null for none.</summary>
    public string? FlaggedPath { get; init; }

    /// <summary>The trust-region guard, or null for none.</summary>
    public UncertaintyGuard? Guard { get; init; }

    /// <summary>Where progress lines go (stderr in the CLI), or null for silence.</summary>
    public TextWriter? Progress { get; init; }

    /// <summary>
    /// How often trajectory frames are handed to the OS (<see cref="TrajectoryFile"/>); null for its default (every
    /// frame for plain extxyz, 10 s for <c>.gz</c>).
    /// </summary>
    public TimeSpan? FlushInterval { get; init; }

    /// <summary>Seconds between progress lines.</summary>
    public double ProgressInterval { get; init; } = 5;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Steps < 0) throw new ArgumentException($"The number of steps must be ≥ 0, got {Steps}.");
        if (FlushInterval is { } f && f < TimeSpan.Zero) throw new ArgumentException($"The flush interval must be ≥ 0 s, got {f.TotalSeconds} s.");
        if (WriteInterval < 1) throw new ArgumentException($"The write interval must be ≥ 1 step, got {WriteInterval}.");
        if (Guard is { MaxEnergyStd: { } s } && !(s >= 0)) throw new ArgumentException($"--max-std must be ≥ 0 eV, got {s}.");
        if (Guard is { MaxEntropy: { } h } && !(h >= 0)) throw new ArgumentException($"--max-entropy must be ≥ 0 nats, got {h}.");
    }
}
