namespace CatPot.Reporting;

/// <summary>How a <see cref="ChartSeries"/> is drawn.</summary>
public enum SeriesKind
{
    /// <summary>One dot per (x, y).</summary>
    Scatter,

    /// <summary>A polyline through the points, with a dot on each.</summary>
    Line,

    /// <summary>A histogram outline: X holds K + 1 bin edges, Y the K heights.</summary>
    Step,

    /// <summary>Filled histogram bars: X holds K + 1 bin edges, Y the K heights.</summary>
    Bars,

    /// <summary>A vertical line at X[0] across the plot (Y is ignored).</summary>
    VerticalRule,
}
