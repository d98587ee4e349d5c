using CatPot.Chemistry;
using CatPot.IO;
using CatPot.Labelling;
using CatPot.Tests.Cli;
using Xunit;

namespace CatPot.Tests.Labelling;

public sealed class LabellerTests
{
    private static string Fixture(string name) => Path.Combine(CliFixtures.Root, "labelling", name);

    private static Structure Aspirin() => ExtXyzReader.ReadAll(Fixture("aspirin-frame0.extxyz"))[0];

    /// <summary>A shell script standing in for a program; returns its path inside <paramref name="dir"/>.</summary>
    private static string Script(TempDirectory dir, string body)
    {
        string path = dir.File("fake.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public void EngradIsConvertedToTheUnitsOfTheXtb4Labels()
    {
        var frame = Aspirin();
        var outcome = XtbLabeller.ParseEngrad(File.ReadAllText(Fixture("aspirin.engrad")), frame.AtomCount, 0);
        Assert.True(outcome.Succeeded, outcome.Failure);
        Assert.Equal(frame.Energy!.Value, outcome.Energy, 1e-6);
        for (int k = 0; k < frame.Forces!.Length; k++) Assert.Equal(frame.Forces[k], outcome.Forces![k], 1e-6);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("#\n 3\n#\n -1.0\n#\n 0.1\n 0.2\n")]              // too few gradient values
    [InlineData("#\n 21\n#\n energy\n#\n")]                      // unreadable energy, no gradient
    public void GarbageEngradIsAFailureNotAnException(string text)
    {
        var outcome = XtbLabeller.ParseEngrad(text, 21, 0);
        Assert.False(outcome.Succeeded);
        Assert.Null(outcome.Forces);
    }

    [Fact]
    public void WrongAtomCountInEngradIsAFailure()
    {
        var outcome = XtbLabeller.ParseEngrad(File.ReadAllText(Fixture("aspirin.engrad")), 20, 0);
        Assert.Contains("atom count", outcome.Failure);
    }

    [Fact]
    public void MissingXtbSaysHowToInstallIt()
    {
        var e = Assert.Throws<LabellerUnavailableException>(() => new XtbLabeller("catpot-no-such-xtb-program"));
        Assert.Contains("apt-get install xtb", e.Message);
        var e2 = Assert.Throws<LabellerUnavailableException>(() => new XtbLabeller("/nonexistent/dir/xtb"));
        Assert.Contains("apt-get install xtb", e2.Message);
    }

    [Theory]
    [InlineData("echo 'abnormal termination of xtb' >&2; exit 1", "exited with code 1")]
    [InlineData("echo 'SCC is not converged' ; echo 'normal termination of xtb' >&2; exit 0", "not converged")]
    [InlineData("echo hello; exit 0", "normal termination")]
    [InlineData("echo 'normal termination of xtb' >&2; exit 0", "no mol.engrad")]
    [InlineData("echo 'normal termination of xtb' >&2; echo garbage > mol.engrad", "mol.engrad")]
    [InlineData("kill -9 $$", "exited with code")]
    public void XtbCrashesAndNonConvergenceAreFailures(string body, string reason)
    {
        using var dir = new TempDirectory();
        var labeller = new XtbLabeller(Script(dir, body));
        var outcome = labeller.Label(Aspirin());
        Assert.False(outcome.Succeeded);
        Assert.Contains(reason, outcome.Failure);
    }

    [Fact]
    public void XtbTimeoutKillsTheCallAndFails()
    {
        using var dir = new TempDirectory();
        var labeller = new XtbLabeller(Script(dir, "sleep 30"), timeout: TimeSpan.FromMilliseconds(300));
        var outcome = labeller.Label(Aspirin());
        Assert.Contains("timed out", outcome.Failure);
    }

    [Fact]
    public void FakeXtbGetsChargeSpinAndAFreshFolder()
    {
        using var dir = new TempDirectory();
        string args = dir.File("args.txt");
        string engrad = Fixture("aspirin.engrad");
        var labeller = new XtbLabeller(Script(dir, $"echo \"$@\" > '{args}'; ls > '{args}.ls'; cp '{engrad}' mol.engrad; echo 'normal termination of xtb' >&2"));
        var frame = Aspirin();
        frame.Charge = -1;
        frame.Spin = 2;
        var outcome = labeller.Label(frame);
        Assert.True(outcome.Succeeded, outcome.Failure);
        Assert.Equal("mol.xyz --gfn 2 --chrg -1 --uhf 1 --grad --acc 0.01", File.ReadAllText(args).Trim());
        Assert.Equal("mol.xyz", File.ReadAllText(args + ".ls").Trim());
    }

    [Fact]
    public void RealXtbReproducesTheStoredGfn2Labels()
    {
        // With xtb installed (CI installs it: CI=true makes its absence a failure) the labeller must reproduce the
        // md-aspirin label of this frame; without it, the clear install message is what a user gets.
        XtbLabeller labeller;
        try
        {
            labeller = new XtbLabeller();
        }
        catch (LabellerUnavailableException e)
        {
            Assert.NotEqual("true", Environment.GetEnvironmentVariable("CI"));
            Assert.Contains("apt-get install xtb", e.Message);
            return;
        }
        var frame = Aspirin();
        var outcome = labeller.Label(frame);
        Assert.True(outcome.Succeeded, outcome.Failure);
        Assert.Equal(frame.Energy!.Value, outcome.Energy, 1e-5);
        for (int k = 0; k < frame.Forces!.Length; k++) Assert.Equal(frame.Forces[k], outcome.Forces![k], 1e-4);

        var water = new Structure([8, 1, 1], [0, 0, 0.1173, 0, 0.7572, -0.4692, 0, -0.7572, -0.4692]);
        var w = labeller.Label(water);
        Assert.True(w.Succeeded, w.Failure);
        // Water is symmetric about the z axis: the x forces vanish and the two H atoms mirror each other in y.
        Assert.Equal(0, w.Forces![0], 1e-6);
        Assert.Equal(-w.Forces[4], w.Forces[7], 1e-5);
        var cation = water.Clone();
        cation.Charge = 1;
        cation.Spin = 2;
        var c = labeller.Label(cation);
        Assert.True(c.Succeeded, c.Failure);
        Assert.True(c.Energy > w.Energy + 5, $"ionising water should cost several eV: {c.Energy} vs {w.Energy}");
    }

    [Fact]
    public void ExternalCommandRoundTripsEnergyAndForces()
    {
        using var dir = new TempDirectory();
        var labeller = new ExternalCommandLabeller($"cp '{Fixture("aspirin-frame0.extxyz")}' {{output}} && test -s {{input}}", method: "copy");
        var frame = Aspirin();
        var outcome = labeller.Label(frame);
        Assert.True(outcome.Succeeded, outcome.Failure);
        Assert.Equal(frame.Energy!.Value, outcome.Energy);
        Assert.Equal(frame.Forces!, outcome.Forces!);
    }

    [Theory]
    [InlineData("exit 3", "exited with code 3")]
    [InlineData("true", "no output.extxyz")]
    [InlineData("echo garbage > {output}", "unreadable output")]
    [InlineData("cp {input} {output}", "no energy")]
    [InlineData("cat {input} {input} > {output}", "2 frames")]
    public void ExternalCommandFailuresAreReported(string command, string reason)
    {
        var outcome = new ExternalCommandLabeller(command).Label(Aspirin());
        Assert.False(outcome.Succeeded);
        Assert.Contains(reason, outcome.Failure);
    }

    [Fact]
    public void ExternalCommandTimesOut()
    {
        var outcome = new ExternalCommandLabeller("sleep 30", TimeSpan.FromMilliseconds(300)).Label(Aspirin());
        Assert.Contains("timed out", outcome.Failure);
    }

    [Fact]
    public void NonFiniteLabelsAreFailures()
    {
        Assert.False(LabelOutcome.Checked(double.NaN, new double[3], 1, 0).Succeeded);
        Assert.False(LabelOutcome.Checked(1, [0, double.PositiveInfinity, 0], 1, 0).Succeeded);
        Assert.False(LabelOutcome.Checked(1, new double[6], 1, 0).Succeeded);
        Assert.True(LabelOutcome.Checked(1, new double[3], 1, 0).Succeeded);
    }
}
