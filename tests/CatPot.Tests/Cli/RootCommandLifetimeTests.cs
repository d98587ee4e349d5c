using System.Runtime.CompilerServices;
using CatPot.Cli;
using Xunit;

namespace CatPot.Tests.Cli;

/// <summary>
/// In-process runs (tests, the fuzz harness, a host embedding the CLI) must not accumulate command trees: a shared
/// option instance used to keep every root command alive (42 KB per run; 10,000 fuzz cases ran out of memory).
/// </summary>
public class RootCommandLifetimeTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference BuildAndDrop()
    {
        var root = Program.CreateRootCommand();
        root.Parse(["data", "info", "sample:val", "--verbose"]);
        return new WeakReference(root);
    }

    [Fact]
    public void ARootCommandIsCollectedOnceDropped()
    {
        var weak = BuildAndDrop();
        for (int i = 0; i < 3 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(weak.IsAlive);
    }

    [Fact]
    public void VerboseIsStillRecognisedAfterAnyCommand()
    {
        var run = CliRun.Of("data", "info", "no-such-file.extxyz", "--verbose");
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains("StructurePathException", run.Stderr); // the stack trace --verbose adds
    }
}
