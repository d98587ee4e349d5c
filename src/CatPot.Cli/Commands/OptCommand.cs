using System.CommandLine;
using CatPot.IO;
using CatPot.Simulation;

namespace CatPot.Cli.Commands;

/// <summary><c>catpot opt MODEL STRUCTURE</c>: FIRE geometry optimisation to a force threshold, with a trajectory.</summary>
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
        var output = new Option<string?>("--output", "-o") { Description = "Trajectory (extxyz; last frame = result). Default: STRUCTURE stem + .opt.extxyz" };
        var randomModel = SimulationInputs.RandomModelOption();

        var command = new Command("opt", "Optimise a geometry with FIRE") { model, structure, fmax, steps, maxStep, forces, frame, output, randomModel };
        command.SetAction(parse => SimulationInputs.Guarded(() =>
        {
            string structurePath = parse.GetValue(structure)!;
            var system = SimulationInputs.ReadStructure(structurePath, parse.GetValue(frame));
            var potential = SimulationInputs.LoadModel(parse.GetValue(model)!, parse.GetValue(randomModel), Console.Error);
            var calculator = new PotentialCalculator<float>(potential, SimulationInputs.ParseForces(parse.GetValue(forces)!));
            var optimizer = new FireOptimizer(calculator, new FireSettings { MaxForce = parse.GetValue(fmax), MaxSteps = parse.GetValue(steps), MaxStep = parse.GetValue(maxStep) });
            string outPath = parse.GetValue(output) ?? SimulationInputs.DefaultOutput(structurePath, ".opt.extxyz");
            OptimizationResult result;
            using (var writer = ExtXyzWriter.CreateAtomic(outPath))
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
                        if (!double.IsNaN(r.EnergyStd)) frameOut.Info["std_E"] = r.EnergyStd;
                        if (!double.IsNaN(r.Entropy)) frameOut.Info["entropy"] = r.Entropy;
                        writer.Write(frameOut);
                        Console.Error.WriteLine($"FIRE {step,5}  E {r.Energy,14:F6} eV  fmax {r.MaxForceNorm(),10:G4} eV/Å");
                    });
                }
                finally
                {
                    writer.Commit();
                }
            }
            Console.Error.WriteLine(result.Converged
                ? $"converged in {result.Steps} steps: E = {result.Energy:F6} eV, fmax = {result.MaxForce:G4} eV/Å; trajectory {outPath}"
                : $"not converged after {result.Steps} steps: fmax = {result.MaxForce:G4} eV/Å > {parse.GetValue(fmax)}; trajectory {outPath}");
            return result.Converged ? 0 : 2;
        }));
        return command;
    }
}
