using System.Text.Json.Nodes;

namespace CatPot.Performance;

/// <summary>Median, mean and percentiles of a list of timings, as the peer's <c>stats()</c> reports them (linear-interpolated percentiles, as NumPy).</summary>
internal static class TimingStatistics
{
    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        double pos = percent / 100 * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }

    public static JsonObject Json(IReadOnlyList<double> values) => new()
    {
        ["median_s"] = Median(values),
        ["mean_s"] = values.Count == 0 ? double.NaN : values.Average(),
        ["p10_s"] = Percentile(values, 10),
        ["p90_s"] = Percentile(values, 90),
        ["min_s"] = values.Count == 0 ? double.NaN : values.Min(),
        ["n"] = values.Count,
    };
}
