namespace CatPot.Training;

/// <summary>
/// A training run ended without saving any model: no epoch had a finite validation score (typically a run that diverged
/// in its first epoch). The message names the run's folder, what happened and the fix.
/// </summary>
public sealed class NoTrainedModelException : Exception
{
    /// <summary>Creates the exception for the run in <paramref name="directory"/>.</summary>
    /// <param name="directory">The run's output folder.</param>
    /// <param name="divergence">The trainer's <see cref="Trainer.Divergence"/>, or null when the run ended otherwise.</param>
    /// <param name="fix">What to change (<see cref="Trainer.DivergenceFix"/>).</param>
    public NoTrainedModelException(string directory, string? divergence, string fix)
        : base($"{directory}: {divergence ?? "training ended"}, and no epoch gave a finite validation score, so no model was saved. {fix}")
    {
        Directory = directory;
    }

    /// <summary>The run's output folder.</summary>
    public string Directory { get; }
}
