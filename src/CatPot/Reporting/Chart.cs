using System.Text;

namespace CatPot.Reporting;

/// <summary>
/// A 2-D chart written as standalone SVG: axes with nice ticks and grid lines, axis labels, a title, data series
/// (scatter, line, step or bar histograms, vertical rules) and a legend. Every data mark carries
/// <c>class="mark"</c>. No external resources: the SVG renders the same inlined in HTML or opened alone.
/// </summary>
public sealed class Chart
{
    private const double Left = 66, Right = 16, Top = 34, Bottom = 48;
    private const double CharWidth = 6.4;

    /// <summary>Title above the plot.</summary>
    public string Title { get; init; } = "";

    /// <summary>x-axis label.</summary>
    public string XLabel { get; init; } = "";

    /// <summary>y-axis label.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Width in px.</summary>
    public double Width { get; init; } = 560;

    /// <summary>Height in px.</summary>
    public double Height { get; init; } = 380;

    /// <summary>Fixed x range (null: from the data).</summary>
    public (double Min, double Max)? XRange { get; init; }

    /// <summary>Fixed y range (null: from the data, including 0 for histograms).</summary>
    public (double Min, double Max)? YRange { get; init; }

    /// <summary>Only whole-number x ticks (epochs, counts).</summary>
    public bool IntegerX { get; init; }

    /// <summary>Where the legend goes.</summary>
    public LegendPosition Legend { get; init; } = LegendPosition.TopLeft;

    /// <summary>The series, drawn in order.</summary>
    public IList<ChartSeries> Series { get; } = new List<ChartSeries>();

