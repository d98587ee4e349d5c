using System.CommandLine;
using CatPot.Chemistry;
using CatPot.Evaluation;
using CatPot.IO;
using CatPot.Models;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot predict MODEL IN -o OUT.extxyz</c>: writes each frame with the predicted <c>energy</c> and <c>forces</c>
/// (so ASE's <c>get_potential_energy()</c>/<c>get_forces()</c> return the prediction), <c>energy_std</c> and
/// <c>energy_entropy</c>; reference labels of the input are kept as <c>ref_energy</c>/<c>ref_forces</c>.
/// </summary>
public static class PredictCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = ModelArgument.Create();
        var input = new Argument<string>("input") { Description = StructureSourceArgument.Description };
        var output = new Option<string>("--output", "-o") { Description = "Output extxyz file (written atomically; refuses to overwrite the input).", Required = true };
        var conservative = new Option<bool>("--conservative") { Description = "Forces as −∂E/∂R instead of the direct force head." };
        var maxAtoms = new Option<int>("--max-atoms") { Description = "Atom budget per batch.", DefaultValueFactory = _ => 1000 };
        var command = new Command("predict", "Predict energies, forces and uncertainties (energy_std, energy_entropy) and write them as extxyz that ASE reads.")
        {
            model, input, output, conservative, maxAtoms,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var context = CommandContext.From(parseResult);
            string inPath = parseResult.GetValue(input)!, outPath = parseResult.GetValue(output)!;
            if (File.Exists(inPath) && Path.GetFullPath(inPath) == Path.GetFullPath(outPath))
                throw new CommandLineUsageException($"--output {outPath} is the input file; choose another name so the input is not overwritten.");
            var potential = PotentialFile.Load<float>(parseResult.GetValue(model)!);
            var structures = StructureFiles.ReadAll(inPath, ExtXyzReaderOptions.ForModel);
            cancellationToken.ThrowIfCancellationRequested();
            var predictions = context.WithProgress("predicting", p =>
                PotentialPredictor.Predict(potential, structures, parseResult.GetValue(conservative), parseResult.GetValue(maxAtoms), n => p?.Report((double)n / structures.Count)));
            ExtXyzWriter.WriteFile(outPath, structures.Select((s, i) => WithPrediction(s, predictions[i], parseResult.GetValue(conservative))));
            context.Error.WriteLine($"catpot: wrote {structures.Count} frames to {outPath}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>A copy of <paramref name="s"/> carrying the prediction as its energy and forces.</summary>
    public static Structure WithPrediction(Structure s, PredictedStructure p, bool conservative)
    {
        var copy = s.Clone();
        if (s.Energy is double e) copy.Info["ref_energy"] = e;
        if (s.Forces is not null) copy.PerAtom["ref_forces"] = new PerAtomColumn(s.Forces, 3);
        copy.Energy = p.Energy;
        copy.Forces = p.Forces;
        copy.Info["forces_kind"] = conservative ? "conservative" : "direct";
        if (p.EnergyStd is double std) copy.Info["energy_std"] = std;
        if (p.Entropy is double h) copy.Info["energy_entropy"] = h;
        return copy;
    }
}
