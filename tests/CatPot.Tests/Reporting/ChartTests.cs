using CatPot.Reporting;
using Xunit;

namespace CatPot.Tests.Reporting;

public sealed class ChartTests
{
    [Fact]
    public void Scatter_line_and_histogram_charts_are_valid_svg_with_one_mark_per_point()
    {
        var chart = new Chart { Title = "a < b & \"c\"", XLabel = "x", YLabel = "y" };
        chart.Series.Add(new ChartSeries { Name = "dots", Kind = SeriesKind.Scatter, X = [1, 2, 3], Y = [3, 1, 2] });
        chart.Series.Add(new ChartSeries { Name = "line", Kind = SeriesKind.Line, X = [1, 3], Y = [1, 3], Dashed = true });
        var doc = SvgValidation.AssertValid(chart.ToSvg(), 4);
        Assert.Equal(3, doc.Descendants().Count(e => e.Name.LocalName == "circle" && (string?)e.Attribute("class") == "mark"));
        Assert.Contains(doc.Descendants(), e => e.Name.LocalName == "text" && e.Value == "a < b & \"c\"");

        var hist = new Chart { Title = "h" };
        hist.Series.Add(new ChartSeries { Name = "bars", Kind = SeriesKind.Bars, X = [0, 1, 2, 3], Y = [0.2, 0.5, 0.3] });
        hist.Series.Add(new ChartSeries { Name = "step", Kind = SeriesKind.Step, X = [0, 1, 2, 3], Y = [0.1, 0.6, 0.3] });
        hist.Series.Add(new ChartSeries { Name = "rule", Kind = SeriesKind.VerticalRule, X = [1.5], Y = [] });
        var hdoc = SvgValidation.AssertValid(hist.ToSvg(), 5);
        Assert.Equal(3, hdoc.Descendants().Count(e => e.Name.LocalName == "rect" && (string?)e.Attribute("class") == "mark"));
    }

    [Fact]
    public void Points_map_inside_the_plot_area_with_y_pointing_up()
    {
        var chart = new Chart { Width = 400, Height = 300 };
        chart.Series.Add(new ChartSeries { Name = "", Kind = SeriesKind.Scatter, X = [0, 10], Y = [0, 10] });
        var doc = SvgValidation.AssertValid(chart.ToSvg(), 2);
        var c = doc.Descendants().Where(e => e.Name.LocalName == "circle").Select(e => (X: double.Parse(e.Attribute("cx")!.Value), Y: double.Parse(e.Attribute("cy")!.Value))).ToList();
        Assert.True(c[1].X > c[0].X);
        Assert.True(c[1].Y < c[0].Y);
        Assert.All(c, p => Assert.True(p.X is > 0 and < 400 && p.Y is > 0 and < 300));
    }

    [Fact]
    public void Inconsistent_series_are_rejected()
    {
        var chart = new Chart();
        chart.Series.Add(new ChartSeries { Name = "bad", Kind = SeriesKind.Bars, X = [0, 1], Y = [1, 2] });
        Assert.Throws<ArgumentException>(() => chart.ToSvg());
    }

    [Theory]
    [InlineData(0.0, 9.3, 0.0, 10.0)]
    [InlineData(-0.013, 0.27, -0.1, 0.3)]
    [InlineData(5.0, 5.0, 4.4, 5.6)]
    public void Nice_ranges_cover_the_data_with_round_steps(double min, double max, double lo, double hi)
    {
        var (l, h, step) = AxisTicks.Nice(min, max);
        Assert.True(l <= min && h >= max);
        Assert.Equal(lo, l, 9);
        Assert.Equal(hi, h, 9);
        double mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
        Assert.Contains(Math.Round(mantissa, 6), new[] { 1.0, 2.0, 2.5, 5.0 });
    }

    [Fact]
    public void Figure_grid_and_html_report_are_well_formed_and_self_contained()
    {
        var grid = new FigureGrid { Columns = 2 };
        for (int i = 0; i < 3; i++)
        {
            var c = new Chart { Title = $"panel {i}" };
            c.Series.Add(new ChartSeries { Name = "s", X = [0, 1], Y = [i, i + 1] });
            grid.Charts.Add(c);
        }
        string svg = grid.ToSvg();
        SvgValidation.AssertValid(svg, 3);
        var page = new HtmlReport { Title = "T" };
        page.AddMarkdown("# Head\n\ntext **bold**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        page.AddFigure(svg, "caption");
        string html = page.ToHtml();
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        var doc = System.Xml.Linq.XDocument.Parse(html.Replace("<!DOCTYPE html>", "", StringComparison.Ordinal));
        Assert.Single(doc.Descendants("table"));
        Assert.Equal(3, doc.Descendants("svg").Single().Descendants("polyline").Count());
        Assert.Equal("bold", doc.Descendants("b").Single().Value);
    }
}
