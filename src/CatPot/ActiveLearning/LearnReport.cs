using System.Globalization;
using System.Text;
using CatPot.IO;
using CatPot.Reporting;

namespace CatPot.ActiveLearning;

/// <summary>
/// Learning curves of one or more active-learning runs (e.g. active and random selection, several seeds):
/// held-out force and energy MAE and the flagged fraction of the exploration frames against the number of labels,
/// as <c>learning-curves.svg</c> and a self-contained <c>learn-report.html</c> with the per-round table.
/// </summary>
public static class LearnReport
{
    /// <summary>HTML report file name.</summary>
    public const string HtmlFileName = "learn-report.html";

    /// <summary>Figure file name.</summary>
    public const string SvgFileName = "learning-curves.svg";

    /// <summary>Writes both files into <paramref name="directory"/>; the first run is the one the table describes.</summary>
    public static void Write(string directory, IReadOnlyList<(string Name, IReadOnlyList<RoundRecord> Rounds)> runs)
    {
        var grid = Figures(runs);
        string svg = grid.ToSvg();
        AtomicFile.WriteAllText(Path.Combine(directory, SvgFileName), svg);
        var html = new HtmlReport { Title = "CatPot active learning" };
        html.AddHeading("Active learning: learning curves", 1);
        html.AddMarkdown(Summary(runs));
        html.AddFigure(svg, "Held-out errors and the flagged fraction of exploration frames against labels added (the initial set not counted).");
        foreach (var (name, rounds) in runs)
        {
            html.AddHeading($"Rounds: {name}", 2);
            html.AddMarkdown(Table(rounds));
        }
        AtomicFile.WriteAllText(Path.Combine(directory, HtmlFileName), html.ToHtml());
    }

    /// <summary>The three learning-curve charts.</summary>
    public static FigureGrid Figures(IReadOnlyList<(string Name, IReadOnlyList<RoundRecord> Rounds)> runs)
    {
        var grid = new FigureGrid { Columns = 3 };
        var force = new Chart { Title = "Held-out force MAE", XLabel = "labels", YLabel = "force MAE (eV/Å)", Legend = LegendPosition.TopRight };
        var energy = new Chart { Title = "Held-out energy MAE", XLabel = "labels", YLabel = "energy MAE (eV)", Legend = LegendPosition.TopRight };
        var flagged = new Chart { Title = "Flagged exploration frames", XLabel = "labels", YLabel = "flagged fraction", Legend = LegendPosition.TopRight, YRange = (0, 1) };
        for (int i = 0; i < runs.Count; i++)
        {
            var (name, rounds) = runs[i];
            if (rounds.Count == 0) continue;
            string color = ChartPalette.At(i);
            var x = rounds.Select(r => (double)r.Labels).ToArray();
            var withTest = rounds.Where(r => r.TestForceMae is not null).ToArray();
            if (withTest.Length > 0)
            {
                force.Series.Add(new ChartSeries { Name = name, X = [.. withTest.Select(r => (double)r.Labels)], Y = [.. withTest.Select(r => r.TestForceMae!.Value)], Color = color });
                energy.Series.Add(new ChartSeries { Name = name, X = [.. withTest.Select(r => (double)r.Labels)], Y = [.. withTest.Select(r => r.TestEnergyMae!.Value)], Color = color });
            }
            flagged.Series.Add(new ChartSeries { Name = name, X = x, Y = [.. rounds.Select(r => r.FlaggedFraction)], Color = color });
        }
        if (force.Series.Count > 0)
        {
            grid.Charts.Add(force);
            grid.Charts.Add(energy);
        }
        grid.Charts.Add(flagged);
        return grid;
    }

    private static string Summary(IReadOnlyList<(string Name, IReadOnlyList<RoundRecord> Rounds)> runs)
    {
        var sb = new StringBuilder("| run | rounds | labels | final test force MAE (eV/Å) | final test energy MAE (eV) | final flagged fraction | stop |\n|---|---|---|---|---|---|---|\n");
        foreach (var (name, rounds) in runs)
        {
            if (rounds.Count == 0) continue;
            var last = rounds[^1];
            sb.Append(CultureInfo.InvariantCulture, $"| {name} | {rounds.Count} | {last.Labels} | {F(last.TestForceMae)} | {F(last.TestEnergyMae)} | {last.FlaggedFraction:F3} | {last.Stop ?? "(running)"} |\n");
        }
        return sb.ToString();
    }

    private static string Table(IReadOnlyList<RoundRecord> rounds)
    {
        var sb = new StringBuilder("| round | labels | new | failed | test F MAE | test E MAE | threshold | flagged | clean / traj. | broken | MD ps | train s | MD s | label s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in rounds)
            sb.Append(CultureInfo.InvariantCulture,
                $"| {r.Round} | {r.Labels} | {r.NewLabels} | {r.LabelFailures} | {F(r.TestForceMae)} | {F(r.TestEnergyMae)} | {r.Threshold:G3} | {r.FlaggedFrames}/{r.PoolFrames} | {r.CleanTrajectories}/{r.Trajectories} | {r.BrokenTrajectories} | {r.SimulatedPicoseconds:G3} | {r.TrainSeconds:F0} | {r.MdSeconds:F0} | {r.LabelSeconds:F0} |\n");
        return sb.ToString();
    }

    private static string F(double? v) => v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
