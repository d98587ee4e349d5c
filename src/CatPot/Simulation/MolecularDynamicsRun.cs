using System.Diagnostics;
using System.Globalization;
using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.Simulation;

/// <summary>
/// Drives <see cref="MolecularDynamics"/> for a number of steps: writes the trajectory (a <see cref="TrajectoryFile"/>,
/// frame by frame into the real file) with per-frame energy, energy_std, energy_entropy, energy_tail_mass, kinetic and
/// total energy, temperature and time; applies the uncertainty guard to every step; reports progress (ps/day); stops
/// cleanly when cancelled; and returns a <see cref="MolecularDynamicsSummary"/>.
/// </summary>
public static class MolecularDynamicsRun
{
    /// <summary>Runs <paramref name="md"/> as <paramref name="options"/> say.</summary>
    /// <param name="md">The system and integrator.</param>
    /// <param name="options">Length, output, guard, progress.</param>
    /// <param name="cancellation">Stops the run after the current step: the step's frame is written as the last one,
    /// the files are flushed and closed, and the summary says <see cref="MolecularDynamicsSummary.Cancelled"/>.</param>
    /// <exception cref="ArgumentException">An option is invalid, or the guard asks for std_E/entropy the model lacks.</exception>
    public static MolecularDynamicsSummary Run(MolecularDynamics md, MolecularDynamicsRunOptions options, CancellationToken cancellation = default)
    {
        options.Validate();
        var guard = options.Guard is { IsActive: true } g ? g : null;
        guard?.EnsureCheckable(md.Result);

        TrajectoryFile? trajectory = options.TrajectoryPath is null ? null : TrajectoryFile.Create(options.TrajectoryPath, options.FlushInterval);
        TrajectoryFile? flagged = null;
        bool cancelled = false;
        int atoms = md.Structure.AtomCount;
        double e0 = md.TotalEnergy, maxDev = 0, sumT = 0;
        double st = 0, se = 0, stt = 0, ste = 0;
        long samples = 0;
        int flaggedCount = 0;
        long firstFlagged = -1;
        string? reason = null, divergence = null;
        bool stopped = false;
        double lastTotal = e0;
        // Seconds of each md.Step() (forces, integrator, neighbour list), for a per-step median like the peer's.
        // Grown as the run goes: sizing it for all requested steps up front would reserve 80 MB for a 10-million-step run
        // that the guard may stop after a few.
        var stepSeconds = new List<double>((int)Math.Min(options.Steps, 1 << 16));
        var clock = Stopwatch.StartNew();
        double lastProgress = 0;
        try
        {
            for (long step = 0; ; step++)
            {
                if (step > 0)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        md.Step();
                    }
                    catch (SimulationDivergedException e)
                    {
                        divergence = e.Message;
                        options.Progress?.WriteLine($"stopped: {e.Message}");
                        break;
                    }
                    stepSeconds.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                }
                double eTot = md.TotalEnergy, t = md.Time, temperature = md.Temperature;
                lastTotal = eTot;
                maxDev = Math.Max(maxDev, Math.Abs(eTot - e0));
                sumT += temperature;
                // Regress on time relative to the start to keep the sums well conditioned.
                st += t; se += eTot - e0; stt += t * t; ste += t * (eTot - e0);
                samples++;

                bool outside = guard is not null && guard.IsOutside(md.Result);
                if (outside)
                {
                    flaggedCount++;
                    if (firstFlagged < 0)
                    {
                        firstFlagged = step;
                        reason = $"step {step} (t = {t:G6} fs): {guard!.Reason(md.Result)}";
                    }
                    if (options.FlaggedPath is not null)
                    {
                        flagged ??= TrajectoryFile.Create(options.FlaggedPath, options.FlushInterval);
                        flagged.Write(Frame(md, step, true));
                    }
                }
                bool stopHere = outside && !guard!.FlagOnly;
                cancelled = cancellation.IsCancellationRequested;
                bool last = step >= options.Steps || stopHere || cancelled;
                if (trajectory is not null && (step % options.WriteInterval == 0 || last))
                    trajectory.Write(Frame(md, step, outside));

                if (options.Progress is { } progress && (clock.Elapsed.TotalSeconds - lastProgress >= options.ProgressInterval || last))
                {
                    lastProgress = clock.Elapsed.TotalSeconds;
                    double psPerDay = lastProgress > 0 ? t / 1000 / lastProgress * 86400 : 0;
                    progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"step {step,8}  t {t / 1000,9:F4} ps  E_tot {eTot,14:F6} eV  T {temperature,8:F1} K  energy_std {md.Result.EnergyStd,9:G4} eV  {psPerDay,9:G4} ps/day"));
                    if (stopHere) progress.WriteLine($"stopped: outside the trust region at {reason}");
                    if (cancelled && !stopHere) progress.WriteLine($"cancelled at step {step}; the files are complete up to this step");
                }
                if (stopHere) { stopped = true; break; }
                if (last) break;
            }
        }
        finally
        {
            // Flushed and closed after a failure too (e.g. an exploding geometry), so the frames up to it can be inspected.
            try
            {
                trajectory?.Dispose();
            }
            finally
            {
                flagged?.Dispose();
            }
        }
        clock.Stop();

        double denominator = samples * stt - st * st;
        double slopePerFs = denominator > 0 ? (samples * ste - st * se) / denominator : 0;
        return new MolecularDynamicsSummary
        {
            AtomCount = atoms,
            TimeStep = md.Settings.TimeStep,
            Thermostat = md.Settings.Thermostat == Thermostat.Langevin ? "langevin" : "none",
            Steps = md.StepCount,
            SimulatedTime = md.Time,
            StoppedByGuard = stopped,
            Cancelled = cancelled && !stopped,
            TrajectoryFrames = trajectory?.FramesWritten ?? 0,
            GuardReason = reason,
            FlaggedFrames = flaggedCount,
            FirstFlaggedStep = firstFlagged,
            InitialTotalEnergy = e0,
            FinalTotalEnergy = lastTotal,
            Divergence = divergence,
            MaxTotalEnergyDeviation = maxDev,
            DriftPerAtomPerPs = atoms > 0 ? slopePerFs * 1000 / atoms : 0,
            MeanTemperature = sumT / samples,
            WallSeconds = clock.Elapsed.TotalSeconds,
            StepSeconds = StepTimes.From(stepSeconds),
        };
    }

    /// <summary>
    /// A trajectory frame: positions, potential energy and forces, velocities (Å/fs) and the per-frame info keys.
    /// Of the starting structure's info only <c>domain</c> and <c>parent</c> are kept; its labels (method, reference
    /// energy, per-atom columns) do not describe the new geometry.
    /// </summary>
    public static Structure Frame(MolecularDynamics md, long step, bool outsideTrustRegion)
    {
        var r = md.Result;
        var frame = SimulationFrame.Create(md.Structure);
        frame.Energy = r.Energy;
        frame.Forces = (double[])r.Forces.Clone();
        double ke = md.KineticEnergy;
        frame.Info["step"] = step;
        frame.Info["time_fs"] = md.Time;
        AddUncertainty(frame, r);
        frame.Info["kinetic_energy"] = ke;
        frame.Info["total_energy"] = r.Energy + ke;
        frame.Info["temperature"] = Kinetics.Temperature(ke, md.DegreesOfFreedom);
        if (md.Settings.FinalTemperature is not null) frame.Info["target_temperature"] = md.TargetTemperature;
        frame.Info["outside_trust_region"] = outsideTrustRegion;
        frame.PerAtom["velocities"] = new PerAtomColumn((double[])md.Velocities.Clone(), 3);
        return frame;
    }

    /// <summary>
    /// Adds the uncertainty a calculator reported to a frame's info under the output vocabulary
    /// (<see cref="PredictionKeys.EnergyStd"/>, <see cref="PredictionKeys.EnergyEntropy"/>,
    /// <see cref="PredictionKeys.EnergyTailMass"/>); a quantity the model does not have is left out.
    /// </summary>
    public static void AddUncertainty(Structure frame, CalculationResult r)
    {
        if (!double.IsNaN(r.EnergyStd)) frame.Info[PredictionKeys.EnergyStd] = r.EnergyStd;
        if (!double.IsNaN(r.Entropy)) frame.Info[PredictionKeys.EnergyEntropy] = r.Entropy;
        if (!double.IsNaN(r.SupportEdgeMass)) frame.Info[PredictionKeys.EnergyTailMass] = r.SupportEdgeMass;
        if (r.AtomUncertainty is { } au) frame.PerAtom[PredictionKeys.AtomUncertainty] = new PerAtomColumn((double[])au.Clone(), 1);
    }
}
