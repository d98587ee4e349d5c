using CatPot.ActiveLearning;
using CatPot.Cli;
using CatPot.IO;
using CatPot.Tests.ActiveLearning;
using Xunit;

namespace CatPot.Tests.Cli;

public sealed class LearnCommandTests
{
    [Fact]
    public void MissingXtbExitsWithTheInstallMessage()
    {
        using var dir = new TempDirectory();
        string initial = dir.File("initial.extxyz");
        ExtXyzWriter.WriteFile(initial, Enumerable.Range(0, 6).Select(i => FakeLabeller.Triangle(i)));
        var run = CliRun.Of("learn", "--out", dir.File("run"), "--initial", initial, "--xtb", "catpot-no-such-xtb");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("apt-get install xtb", run.Stderr);
        Assert.False(File.Exists(Path.Combine(dir.File("run"), ActiveLearner.SettingsFileName)));
    }

    [Fact]
    public void ResumeWithoutARunIsBadInput()
    {
        using var dir = new TempDirectory();
        var run = CliRun.Of("learn", "--out", dir.File("none"), "--resume");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("holds no active-learning run", run.Stderr);
    }

    [Fact]
    public void A_run_whose_first_round_saved_no_model_resumes_with_a_lower_learning_rate()
    {
        using var dir = new TempDirectory();
        var (initial, outDir, args) = SmallRun(dir);
        var diverged = CliRun.Of([.. args, "--lr", "1e30"]);
        Assert.True(diverged.ExitCode == ExitCodes.Incomplete, diverged.ToString());
        Assert.Contains("--lr", diverged.Stderr);
        var refused = CliRun.Of("learn", "--out", outDir, "--resume", "--lr", "-1");
        Assert.True(refused.ExitCode == ExitCodes.UsageError, refused.ToString());
        Assert.Equal(1e30, ActiveLearner.LoadSettings(outDir).Training.LearningRate);
        var resumed = CliRun.Of("learn", "--out", outDir, "--resume", "--lr", "1e-3");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("learning rate 0.001 from here on", resumed.Stderr);
        Assert.Equal(1e-3, ActiveLearner.LoadSettings(outDir).Training.LearningRate);
        Assert.Equal(8, new LearnDataset(outDir).Frames.Count);
    }

    [Fact]
    public void ExternalCommandLabellerRunsTheLoopAndWritesTheReport()
    {
        // The reference "method" copies a fixed labelled triangle: the loop, the CLI wiring, the dataset and the report
        // are exercised end to end through a real subprocess per label.
        using var dir = new TempDirectory();
        var (initial, outDir, args) = SmallRun(dir);
        var run = CliRun.Of([.. args, "--test", initial]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("label budget spent", run.Stdout);
        Assert.True(File.Exists(Path.Combine(outDir, LearnReport.HtmlFileName)));
        Assert.Equal(8, new LearnDataset(outDir).Frames.Count);
        var again = CliRun.Of("learn", "--out", outDir, "--initial", initial);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("--resume", again.Stderr);
    }

    /// <summary>
    /// Six labelled triangles as the initial set, a labeller command that copies a fixed labelled triangle, and the
    /// arguments of a learn run small enough for a unit test (two labels, two-epoch rounds, F = 8, one layer).
    /// </summary>
    private static (string Initial, string OutDir, string[] Args) SmallRun(TempDirectory dir)
    {
        string initial = dir.File("initial.extxyz");
        ExtXyzWriter.WriteFile(initial, Enumerable.Range(0, 6).Select(i => FakeLabeller.Triangle(i)));
        string label = dir.File("label.extxyz");
        ExtXyzWriter.WriteFile(label, [FakeLabeller.Triangle(42)]);
        string outDir = dir.File("run");
        return (initial, outDir, ["learn", "--out", outDir, "--initial", initial, "--labeller", $"cp '{label}' {{output}}",
            "--budget", "2", "-B", "2", "--md-steps", "20", "--sample-interval", "5", "--max-std", "1e-12", "--trajectories", "1",
            "--epochs", "2", "--retrain-epochs", "1", "--features", "8", "--layers", "1", "--bins", "16", "--threads", "1"]);
    }
}
