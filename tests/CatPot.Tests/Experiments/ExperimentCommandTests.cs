using System.Xml.Linq;
using CatPot.Tests.Cli;
using CatPot.Tests.Reporting;
using Xunit;

namespace CatPot.Tests.Experiments;

public sealed class ExperimentCommandTests
{
    [Fact]
    public void Quick_runs_the_whole_grid_end_to_end_and_a_rerun_trains_nothing()
    {
        using var dir = new TempDirectory();
        string outDir = dir.File("exp");
        var run = CliRun.Of("experiment", "--quick", "--out", outDir);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("plan: 5 cells × 2 seeds", run.Stdout, StringComparison.Ordinal);

        foreach (var f in new[] { "plan.json", "table.md", "table.json", "uncertainty.md", "uncertainty.json", "report.html" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        var svgs = Directory.GetFiles(Path.Combine(outDir, "figures"), "*.svg");
        Assert.Equal(6, svgs.Length);
        foreach (var svg in svgs) SvgValidation.AssertValid(File.ReadAllText(svg));

        string table = File.ReadAllText(Path.Combine(outDir, "table.md"));
        Assert.Contains("Baseline (MAE)", table, StringComparison.Ordinal);
        Assert.Contains("HL-Gauss (256 bins", table, StringComparison.Ordinal);
        Assert.Contains("*(sweep)*", table, StringComparison.Ordinal);

        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        var doc = XDocument.Parse(html.Replace("<!DOCTYPE html>", "", StringComparison.Ordinal));
        Assert.Equal(6, doc.Descendants("svg").Count());
        Assert.True(doc.Descendants("table").Count() >= 3);

        var rerun = CliRun.Of("experiment", "--quick", "--out", outDir);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("trained 0 runs (0 epochs)", rerun.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Grid_and_quick_together_are_a_usage_error()
    {
        var run = CliRun.Of("experiment", "--quick", "--grid", "x.json");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("exclude each other", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_grid_file_is_bad_input_naming_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("grid.json");
        File.WriteAllText(path, "{ \"seeds\": \"three\" }");
        var run = CliRun.Of("experiment", "--grid", path, "--out", dir.File("o"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(path, run.Stderr, StringComparison.Ordinal);
    }
}
