namespace CatPot.Tensors.Optim;

/// <summary>Where the cosine phase of <see cref="LearningRateSchedule"/> is measured.</summary>
public enum CosinePhase
{
    /// <summary>cos(π·step/total) over all steps, warm-up included (fairchem's <c>CosineLRLambda</c>).</summary>
    OverTotalSteps,

    /// <summary>cos(π·(step − warmup)/(total − warmup)): the cosine starts at the end of warm-up (the PyTorch peer's <c>WarmupCosine</c>).</summary>
    AfterWarmup,
}

/// <summary>
/// Linear warm-up from <c>warmupStartFactor·lr</c> to lr over the warm-up steps, then cosine decay to
/// <c>minFactor·lr</c> at the last step; a pure function of the step number.
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="baseLearningRate">The peak learning rate.</param>
    /// <param name="totalSteps">Total optimiser steps of the run (at least 1).</param>
    /// <param name="warmupSteps">Warm-up steps (0 for none).</param>
    /// <param name="warmupStartFactor">Factor of the learning rate at step 0.</param>
    /// <param name="minFactor">Factor reached at <paramref name="totalSteps"/> and kept after it.</param>
    /// <param name="phase">How the cosine is measured (default: fairchem's, over the total step count).</param>
    public LearningRateSchedule(double baseLearningRate, long totalSteps, long warmupSteps, double warmupStartFactor = 0.2, double minFactor = 0.01, CosinePhase phase = CosinePhase.OverTotalSteps)
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "The schedule needs at least one step.");
        if (warmupSteps < 0 || warmupSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"Warm-up steps must be between 0 and the total ({totalSteps}).");
        BaseLearningRate = baseLearningRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        WarmupStartFactor = warmupStartFactor;
        MinFactor = minFactor;
        Phase = phase;
    }

    /// <summary>The peak learning rate.</summary>
    public double BaseLearningRate { get; }

    /// <summary>Total steps of the run.</summary>
    public long TotalSteps { get; }

    /// <summary>Warm-up steps.</summary>
    public long WarmupSteps { get; }

    /// <summary>Factor at step 0.</summary>
    public double WarmupStartFactor { get; }

    /// <summary>Final factor.</summary>
    public double MinFactor { get; }

    /// <summary>How the cosine is measured.</summary>
    public CosinePhase Phase { get; }

    /// <summary>The learning rate for optimiser step <paramref name="step"/> (0-based).</summary>
    public double LearningRate(long step) => BaseLearningRate * Factor(step);

    /// <summary>The multiplier of the base learning rate at <paramref name="step"/>.</summary>
    public double Factor(long step)
    {
        if (WarmupSteps > 0 && step <= WarmupSteps)
        {
            double alpha = Math.Max(0, step) / (double)WarmupSteps;
            return (WarmupStartFactor * (1 - alpha)) + alpha;
        }
        if (step >= TotalSteps) return MinFactor;
        double t = Phase == CosinePhase.OverTotalSteps
            ? step / (double)TotalSteps
            : (step - WarmupSteps) / (double)(TotalSteps - WarmupSteps);
        return MinFactor + (0.5 * (1 - MinFactor) * (1 + Math.Cos(Math.PI * t)));
    }
}
