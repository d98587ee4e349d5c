using CatPot.Models.Heads;
using Xunit;

namespace CatPot.Tests.Cli;

/// <summary>The CLI's <c>--head</c> options come from the head table.</summary>
public sealed class HeadOptionsTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("bench")]
    public void Help_lists_every_head_of_the_table(string command)
    {
        var run = CliRun.Of(command, "--help");
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var name in EnergyHeads.Names) Assert.Contains(name, run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_head_or_setting_is_a_usage_error_naming_it()
    {
        var unknown = CliRun.Of("train", "--head", "mixture", "--epochs", "1");
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("mixture", unknown.Stderr, StringComparison.Ordinal);

        var setting = CliRun.Of("train", "--head", "catres", "--head-setting", "bogus_width=3", "--epochs", "1");
        Assert.True(setting.ExitCode == 1, setting.ToString());
        Assert.Contains("bogus_width", setting.Stderr, StringComparison.Ordinal);

        var bins = CliRun.Of("train", "--head", "mae", "--bins", "64", "--epochs", "1");
        Assert.True(bins.ExitCode == 1, bins.ToString());
        Assert.Contains("bins", bins.Stderr, StringComparison.Ordinal);
    }
}
