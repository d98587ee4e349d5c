using System.CommandLine;
using CatPot.Chemistry;
using CatPot.Evaluation;
using CatPot.IO;
using CatPot.Models;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot predict MODEL IN -o OUT.extxyz</c>: writes each frame with the predicted <c>energy</c> and <c>forces</c>
/// (so ASE's <c>get_potential_energy()</c>/<c>get_forces()</c> return the prediction) and, for a histogram head,
/// <c>energy_std</c>, <c>energy_entropy</c> and <c>energy_tail_mass</c> (<see cref="PredictionKeys"/>); reference labels of
/// the input are kept as <c>ref_energy</c>/<c>ref_forces</c>.
/// </summary>
/// <remarks>
/// Streams: frames are read, predicted in chunks of at most <see cref="ChunkBatches"/> atom budgets, and written, so
/// memory stays bounded for any number of frames. The output is an atomic write (<see cref="AtomicFile"/>): it appears
/// complete at the end; after Ctrl+C it holds the frames predicted so far (exit 130).
/// </remarks>
public static class PredictCommand
{
    /// <summary>How many atom budgets (<c>--max-atoms</c>) are read before they are predicted and written.</summary>
    public const int ChunkBatches = 8;

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = ModelArgument.Create();
        var input = new Argument<string>("input") { Description = StructureSourceArgument.Description };
        var output = new Option<string>("--output", "-o") { Description = "Output extxyz file (written atomically; refuses to overwrite the input).", Required = true };
        var conservative = new Option<bool>("--conservative") { Description = "Forces as −∂E/∂R instead of the direct force head." };
        var maxAtoms = StandardOptions.CreateMaxAtoms();
        var command = new Command("predict", "Predict energies, forces and uncertainties (energy_std, energy_entropy, energy_tail_mass) and write them as extxyz that ASE reads.")
        {
            model, input, output, conservative, maxAtoms,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var context = CommandContext.From(parseResult);
            string inPath = parseResult.GetValue(input)!, outPath = parseResult.GetValue(output)!;
            if (File.Exists(inPath) && Path.GetFullPath(inPath) == Path.GetFullPath(outPath))
                throw new CommandLineUsageException($"--output {outPath} is the input file; choose another name so the input is not overwritten.");
            AtomicFile.CheckTarget(outPath); // a directory or a missing folder: exit 2 before any work
            var potential = PotentialFile.Load<float>(parseResult.GetValue(model)!);
            var uncertainty = ModelUncertainty.Load(parseResult.GetValue(model)!);
            bool forcesConservative = parseResult.GetValue(conservative);
            int budget = parseResult.GetValue(maxAtoms);
            var coverage = new ElementCoverage(potential);
            long written = 0, nonFinite = 0, firstNonFinite = -1;
            bool cancelled = false;
            using (var writer = ExtXyzWriter.CreateAtomic(outPath))
            {
                var chunk = new List<Structure>();
                long chunkAtoms = 0;
                void PredictChunk()
                {
                    if (chunk.Count == 0) return;
                    var predictions = PotentialPredictor.Predict(potential, chunk, forcesConservative, budget);
                    var estimates = uncertainty is null ? null : ModelUncertainty.Estimate(potential, uncertainty, chunk, budget);
                    for (int i = 0; i < chunk.Count; i++)
                    {
                        if (!double.IsFinite(predictions[i].Energy) || !predictions[i].Forces.All(double.IsFinite))
                        {
                            if (nonFinite++ == 0) firstNonFinite = written + i;
                        }
                        writer.Write(WithPrediction(chunk[i], predictions[i], forcesConservative, estimates?[i]));
                    }
                    written += chunk.Count;
                    chunk.Clear();
                    chunkAtoms = 0;
                }
                context.WithProgress("predicting", progress =>
                {
                    foreach (var s in StructureFiles.Read(inPath, ExtXyzReaderOptions.ForModel, progress))
                    {
                        if (cancellationToken.IsCancellationRequested) { cancelled = true; break; }
                        coverage.Add(s);
                        if (chunk.Count > 0 && chunkAtoms + s.AtomCount > (long)ChunkBatches * budget) PredictChunk();
                        chunk.Add(s);
                        chunkAtoms += s.AtomCount;
                    }
                    if (!cancelled) PredictChunk();
                    return 0;
                });
                writer.Commit();
            }
            foreach (var warning in coverage.Warnings()) context.Error.WriteLine($"catpot: warning: {warning}");
            if (nonFinite > 0)
                context.Error.WriteLine($"catpot: warning: {nonFinite} of {written} frames (the first: frame {firstNonFinite}, counting from 0) got a non-finite energy or force: "
                    + "the model overflows there, far outside its training data (for example atoms closer together than any pair it was trained on). "
                    + "Those predictions are meaningless.");
            if (cancelled)
            {
                context.Error.WriteLine($"catpot: cancelled; wrote the {written} frames predicted so far to {outPath}");
                return Task.FromResult(ExitCodes.Cancelled);
            }
            context.Error.WriteLine($"catpot: wrote {written} frames to {outPath}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>A copy of <paramref name="s"/> carrying the prediction as its energy and forces.</summary>
    /// <remarks>
    /// With a calibrated <paramref name="uncertainty"/> (a model file fitted by <c>catpot calibrate</c>) <c>energy_std</c> is
    /// its calibrated ±1σ in eV and each atom gets <c>atom_uncertainty</c> (eV/atom); otherwise <c>energy_std</c> is the
    /// histogram std.
    /// </remarks>
    public static Structure WithPrediction(Structure s, PredictedStructure p, bool conservative, CatPot.Uncertainty.UncertaintyEstimate? uncertainty = null)
    {
        var copy = s.Clone();
        if (s.Energy is double e) copy.Info["ref_energy"] = e;
        if (s.Forces is not null) copy.PerAtom["ref_forces"] = new PerAtomColumn(s.Forces, 3);
        foreach (var key in (string[])[PredictionKeys.EnergyStd, PredictionKeys.EnergyEntropy, PredictionKeys.EnergyTailMass])
            copy.Info.Remove(key);
        copy.PerAtom.Remove(PredictionKeys.AtomUncertainty); // an input that is itself a prediction: its uncertainty does not describe this one
        copy.Energy = p.Energy;
        copy.Forces = p.Forces;
        copy.Info["forces_kind"] = conservative ? "conservative" : "direct";
        if (p.EnergyStd is double std) copy.Info[PredictionKeys.EnergyStd] = std;
        if (p.Entropy is double h) copy.Info[PredictionKeys.EnergyEntropy] = h;
        if (p.Probabilities is { Length: > 0 } probabilities) copy.Info[PredictionKeys.EnergyTailMass] = probabilities[0] + probabilities[^1];
        if (uncertainty is not null)
        {
            copy.Info[PredictionKeys.EnergyStd] = uncertainty.EnergyStd;
            copy.PerAtom[PredictionKeys.AtomUncertainty] = new PerAtomColumn(uncertainty.AtomUncertainty, 1);
        }
        return copy;
    }
}
