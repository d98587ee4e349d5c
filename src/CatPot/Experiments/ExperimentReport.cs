using System.Globalization;
using CatPot.Reporting;
using CatPot.IO;

namespace CatPot.Experiments;

/// <summary>
/// Writes every output of a finished grid into its folder: <c>table.md/json</c>, <c>uncertainty.md/json</c>,
/// <c>figures/*.svg</c> and the self-contained <c>report.html</c>.
/// </summary>
public static class ExperimentReport
{
    /// <summary>Folder of the SVG figures inside the output folder.</summary>
    public const string FiguresFolder = "figures";

    /// <summary>Writes the tables, figures and report page; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(ExperimentResults results, string outputDirectory)
    {
        var summary = ExperimentSummary.Compute(results);
        Directory.CreateDirectory(Path.Combine(outputDirectory, FiguresFolder));
        var written = new List<string>();
        void Save(string relative, string text)
        {
            string path = Path.Combine(outputDirectory, relative);
            AtomicFile.WriteAllText(path, text);
            written.Add(path);
        }

        string accuracy = ExperimentTables.AccuracyMarkdown(summary, results);
        string uncertainty = ExperimentTables.UncertaintyMarkdown(summary, results);
        Save("table.md", accuracy);
        Save("table.json", ExperimentTables.AccuracyJson(summary, results));
        Save("uncertainty.md", uncertainty);
        Save("uncertainty.json", ExperimentTables.UncertaintyJson(summary));
        var figures = ExperimentFigures.Build(results, summary);
        foreach (var (file, _, svg) in figures) Save(Path.Combine(FiguresFolder, file), svg);

        var page = new HtmlReport { Title = "CatPot experiment: HL-Gauss vs MAE regression" };
        page.AddMarkdown("`" + results.Plan.Summary() + "`");
        page.AddMarkdown(string.Create(CultureInfo.InvariantCulture, $"Data: train `{results.Plan.Grid.Train}`, validation `{results.Plan.Grid.Val}`, test `{results.Plan.Grid.Test}`{(results.Plan.Grid.Ood is { } o ? $", out-of-domain `{o}`" : "")}."));
        page.AddMarkdown(accuracy);
        page.AddMarkdown(uncertainty);
        page.AddHeading("Figures");
        foreach (var (_, caption, svg) in figures) page.AddFigure(svg, caption);
        Save("report.html", page.ToHtml());
        return written;
    }
}
