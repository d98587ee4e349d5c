using CatPot.Models;

namespace CatPot.Performance;

/// <summary>Settings of <see cref="ModelBenchmark"/>; the defaults match the PyTorch peer's <c>bench_ref.py</c>.</summary>
public sealed record ModelBenchmarkOptions
{
    /// <summary>Training data (extxyz) used for batches, statistics and the latency molecule.</summary>
    public required string DataPath { get; init; }

    /// <summary>Energy head and its settings (fitted to the data's targets before timing).</summary>
    public Models.Heads.EnergyHeadConfig Head { get; init; } = new Models.Heads.HLGaussHeadConfig();

    /// <summary>Atom budget per training batch.</summary>
    public int MaxAtoms { get; init; } = 1000;

    /// <summary>Timed training steps (after <see cref="Warmup"/> untimed ones).</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Untimed training steps before timing.</summary>
    public int Warmup { get; init; } = 3;

    /// <summary>Kernel threads (<see cref="CatPot.Tensors.TensorThreading.MaxThreads"/>).</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Optional molecule file whose first frame is used for the latency runs; otherwise the frame of --data closest to 21 atoms.</summary>
    public string? MoleculePath { get; init; }

    /// <summary>Timed repetitions of each latency measurement.</summary>
    public int Reps { get; init; } = 200;

    /// <summary>Untimed repetitions before each latency measurement.</summary>
    public int LatencyWarmup { get; init; } = 20;

    /// <summary>Atom count of the latency molecule taken from --data.</summary>
    public int LatencyAtoms { get; init; } = 21;

    /// <summary>Seed of weights and batch shuffle.</summary>
    public ulong Seed { get; init; }

    /// <summary>Read only the first N frames of the data (0 = all).</summary>
    public int MaxStructures { get; init; }

    /// <summary>Channels of rank-2 tensor features (<see cref="Models.PotentialConfig.TensorChannels"/>; 0 = PaiNN).</summary>
    public int TensorChannels { get; init; }

    /// <summary>Also time every op family of one training step (slower; a profile, not the headline number).</summary>
    public bool Profile { get; init; }
}
