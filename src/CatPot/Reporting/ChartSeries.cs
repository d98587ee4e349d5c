namespace CatPot.Reporting;

/// <summary>One named set of data drawn on a <see cref="Chart"/>. Non-finite points are skipped.</summary>
public sealed record ChartSeries
{
    /// <summary>Legend text (empty: not in the legend).</summary>
    public required string Name { get; init; }

    /// <summary>How it is drawn.</summary>
    public SeriesKind Kind { get; init; } = SeriesKind.Line;

    /// <summary>x values (bin edges for <see cref="SeriesKind.Step"/> and <see cref="SeriesKind.Bars"/>).</summary>
    public required double[] X { get; init; }

    /// <summary>y values.</summary>
    public required double[] Y { get; init; }

    /// <summary>CSS colour; null picks the next palette colour.</summary>
    public string? Color { get; init; }

    /// <summary>Draw lines dashed (reference lines such as y = x).</summary>
    public bool Dashed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the lengths do not fit the kind.</summary>
    public void Validate()
    {
        bool binned = Kind is SeriesKind.Step or SeriesKind.Bars;
        if (Kind == SeriesKind.VerticalRule)
        {
            if (X.Length < 1) throw new ArgumentException($"Series '{Name}': a vertical rule needs one x value.");
            return;
        }
        if (binned ? X.Length != Y.Length + 1 : X.Length != Y.Length)
            throw new ArgumentException($"Series '{Name}': {X.Length} x and {Y.Length} y values; {(binned ? "bins need K + 1 edges for K heights" : "points need equal lengths")}.");
    }
}
