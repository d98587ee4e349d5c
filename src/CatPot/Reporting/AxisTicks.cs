using System.Globalization;

namespace CatPot.Reporting;

/// <summary>"Nice" axis ranges and ticks (steps of 1, 2, 2.5 or 5 × 10^k) and their labels.</summary>
public static class AxisTicks
{
    /// <summary>
    /// About <paramref name="target"/> ticks covering [<paramref name="min"/>, <paramref name="max"/>]: the range is widened
    /// to multiples of the step. A degenerate range is widened around its value.
    /// </summary>
    public static (double Lo, double Hi, double Step) Nice(double min, double max, int target = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max < min) (min, max) = (max, min);
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = Math.Abs(min) > 0 ? Math.Abs(min) * 0.1 : 1;
            min -= pad;
            max += pad;
        }
        double raw = (max - min) / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = mag;
        foreach (double m in new[] { 1, 2, 2.5, 5, 10 })
        {
            step = m * mag;
            if (step >= raw) break;
        }
        double lo = Math.Floor((min / step) + 1e-9) * step;
        double hi = Math.Ceiling((max / step) - 1e-9) * step;
        return (lo, hi, step);
    }

    /// <summary>The tick values from <paramref name="lo"/> to <paramref name="hi"/> by <paramref name="step"/>.</summary>
    public static double[] Values(double lo, double hi, double step)
    {
        int n = (int)Math.Round((hi - lo) / step) + 1;
        var v = new double[Math.Clamp(n, 2, 50)];
        for (int i = 0; i < v.Length; i++) v[i] = lo + (i * step);
        return v;
    }

    /// <summary>A tick label with as many decimals as the step needs (no "-0").</summary>
    public static string Label(double value, double step)
    {
        int decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 8);
        if (step * Math.Pow(10, decimals) % 1 > 1e-6) decimals++;
        if (Math.Abs(value) < step * 1e-6) value = 0;
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
