namespace CatPot.Tensors.Optim;

/// <summary>The state of <see cref="AdamW"/> as plain arrays (one entry per parameter, in the optimiser's order), for checkpoints.</summary>
public sealed class AdamWState
{
    /// <summary>Number of completed optimiser steps.</summary>
    public long StepCount { get; init; }

    /// <summary>Per parameter: the number of updates it received (the t of its bias correction).</summary>
    public required long[] ParameterSteps { get; init; }

    /// <summary>Per parameter: the first moment m.</summary>
    public required float[][] ExpAvg { get; init; }

    /// <summary>Per parameter: the second moment v.</summary>
    public required float[][] ExpAvgSq { get; init; }
}
