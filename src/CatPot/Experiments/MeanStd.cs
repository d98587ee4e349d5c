using System.Globalization;
using System.Text.Json.Serialization;

namespace CatPot.Experiments;

/// <summary>The mean of values over seeds and their sample standard deviation (n − 1; null for a single value).</summary>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="Std">Sample standard deviation, null when fewer than two values.</param>
/// <param name="Count">Number of values.</param>
public readonly record struct MeanStd(double Mean, double? Std, int Count)
{
    /// <summary>Mean and sample std of <paramref name="values"/> (NaN mean for none).</summary>
    public static MeanStd Of(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return new MeanStd(double.NaN, null, 0);
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= n;
        if (n < 2) return new MeanStd(mean, null, n);
        double ss = 0;
        foreach (double v in values) ss += (v - mean) * (v - mean);
        return new MeanStd(mean, Math.Sqrt(ss / (n - 1)), n);
    }

    /// <summary>Mean and std of the values that are present; null when none is.</summary>
    public static MeanStd? OfPresent(IEnumerable<double?> values)
    {
        var list = values.Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).ToList();
        return list.Count == 0 ? null : Of(list);
    }

    /// <summary>"mean ± std" with <paramref name="digits"/> decimals after scaling by <paramref name="scale"/>; "mean" alone for one value.</summary>
    public string Format(int digits, double scale = 1)
    {
        string f = "F" + digits.ToString(CultureInfo.InvariantCulture);
        if (!double.IsFinite(Mean)) return "–";
        string m = (Mean * scale).ToString(f, CultureInfo.InvariantCulture);
        return Std is { } s ? $"{m} ± {(s * scale).ToString(f, CultureInfo.InvariantCulture)}" : m;
    }

    /// <summary>True when there is a defined mean.</summary>
    [JsonIgnore]
    public bool HasValue => double.IsFinite(Mean);
}
