using System.Globalization;
using CatPot.Chemistry;
using CatPot.IO;
using CatPot.Simulation;
using CatPot.Tests.Cli;
using Xunit;
using Xunit.Abstractions;

namespace CatPot.Tests.Simulation;

public class MolecularDynamicsTests(ITestOutputHelper output)
{
    private static MolecularDynamics Start(IForceCalculator calc, Structure mol, double temperature, ulong seed, MolecularDynamicsSettings settings)
    {
        var v = new double[3 * mol.AtomCount];
        MaxwellBoltzmann.Sample(Kinetics.Masses(mol.Numbers), temperature, seed, v);
        return new MolecularDynamics(calc, mol, v, settings);
    }

    [Fact]
    public void NVE_conserves_energy_with_conservative_forces_and_drifts_with_direct_forces()
    {
        var settings = new MolecularDynamicsSettings { TimeStep = 0.1 };
        var options = new MolecularDynamicsRunOptions { Steps = 300 };
        var conservative = MolecularDynamicsRun.Run(
            Start(new PotentialCalculator<double>(SimulationFixtures.Model<double>(7)), SimulationFixtures.Methanol(), 600, 11, settings), options);
        var direct = MolecularDynamicsRun.Run(
            Start(new PotentialCalculator<double>(SimulationFixtures.Model<double>(7), ForceSource.Direct), SimulationFixtures.Methanol(), 600, 11, settings), options);
        output.WriteLine($"conservative: max |dE| {conservative.MaxTotalEnergyDeviation:G4} eV, drift {conservative.DriftPerAtomPerPs:G4} eV/atom/ps");
        output.WriteLine($"direct:       max |dE| {direct.MaxTotalEnergyDeviation:G4} eV, drift {direct.DriftPerAtomPerPs:G4} eV/atom/ps");

        Assert.Equal(300, conservative.Steps);
        Assert.Equal(30.0, conservative.SimulatedTime, 9);
        // The molecule really moves: the kinetic energy at 600 K is ~0.2 eV, far above the tolerance below.
        Assert.True(conservative.MeanTemperature > 100);
        Assert.True(conservative.MaxTotalEnergyDeviation < 1e-3, $"conservative max |ΔE_tot| {conservative.MaxTotalEnergyDeviation} eV");
        Assert.True(direct.MaxTotalEnergyDeviation > 20 * conservative.MaxTotalEnergyDeviation,
            $"direct {direct.MaxTotalEnergyDeviation} eV vs conservative {conservative.MaxTotalEnergyDeviation} eV");
    }

