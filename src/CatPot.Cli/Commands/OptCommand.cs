using System.CommandLine;
using CatPot.IO;
using CatPot.Simulation;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot opt MODEL STRUCTURE</c>: FIRE geometry optimisation to a force threshold, with a trajectory written step by
/// step. Exit codes: 0 converged, 5 not converged within <c>--steps</c>, 130 cancelled; errors through <see cref="CommandFailure"/>.
/// </summary>
public static class OptCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Model file" };
        var structure = new Argument<string>("STRUCTURE") { Description = "Starting structure (extxyz)" };
        var fmax = new Option<double>("--fmax") { Description = "Converged when every atom's force norm is at most this, eV/Å", DefaultValueFactory = _ => 0.05 };
        var steps = new Option<int>("--steps") { Description = "Largest number of FIRE steps", DefaultValueFactory = _ => 1000 };
        var maxStep = new Option<double>("--max-step") { Description = "Largest displacement per step, Å", DefaultValueFactory = _ => 0.2 };
        var forces = SimulationInputs.ForcesOption();
        var frame = SimulationInputs.FrameOption();
        var output = new Option<string?>("--output", "-o") { Description = "Trajectory (extxyz; last frame = result), written step by step. Default: STRUCTURE stem + .opt.extxyz" };
        var flushInterval = SimulationInputs.FlushIntervalOption();
        var randomModel = SimulationInputs.RandomModelOption();

        var command = new Command("opt", "Optimise a geometry with FIRE") { model, structure, fmax, steps, maxStep, forces, frame, output, flushInterval, randomModel };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = CommandContext.From(parse);
            string structurePath = parse.GetValue(structure)!;
            string outPath = parse.GetValue(output) ?? SimulationInputs.DefaultOutput(structurePath, ".opt.extxyz");
            SimulationInputs.EnsureNotInput(outPath, structurePath, "--output");
            var flush = SimulationInputs.FlushInterval(parse.GetValue(flushInterval));
            var system = SimulationInputs.ReadStructure(structurePath, parse.GetValue(frame));
            var potential = SimulationInputs.LoadModel(parse.GetValue(model)!, parse.GetValue(randomModel), context.Error);
            SimulationInputs.WarnUnknownElements(potential, system, context.Error, parse.GetValue(randomModel));
            var calculator = new PotentialCalculator<float>(potential, SimulationInputs.ParseForces(parse.GetValue(forces)!));
            var optimizer = SimulationInputs.Usage(() => new FireOptimizer(calculator, new FireSettings { MaxForce = parse.GetValue(fmax), MaxSteps = parse.GetValue(steps), MaxStep = parse.GetValue(maxStep) }));
            OptimizationResult result;
            int written;
            using (var trajectory = TrajectoryFile.Create(outPath, flush))
            {
                try
                {
                    result = optimizer.Run(system, (step, r) =>
                    {
                        var frameOut = SimulationFrame.Create(system);
                        frameOut.Energy = r.Energy;
                        frameOut.Forces = (double[])r.Forces.Clone();
                        frameOut.Info["step"] = (long)step;
                        frameOut.Info["fmax"] = r.MaxForceNorm();
                        MolecularDynamicsRun.AddUncertainty(frameOut, r);
                        trajectory.Write(frameOut);
                        context.Error.WriteLine($"FIRE {step,5}  E {r.Energy,14:F6} eV  fmax {r.MaxForceNorm(),10:G4} eV/Å");
                        // After writing: the trajectory ends with the last evaluated geometry.
                        cancellationToken.ThrowIfCancellationRequested();
                    });
                }
                catch (OperationCanceledException)
                {
                    context.Error.WriteLine($"opt: cancelled; trajectory {outPath} ({trajectory.FramesWritten} frames, the last is the current geometry)");
                    throw;
                }
                written = trajectory.FramesWritten;
            }
            context.Error.WriteLine(result.Converged
                ? $"converged in {result.Steps} steps: E = {result.Energy:F6} eV, fmax = {result.MaxForce:G4} eV/Å; trajectory {outPath} ({written} frames)"
                : $"not converged after {result.Steps} steps: fmax = {result.MaxForce:G4} eV/Å > {parse.GetValue(fmax)}; trajectory {outPath} ({written} frames)");
            return Task.FromResult(result.Converged ? ExitCodes.Ok : ExitCodes.Incomplete);
        });
        return command;
    }
}
