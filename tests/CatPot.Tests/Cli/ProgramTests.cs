using System.Reflection;
using CatPot.Cli;
using CatPot.IO;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Cli;

public class ProgramTests
{
    [Fact]
    public void Version_prints_the_assembly_version_on_stdout()
    {
        var run = CliRun.Of("--version");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        string expected = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(expected, run.Stdout.Trim());
    }

    [Fact]
    public void Help_lists_the_registered_commands_on_stdout()
    {
        var run = CliRun.Of("--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        foreach (var command in Program.CreateRootCommand().Subcommands)
            Assert.Contains(command.Name, run.Stdout);
    }

    [Fact]
    public void No_command_is_a_usage_error()
    {
        var run = CliRun.Of();

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void Exceptions_map_to_the_documented_exit_codes()
    {
        Assert.Equal(ExitCodes.BadInput, CommandFailure.ExitCodeOf(new StructureFormatException("f.extxyz", 3, 10, "bad")));
        Assert.Equal(ExitCodes.BadInput, CommandFailure.ExitCodeOf(new ModelFileException("m.safetensors", null, "bad")));
        Assert.Equal(ExitCodes.BadInput, CommandFailure.ExitCodeOf(new FileNotFoundException("gone")));
        Assert.Equal(ExitCodes.UsageError, CommandFailure.ExitCodeOf(new CommandLineUsageException("no")));
        Assert.Equal(ExitCodes.Cancelled, CommandFailure.ExitCodeOf(new OperationCanceledException()));
        Assert.Equal(ExitCodes.RuntimeFailure, CommandFailure.ExitCodeOf(new InvalidOperationException("bug")));
    }

    [Fact]
    public void A_failure_report_is_one_line_without_verbose()
    {
        using var stderr = new StringWriter();
        int code = CommandFailure.Report(new InvalidOperationException("boom"), stderr, verbose: false);

        Assert.Equal(ExitCodes.RuntimeFailure, code);
        string line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("boom", line);
        Assert.Contains("--verbose", line);
    }
}