    [Fact]
    public void Verlet_error_shrinks_quadratically_with_the_time_step()
    {
        double Deviation(double dt)
        {
            var md = Start(new MorseCalculator(), SimulationFixtures.Cloud(8, 3, 1.3), 300, 5, new MolecularDynamicsSettings { TimeStep = dt });
            return MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions { Steps = (int)Math.Round(20 / dt) }).MaxTotalEnergyDeviation;
        }
        double coarse = Deviation(0.4), fine = Deviation(0.2);
        output.WriteLine($"max |dE| at 0.4 fs {coarse:G4}, at 0.2 fs {fine:G4}");
        Assert.InRange(coarse / fine, 3.0, 5.5);
    }

    [Fact]
    public void Maxwell_Boltzmann_is_seeded_has_zero_momentum_and_hits_the_temperature()
    {
        var cloud = SimulationFixtures.Cloud(4000, 1);
        var masses = Kinetics.Masses(cloud.Numbers);
        var a = new double[3 * cloud.AtomCount];
        var b = new double[a.Length];
        var c = new double[a.Length];
        MaxwellBoltzmann.Sample(masses, 500, 42, a);
        MaxwellBoltzmann.Sample(masses, 500, 42, b);
        MaxwellBoltzmann.Sample(masses, 500, 43, c);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);

        Span<double> p = stackalloc double[3];
        Kinetics.Momentum(masses, a, p);
        double scale = 0;
        for (int i = 0; i < masses.Length; i++) scale += masses[i] * Math.Abs(a[3 * i]);
        for (int k = 0; k < 3; k++) Assert.True(Math.Abs(p[k]) < 1e-12 * scale, $"momentum {p[k]}");

        double t = Kinetics.Temperature(Kinetics.KineticEnergy(masses, a), Kinetics.DegreesOfFreedomWithoutCentreOfMass(masses.Length));
        Assert.InRange(t, 485, 515); // relative spread √(2/3N) ≈ 1.3 %
    }

    [Fact]
    public void Kinetic_energy_uses_ASE_units()
    {
        // One carbon atom moving at 0.01 Å/fs: ½ m v² = 0.5 · 12.011 amu · (0.01 Å/fs)², converted with ASE's fs.
        double[] m = [12.011];
        double[] v = [0.01, 0, 0];
        double expected = 0.5 * 12.011 * 1e-4 / (0.09822694788464063 * 0.09822694788464063);
        Assert.Equal(expected, Kinetics.KineticEnergy(m, v), 12);
    }

    [Fact]
    public void Langevin_holds_the_target_temperature()
    {
        var mol = SimulationFixtures.Cloud(12, 9, 1.3);
        var settings = new MolecularDynamicsSettings { TimeStep = 0.5, Thermostat = Thermostat.Langevin, Temperature = 400, Friction = 0.05, Seed = 3 };
        var md = Start(new MorseCalculator(), mol, 50, 4, settings);
        // Equilibrate from a cold start, then average.
        MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions { Steps = 2000 });
        var summary = MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions { Steps = 40000 });
        output.WriteLine($"mean T {summary.MeanTemperature:F1} K");
        Assert.InRange(summary.MeanTemperature, 360, 440);

        Span<double> p = stackalloc double[3];
        Kinetics.Momentum(md.Masses, md.Velocities, p);
        for (int k = 0; k < 3; k++) Assert.True(Math.Abs(p[k]) < 1e-9);
    }

    [Fact]
    public void A_Langevin_ramp_moves_the_target_linearly_and_the_system_follows_it()
    {
        var settings = new MolecularDynamicsSettings { TimeStep = 0.5, Thermostat = Thermostat.Langevin, Temperature = 100, FinalTemperature = 1100, RampSteps = 30000, Friction = 0.05, Seed = 5 };
        Assert.Equal(100, settings.TargetTemperature(0));
        Assert.Equal(600, settings.TargetTemperature(15000), 9);
        Assert.Equal(1100, settings.TargetTemperature(30000));
        Assert.Equal(1100, settings.TargetTemperature(90000));

        var md = Start(new MorseCalculator(), SimulationFixtures.Cloud(12, 9, 1.3), 100, 4, settings);
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "ramp.extxyz");
        MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions { Steps = 30000, WriteInterval = 100, TrajectoryPath = path });
        var frames = ExtXyzReader.ReadAll(path);
        double Mean(IEnumerable<Structure> f, string key) => f.Average(x => Convert.ToDouble(x.Info[key], CultureInfo.InvariantCulture));
        var first = frames.Take(frames.Count / 5).ToList();
        var last = frames.Skip(frames.Count * 4 / 5).ToList();
        output.WriteLine($"first fifth: T {Mean(first, "temperature"):F0} K (target {Mean(first, "target_temperature"):F0}); last fifth: T {Mean(last, "temperature"):F0} K (target {Mean(last, "target_temperature"):F0})");
        // the frames record the target, and the kinetic temperature follows it within the thermostat's lag and noise
        Assert.InRange(Mean(first, "target_temperature"), 150, 250);
        Assert.InRange(Mean(last, "target_temperature"), 950, 1050);
        Assert.InRange(Mean(first, "temperature"), 60, 300);
        Assert.InRange(Mean(last, "temperature"), 800, 1200);
    }

    [Fact]
    public void A_ramp_without_the_Langevin_thermostat_or_with_a_bad_end_is_refused()
    {
        Assert.Contains("Langevin", Assert.Throws<ArgumentException>(() => new MolecularDynamicsSettings { FinalTemperature = 900, RampSteps = 10 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new MolecularDynamicsSettings { Thermostat = Thermostat.Langevin, FinalTemperature = -1, RampSteps = 10 }.Validate());
        Assert.Throws<ArgumentException>(() => new MolecularDynamicsSettings { Thermostat = Thermostat.Langevin, FinalTemperature = 900, RampSteps = 0 }.Validate());
    }

    /// <summary>Morse forces until call <paramref name="explodeAt"/>, then infinite forces (a model far outside its data).</summary>
    private sealed class ExplodingCalculator(int explodeAt) : IForceCalculator
    {
        private readonly MorseCalculator _morse = new();
        private int _calls;

        public void Calculate(Structure structure, CalculationResult result)
        {
            _morse.Calculate(structure, result);
            if (++_calls >= explodeAt) Array.Fill(result.Forces, double.PositiveInfinity);
        }
    }

    [Fact]
    public void A_blown_up_integration_stops_the_run_with_its_reason_and_keeps_the_finite_frames()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "traj.extxyz"), log = Path.Combine(dir.Path, "log.json");
        var md = Start(new ExplodingCalculator(explodeAt: 30), SimulationFixtures.Cloud(6, 2, 1.3), 300, 2, new MolecularDynamicsSettings { TimeStep = 0.5 });
        var progress = new StringWriter();
        var summary = MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions { Steps = 100, WriteInterval = 1, TrajectoryPath = path, Progress = progress });

        Assert.True(summary.Diverged);
        Assert.False(summary.StoppedByGuard);
        Assert.Contains("MD diverged at step", summary.Divergence, StringComparison.Ordinal);
        Assert.Contains("non-finite", summary.Divergence, StringComparison.Ordinal);
        Assert.Contains("--dt", summary.Divergence, StringComparison.Ordinal);
        Assert.Equal(28, summary.Steps);   // call 1 is the constructor's, call 30 (step 29) explodes
        Assert.True(double.IsFinite(summary.FinalTotalEnergy));
        var frames = ExtXyzReader.ReadAll(path);
        Assert.Equal(summary.Steps + 1, frames.Count);
        Assert.All(frames, f => Assert.All(f.Positions, x => Assert.True(double.IsFinite(x))));
        summary.WriteJson(log);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(log));
        Assert.True(json.RootElement.GetProperty("diverged").GetBoolean());
        Assert.Contains("stopped: MD diverged", progress.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_reports_per_step_times()
    {
        using var dir = new TempDirectory();
        string log = Path.Combine(dir.Path, "log.json");
        var md = Start(new PotentialCalculator<double>(SimulationFixtures.Model<double>(2)), SimulationFixtures.Methanol(), 300, 1, new MolecularDynamicsSettings());
        var summary = MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions { Steps = 30 });
        summary.WriteJson(log);
        var t = summary.StepSeconds!;
        Assert.True(t.P10 > 0 && t.P10 <= t.Median && t.Median <= t.P90);
        Assert.True(t.Mean * 30 <= summary.WallSeconds);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(log));
        Assert.Equal(t.Median, json.RootElement.GetProperty("step_median_s").GetDouble());
        Assert.Null(StepTimes.From([]));
        var times = StepTimes.From([4.0, 1, 3, 2])!; // percentiles interpolated as NumPy: p10 at rank 0.3, p90 at rank 2.7
        Assert.Equal(2.5, times.Median, 12);
        Assert.Equal(1.3, times.P10, 12);
        Assert.Equal(3.7, times.P90, 12);
        Assert.Equal(2.5, times.Mean, 12);
    }

    [Fact]
    public void Guard_stops_at_the_first_frame_and_writes_it_for_labelling()
    {
        using var dir = new TempDirectory();
        string traj = Path.Combine(dir.Path, "traj.extxyz"), flagged = Path.Combine(dir.Path, "flagged.extxyz"), log = Path.Combine(dir.Path, "log.json");
        var start = SimulationFixtures.Methanol();
        start.Info["method"] = "GFN2-xTB";
        start.Info["parent"] = "methanol";
        start.Energy = -123.0;
        var md = Start(new PotentialCalculator<double>(SimulationFixtures.Model<double>(2)), start, 300, 1, new MolecularDynamicsSettings());
        double std0 = md.Result.EnergyStd;
        var summary = MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions
        {
            Steps = 50, WriteInterval = 1, TrajectoryPath = traj, FlaggedPath = flagged,
            Guard = new UncertaintyGuard(MaxEnergyStd: 1e-9, MaxEntropy: null),
        });
        summary.WriteJson(log);

        Assert.True(summary.StoppedByGuard);
        Assert.Equal(0, summary.Steps);
        Assert.Equal(0, summary.FirstFlaggedStep);
        Assert.Contains("energy_std", summary.GuardReason);
        var bad = ExtXyzReader.ReadAll(flagged);
        var frame = Assert.Single(bad);
        Assert.Equal(std0, (double)frame.Info["energy_std"], 12); // the output vocabulary, as predict writes it
        Assert.True(frame.Info.ContainsKey("energy_entropy"));
        Assert.True(frame.Info.ContainsKey("energy_tail_mass"));
        Assert.False(frame.Info.ContainsKey("std_E"));
        Assert.True((bool)frame.Info["outside_trust_region"]);
        Assert.Equal(SimulationFixtures.Methanol().Positions, frame.Positions);
        // The input's labels do not describe model frames; provenance does.
        Assert.False(frame.Info.ContainsKey("method"));
        Assert.Equal("methanol", frame.Info["parent"]);
        Assert.Equal(md.Result.Energy, frame.Energy);
        Assert.Single(ExtXyzReader.ReadAll(traj));
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(log));
        Assert.True(json.RootElement.GetProperty("stopped_by_guard").GetBoolean());
    }

    [Fact]
    public void Cancellation_stops_after_the_current_step_and_keeps_every_frame_written()
    {
        using var dir = new TempDirectory();
        string traj = Path.Combine(dir.Path, "traj.extxyz"), log = Path.Combine(dir.Path, "log.json");
        var md = Start(new PotentialCalculator<double>(SimulationFixtures.Model<double>(2)), SimulationFixtures.Methanol(), 300, 1, new MolecularDynamicsSettings());
        using var cancel = new CancellationTokenSource();
        var progress = new CancellingWriter(cancel, afterLines: 4);
        var summary = MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions
        {
            Steps = 1_000_000, WriteInterval = 1, TrajectoryPath = traj, Progress = progress, ProgressInterval = 0,
        }, cancel.Token);
        summary.WriteJson(log);

        Assert.True(summary.Cancelled);
        Assert.False(summary.StoppedByGuard);
        Assert.True(summary.Steps < 1_000_000);
        var frames = ExtXyzReader.ReadAll(traj);
        Assert.Equal(summary.Steps + 1, frames.Count); // step 0 … the step at which the cancellation was seen
        Assert.Equal(summary.TrajectoryFrames, frames.Count);
        Assert.Equal((long)summary.Steps, (long)frames[^1].Info["step"]);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(log));
        Assert.True(json.RootElement.GetProperty("cancelled").GetBoolean());
    }

    [Fact]
    public void Trajectory_frames_are_in_the_real_file_while_the_run_goes_on()
    {
        using var dir = new TempDirectory();
        string traj = Path.Combine(dir.Path, "traj.extxyz");
        var md = Start(new PotentialCalculator<double>(SimulationFixtures.Model<double>(2)), SimulationFixtures.Methanol(), 300, 1, new MolecularDynamicsSettings());
        int seenDuringRun = -1;
        var observer = new CallbackWriter(() =>
        {
            // Read by another handle while the writer still holds the file: every flushed frame is there, whole.
            if (seenDuringRun < 0 && File.Exists(traj) && ExtXyzReader.ReadAll(traj).Count >= 3) seenDuringRun = ExtXyzReader.ReadAll(traj).Count;
        });
        MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions { Steps = 10, WriteInterval = 1, TrajectoryPath = traj, Progress = observer, ProgressInterval = 0 });
        Assert.True(seenDuringRun >= 3, $"frames visible during the run: {seenDuringRun}");
        Assert.Equal(11, ExtXyzReader.ReadAll(traj).Count);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));
    }

    [Fact]
    public void Gzip_trajectory_flushes_are_complete_gzip_members_readable_before_the_end()
    {
        using var dir = new TempDirectory();
        string traj = Path.Combine(dir.Path, "traj.extxyz.gz");
        var frame = SimulationFixtures.Methanol();
        using (var file = TrajectoryFile.Create(traj, TimeSpan.Zero))
        {
            for (int i = 0; i < 3; i++) file.Write(frame);
            Assert.Equal(3, file.FramesFlushed);
            // Not closed yet: what is on disk must already be a valid (multi-member) gzip file.
            Assert.Equal(3, ExtXyzReader.ReadAll(traj).Count);
            file.Write(frame);
        }
        Assert.Equal(4, ExtXyzReader.ReadAll(traj).Count);
        using (var slow = TrajectoryFile.Create(traj, TimeSpan.FromHours(1)))
        {
            slow.Write(frame);
            slow.Write(frame);
            Assert.Equal(0, slow.FramesFlushed);
        }
        Assert.Equal(2, ExtXyzReader.ReadAll(traj).Count);
    }

    /// <summary>A progress writer that cancels after a number of lines (the run writes one per step with interval 0).</summary>
    private sealed class CancellingWriter(CancellationTokenSource cancel, int afterLines) : StringWriter
    {
        private int _lines;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (++_lines == afterLines) cancel.Cancel();
        }
    }

    private sealed class CallbackWriter(Action onLine) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            onLine();
        }
    }

    [Fact]
    public void Guard_in_flag_mode_marks_frames_and_keeps_running()
    {
        using var dir = new TempDirectory();
        string traj = Path.Combine(dir.Path, "traj.extxyz"), flagged = Path.Combine(dir.Path, "flagged.extxyz");
        var md = Start(new PotentialCalculator<double>(SimulationFixtures.Model<double>(2)), SimulationFixtures.Methanol(), 300, 1, new MolecularDynamicsSettings());
        var summary = MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions
        {
            Steps = 6, WriteInterval = 2, TrajectoryPath = traj, FlaggedPath = flagged,
            Guard = new UncertaintyGuard(MaxEnergyStd: null, MaxEntropy: 1e-9, FlagOnly: true),
        });

        Assert.False(summary.StoppedByGuard);
        Assert.Equal(6, summary.Steps);
        Assert.Equal(7, summary.FlaggedFrames);
        var bad = ExtXyzReader.ReadAll(flagged);
        Assert.Equal(7, bad.Count);
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6], bad.Select(f => (long)f.Info["step"]));
        var written = ExtXyzReader.ReadAll(traj);
        Assert.Equal([0L, 2, 4, 6], written.Select(f => (long)f.Info["step"]));
        Assert.All(written, f => Assert.True((bool)f.Info["outside_trust_region"]));
        Assert.All(written, f => Assert.Equal((double)f.Info["total_energy"], f.Energy!.Value + (double)f.Info["kinetic_energy"], 12));
    }

    [Fact]
    public void Guard_below_threshold_lets_the_run_finish_without_a_flagged_file()
    {
        using var dir = new TempDirectory();
        string flagged = Path.Combine(dir.Path, "flagged.extxyz");
        var md = Start(new MorseCalculator(), SimulationFixtures.Cloud(5, 2, 1.3), 300, 1, new MolecularDynamicsSettings());
        var summary = MolecularDynamicsRun.Run(md, new MolecularDynamicsRunOptions
        {
            Steps = 10, FlaggedPath = flagged, Guard = new UncertaintyGuard(MaxEnergyStd: 0.02, MaxEntropy: 2),
        });
        Assert.False(summary.StoppedByGuard);
        Assert.Equal(0, summary.FlaggedFrames);
        Assert.False(File.Exists(flagged));
    }
}