    /// <summary>The chart as a standalone SVG document.</summary>
    /// <exception cref="ArgumentException">A series has inconsistent lengths.</exception>
    public string ToSvg()
    {
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{SvgText.N(Width)}\" height=\"{SvgText.N(Height)}\" viewBox=\"0 0 {SvgText.N(Width)} {SvgText.N(Height)}\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n");
        WriteBody(sb);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Writes the chart's elements (without the enclosing svg element) in a Width × Height box at the origin.</summary>
    public void WriteBody(StringBuilder sb)
    {
        foreach (var s in Series) s.Validate();
        double pw = Width - Left - Right, ph = Height - Top - Bottom;
        var (xLo, xHi, xStep) = Range(true);
        var (yLo, yHi, yStep) = Range(false);
        double Px(double x) => Left + ((x - xLo) / (xHi - xLo) * pw);
        double Py(double y) => Top + ph - ((y - yLo) / (yHi - yLo) * ph);

        sb.Append($"<rect x=\"0\" y=\"0\" width=\"{SvgText.N(Width)}\" height=\"{SvgText.N(Height)}\" fill=\"white\"/>\n");
        sb.Append($"<text x=\"{SvgText.N(Width / 2)}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{SvgText.Escape(Title)}</text>\n");
        // Grid lines and ticks.
        sb.Append("<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
        var xTicks = AxisTicks.Values(xLo, xHi, xStep);
        var yTicks = AxisTicks.Values(yLo, yHi, yStep);
        foreach (double t in xTicks) sb.Append($"<line x1=\"{SvgText.N(Px(t))}\" y1=\"{SvgText.N(Top)}\" x2=\"{SvgText.N(Px(t))}\" y2=\"{SvgText.N(Top + ph)}\"/>\n");
        foreach (double t in yTicks) sb.Append($"<line x1=\"{SvgText.N(Left)}\" y1=\"{SvgText.N(Py(t))}\" x2=\"{SvgText.N(Left + pw)}\" y2=\"{SvgText.N(Py(t))}\"/>\n");
        sb.Append("</g>\n");
        sb.Append($"<rect x=\"{SvgText.N(Left)}\" y=\"{SvgText.N(Top)}\" width=\"{SvgText.N(pw)}\" height=\"{SvgText.N(ph)}\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\"/>\n");
        sb.Append("<g font-size=\"11\" fill=\"#222\">\n");
        foreach (double t in xTicks)
            sb.Append($"<text x=\"{SvgText.N(Px(t))}\" y=\"{SvgText.N(Top + ph + 15)}\" text-anchor=\"middle\">{SvgText.Escape(AxisTicks.Label(t, xStep))}</text>\n");
        foreach (double t in yTicks)
            sb.Append($"<text x=\"{SvgText.N(Left - 5)}\" y=\"{SvgText.N(Py(t) + 4)}\" text-anchor=\"end\">{SvgText.Escape(AxisTicks.Label(t, yStep))}</text>\n");
        sb.Append("</g>\n");
        sb.Append($"<text x=\"{SvgText.N(Left + (pw / 2))}\" y=\"{SvgText.N(Height - 10)}\" text-anchor=\"middle\" font-size=\"12\">{SvgText.Escape(XLabel)}</text>\n");
        sb.Append($"<text x=\"14\" y=\"{SvgText.N(Top + (ph / 2))}\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 {SvgText.N(Top + (ph / 2))})\">{SvgText.Escape(YLabel)}</text>\n");

        for (int i = 0; i < Series.Count; i++)
        {
            var s = Series[i];
            string color = s.Color ?? ChartPalette.At(i);
            string dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            switch (s.Kind)
            {
                case SeriesKind.Scatter:
                    sb.Append($"<g fill=\"{color}\" fill-opacity=\"0.55\" stroke=\"none\">\n");
                    for (int k = 0; k < s.X.Length; k++)
                        if (Inside(s.X[k], xLo, xHi) && Inside(s.Y[k], yLo, yHi))
                            sb.Append($"<circle class=\"mark\" cx=\"{SvgText.N(Px(s.X[k]))}\" cy=\"{SvgText.N(Py(s.Y[k]))}\" r=\"2.4\"/>\n");
                    sb.Append("</g>\n");
                    break;
                case SeriesKind.Line:
                {
                    var pts = new StringBuilder();
                    var dots = new StringBuilder();
                    for (int k = 0; k < s.X.Length; k++)
                    {
                        if (!double.IsFinite(s.X[k]) || !double.IsFinite(s.Y[k])) continue;
                        double x = Px(Math.Clamp(s.X[k], xLo, xHi)), y = Py(Math.Clamp(s.Y[k], yLo, yHi));
                        pts.Append(SvgText.N(x)).Append(',').Append(SvgText.N(y)).Append(' ');
                        if (!s.Dashed) dots.Append($"<circle cx=\"{SvgText.N(x)}\" cy=\"{SvgText.N(y)}\" r=\"2.6\" fill=\"{color}\"/>\n");
                    }
                    sb.Append($"<polyline class=\"mark\" points=\"{pts.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{dash}/>\n");
                    sb.Append(dots);
                    break;
                }
                case SeriesKind.Step:
                {
                    var d = new StringBuilder();
                    for (int k = 0; k < s.Y.Length; k++)
                    {
                        double y = Py(Math.Clamp(s.Y[k], yLo, yHi));
                        d.Append(k == 0 ? $"M{SvgText.N(Px(s.X[0]))},{SvgText.N(Py(Math.Max(0, yLo)))} " : "");
                        d.Append($"L{SvgText.N(Px(Math.Clamp(s.X[k], xLo, xHi)))},{SvgText.N(y)} L{SvgText.N(Px(Math.Clamp(s.X[k + 1], xLo, xHi)))},{SvgText.N(y)} ");
                    }
                    sb.Append($"<path class=\"mark\" d=\"{d.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{dash}/>\n");
                    break;
                }
                case SeriesKind.Bars:
                    sb.Append($"<g fill=\"{color}\" fill-opacity=\"0.45\" stroke=\"{color}\" stroke-width=\"0.6\">\n");
                    for (int k = 0; k < s.Y.Length; k++)
                    {
                        if (!double.IsFinite(s.Y[k]) || s.X[k + 1] <= xLo || s.X[k] >= xHi) continue;
                        double x0 = Px(Math.Max(s.X[k], xLo)), x1 = Px(Math.Min(s.X[k + 1], xHi));
                        double y0 = Py(Math.Max(0, yLo)), y1 = Py(Math.Clamp(s.Y[k], yLo, yHi));
                        sb.Append($"<rect class=\"mark\" x=\"{SvgText.N(x0)}\" y=\"{SvgText.N(Math.Min(y0, y1))}\" width=\"{SvgText.N(Math.Max(0.5, x1 - x0))}\" height=\"{SvgText.N(Math.Abs(y0 - y1))}\"/>\n");
                    }
                    sb.Append("</g>\n");
                    break;
                case SeriesKind.VerticalRule:
                    if (Inside(s.X[0], xLo, xHi))
                        sb.Append($"<line class=\"mark\" x1=\"{SvgText.N(Px(s.X[0]))}\" y1=\"{SvgText.N(Top)}\" x2=\"{SvgText.N(Px(s.X[0]))}\" y2=\"{SvgText.N(Top + ph)}\" stroke=\"{color}\" stroke-width=\"1.6\" stroke-dasharray=\"4 3\"/>\n");
                    break;
            }
        }
        WriteLegend(sb, pw, ph);
    }

    private static bool Inside(double v, double lo, double hi) => double.IsFinite(v) && v >= lo - (1e-9 * Math.Abs(hi - lo)) && v <= hi + (1e-9 * Math.Abs(hi - lo));

    private void WriteLegend(StringBuilder sb, double pw, double ph)
    {
        var entries = Series.Select((s, i) => (s, i)).Where(e => e.s.Name.Length > 0).ToList();
        if (Legend == LegendPosition.None || entries.Count == 0) return;
        double lineHeight = 16;
        double w = 34 + (entries.Max(e => e.s.Name.Length) * CharWidth), h = 8 + (entries.Count * lineHeight);
        w = Math.Min(w, pw - 8);
        double x = Legend == LegendPosition.TopLeft ? Left + 8 : Left + pw - w - 8;
        double y = Legend == LegendPosition.BottomRight ? Top + ph - h - 8 : Top + 8;
        sb.Append($"<g font-size=\"11\"><rect x=\"{SvgText.N(x)}\" y=\"{SvgText.N(y)}\" width=\"{SvgText.N(w)}\" height=\"{SvgText.N(h)}\" fill=\"white\" fill-opacity=\"0.88\" stroke=\"#bbb\"/>\n");
        for (int j = 0; j < entries.Count; j++)
        {
            var (s, i) = entries[j];
            string color = s.Color ?? ChartPalette.At(i);
            double cy = y + 4 + (lineHeight * (j + 0.5));
            string swatch = s.Kind switch
            {
                SeriesKind.Scatter => $"<circle cx=\"{SvgText.N(x + 14)}\" cy=\"{SvgText.N(cy)}\" r=\"3.5\" fill=\"{color}\"/>",
                SeriesKind.Bars => $"<rect x=\"{SvgText.N(x + 7)}\" y=\"{SvgText.N(cy - 5)}\" width=\"14\" height=\"10\" fill=\"{color}\" fill-opacity=\"0.45\" stroke=\"{color}\"/>",
                _ => $"<line x1=\"{SvgText.N(x + 6)}\" y1=\"{SvgText.N(cy)}\" x2=\"{SvgText.N(x + 22)}\" y2=\"{SvgText.N(cy)}\" stroke=\"{color}\" stroke-width=\"2\"{(s.Dashed || s.Kind == SeriesKind.VerticalRule ? " stroke-dasharray=\"4 3\"" : "")}/>",
            };
            sb.Append(swatch).Append('\n');
            sb.Append($"<text x=\"{SvgText.N(x + 28)}\" y=\"{SvgText.N(cy + 4)}\">{SvgText.Escape(s.Name)}</text>\n");
        }
        sb.Append("</g>\n");
    }

    private (double Lo, double Hi, double Step) Range(bool isX)
    {
        var fixedRange = isX ? XRange : YRange;
        if (fixedRange is { } r)
        {
            var (_, _, step) = AxisTicks.Nice(r.Min, r.Max);
            return (r.Min, r.Max, step);
        }
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool histogram = false;
        foreach (var s in Series)
        {
            if (!isX && s.Kind == SeriesKind.VerticalRule) continue;
            if (s.Kind is SeriesKind.Bars or SeriesKind.Step) histogram = true;
            foreach (double v in isX ? s.X : s.Y)
            {
                if (!double.IsFinite(v)) continue;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }
        if (!isX && histogram) min = Math.Min(min, 0);
        if (double.IsInfinity(min)) (min, max) = (0, 1);
        var nice = AxisTicks.Nice(min, max);
        if (isX && IntegerX && nice.Step < 1) return (Math.Floor(min), Math.Max(Math.Ceiling(max), Math.Floor(min) + 1), 1);
        return nice;
    }
}
