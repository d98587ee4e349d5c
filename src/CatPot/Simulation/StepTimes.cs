namespace CatPot.Simulation;

/// <summary>Median, 10th and 90th percentile and mean of per-step wall times, in seconds.</summary>
public sealed record StepTimes(double Median, double P10, double P90, double Mean)
{
    /// <summary>The statistics of <paramref name="seconds"/> (nearest-rank percentiles), or null when it is empty.</summary>
    public static StepTimes? From(IReadOnlyCollection<double> seconds)
    {
        if (seconds.Count == 0) return null;
        var sorted = seconds.Order().ToArray();
        double At(double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
        return new StepTimes(median, At(0.1), At(0.9), sorted.Average());
    }
}
