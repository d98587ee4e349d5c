using System.CommandLine;
using CatPot.Simulation;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot md MODEL STRUCTURE</c>: NVE (velocity Verlet) or NVT (Langevin BAOAB) dynamics with an uncertainty guard,
/// an extxyz trajectory written frame by frame (a killed run keeps every flushed frame) and an optional JSON summary
/// (drift, temperature, ps/day). Exit codes: 0 all steps run, 5 stopped by the guard, 130 cancelled (Ctrl+C); errors
/// through <see cref="CommandFailure"/>.
/// </summary>
public static class MdCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Model file" };
        var structure = new Argument<string>("STRUCTURE") { Description = "Starting structure (extxyz); species, charge and spin come from it" };
        var steps = new Option<int>("--steps") { Description = "Number of MD steps", DefaultValueFactory = _ => 1000 };
        var dt = new Option<double>("--dt") { Description = "Time step, fs", DefaultValueFactory = _ => 0.5 };
        var temperature = new Option<double>("--temperature", "-T") { Description = "Initial Maxwell–Boltzmann and Langevin temperature, K", DefaultValueFactory = _ => 300 };
        var thermostat = new Option<string>("--thermostat") { Description = "none (NVE, velocity Verlet) or langevin (NVT, BAOAB)", DefaultValueFactory = _ => "none" };
        thermostat.AcceptOnlyFromAmong("none", "langevin");
        var rampTo = new Option<double?>("--ramp-to") { Description = "Langevin only: ramp the target temperature linearly from -T at the first step to this value (K) at the last (--steps), e.g. a heating run -T 300 --ramp-to 3000" };
        var friction = new Option<double>("--friction") { Description = "Langevin friction, 1/fs", DefaultValueFactory = _ => 0.01 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for initial velocities and Langevin noise", DefaultValueFactory = _ => 1 };
        var forces = SimulationInputs.ForcesOption();
        var frame = SimulationInputs.FrameOption();
        var output = new Option<string?>("--output", "-o") { Description = "Trajectory (extxyz; .gz compresses), written frame by frame. Default: STRUCTURE stem + .md.extxyz" };
        var flushInterval = SimulationInputs.FlushIntervalOption();
        var interval = new Option<int>("--interval") { Description = "Write every N steps", DefaultValueFactory = _ => 10 };
        var maxStd = new Option<double?>("--max-std") { Description = "Trust region: stop (or flag) when energy_std exceeds this, eV" };
        var maxEntropy = new Option<double?>("--max-entropy") { Description = "Trust region: stop (or flag) when energy_entropy exceeds this, nats" };
        var maxEdge = new Option<double?>("--max-edge-mass") { Description = "Trust region: stop (or flag) when energy_tail_mass (probability in the histogram's first and last bins) exceeds this (energy outside the training range, where energy_std and energy_entropy look falsely confident)" };
        var maxAtomUnc = new Option<double?>("--max-atom-uncertainty") { Description = "Trust region: stop (or flag) when any atom's calibrated atom_uncertainty exceeds this, eV/atom (needs a model file fitted by 'catpot calibrate'; then --max-std also acts on the calibrated energy_std)" };
        var flag = new Option<bool>("--flag") { Description = "Only mark frames outside the trust region; keep running" };
        var flagged = new Option<string?>("--flagged") { Description = "Where frames outside the trust region go. Default: STRUCTURE stem + .md.flagged.extxyz" };
        var log = new Option<string?>("--log") { Description = "Write a JSON summary (energy drift, mean temperature, ps/day)" };
        var randomModel = SimulationInputs.RandomModelOption();

        var command = new Command("md", "Run molecular dynamics (NVE or Langevin NVT) with an uncertainty guard")
        {
            model, structure, steps, dt, temperature, rampTo, thermostat, friction, seed, forces, frame, output, flushInterval, interval,
            maxStd, maxEntropy, maxEdge, maxAtomUnc, flag, flagged, log, randomModel,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = CommandContext.From(parse);
            string structurePath = parse.GetValue(structure)!;
            string trajectoryPath = parse.GetValue(output) ?? SimulationInputs.DefaultOutput(structurePath, ".md.extxyz");
            string flaggedPath = parse.GetValue(flagged) ?? SimulationInputs.DefaultOutput(structurePath, ".md.flagged.extxyz");
            SimulationInputs.EnsureNotInput(trajectoryPath, structurePath, "--output");
            SimulationInputs.EnsureNotInput(flaggedPath, structurePath, "--flagged");
            var flush = SimulationInputs.FlushInterval(parse.GetValue(flushInterval));
            var system = SimulationInputs.ReadStructure(structurePath, parse.GetValue(frame));
            var potential = SimulationInputs.LoadModel(parse.GetValue(model)!, parse.GetValue(randomModel), context.Error);
            SimulationInputs.WarnUnknownElements(potential, system, context.Error, parse.GetValue(randomModel));
            var forceSource = SimulationInputs.ParseForces(parse.GetValue(forces)!);
            var calculator = new PotentialCalculator<float>(potential, forceSource) { Uncertainty = SimulationInputs.LoadUncertainty(parse.GetValue(model)!, parse.GetValue(randomModel)) };
            var settings = new MolecularDynamicsSettings
            {
                TimeStep = parse.GetValue(dt),
                Thermostat = parse.GetValue(thermostat) == "langevin" ? Thermostat.Langevin : Thermostat.None,
                Temperature = parse.GetValue(temperature),
                FinalTemperature = parse.GetValue(rampTo),
                RampSteps = Math.Max(1, parse.GetValue(steps)),
                Friction = parse.GetValue(friction),
                Seed = parse.GetValue(seed) + 1,
            };
            SimulationInputs.Usage(() => { settings.Validate(); return 0; });
            var masses = Kinetics.Masses(system.Numbers);
            var velocities = new double[3 * system.AtomCount];
            SimulationInputs.Usage(() => { MaxwellBoltzmann.Sample(masses, parse.GetValue(temperature), parse.GetValue(seed), velocities); return 0; });
            var md = SimulationInputs.Usage(() => new MolecularDynamics(calculator, system, velocities, settings));
            var options = new MolecularDynamicsRunOptions
            {
                Steps = parse.GetValue(steps),
                WriteInterval = parse.GetValue(interval),
                TrajectoryPath = trajectoryPath,
                FlaggedPath = flaggedPath,
                FlushInterval = flush,
                Guard = new UncertaintyGuard(parse.GetValue(maxStd), parse.GetValue(maxEntropy), parse.GetValue(flag), parse.GetValue(maxEdge), parse.GetValue(maxAtomUnc)),
                Progress = context.Error,
            };
            SimulationInputs.Usage(() =>
            {
                options.Validate();
                if (options.Guard.IsActive) options.Guard.EnsureCheckable(md.Result);
                return 0;
            });
            var summary = MolecularDynamicsRun.Run(md, options, cancellationToken);
            context.Error.WriteLine(
                $"{(summary.Cancelled ? "cancelled" : "done")}: {summary.Steps} steps ({summary.SimulatedTime / 1000:G4} ps), E_tot drift {summary.DriftPerAtomPerPs:G4} eV/atom/ps, " +
                $"max |ΔE_tot| {summary.MaxTotalEnergyDeviation:G4} eV, mean T {summary.MeanTemperature:F1} K, {summary.PicosecondsPerDay:G4} ps/day; trajectory {options.TrajectoryPath} ({summary.TrajectoryFrames} frames)");
            if (summary.FlaggedFrames > 0)
                context.Error.WriteLine($"{summary.FlaggedFrames} frame(s) outside the trust region (first: {summary.GuardReason}) written to {options.FlaggedPath}");
            if (parse.GetValue(log) is { } logPath)
            {
                summary.WriteJson(logPath, new Dictionary<string, string>
                {
                    ["structure"] = structurePath,
                    ["forces"] = forceSource == ForceSource.Direct ? "direct" : "conservative",
                });
            }
            if (summary.Diverged)
                context.Error.WriteLine($"catpot: {summary.Divergence} The trajectory holds the frames up to the last finite step.");
            int code = summary.Cancelled ? ExitCodes.Cancelled : summary.StoppedByGuard || summary.Diverged ? ExitCodes.Incomplete : ExitCodes.Ok;
            return Task.FromResult(code);
        });
        return command;
    }
}
