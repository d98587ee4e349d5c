using CatPot.Performance;

namespace CatPot.Simulation;

/// <summary>Median, 10th and 90th percentile and mean of per-step wall times, in seconds.</summary>
public sealed record StepTimes(double Median, double P10, double P90, double Mean)
{
    /// <summary>
    /// The statistics of <paramref name="seconds"/> with linearly interpolated percentiles (NumPy's and the peer's
    /// <c>stats()</c> convention, as <c>catpot bench</c> reports them), or null when it is empty.
    /// </summary>
    public static StepTimes? From(IReadOnlyList<double> seconds)
    {
        if (seconds.Count == 0) return null;
        return new StepTimes(TimingStatistics.Median(seconds), TimingStatistics.Percentile(seconds, 10),
            TimingStatistics.Percentile(seconds, 90), seconds.Average());
    }
}
