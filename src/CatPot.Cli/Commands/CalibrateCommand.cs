using System.CommandLine;
using CatPot.IO;
using CatPot.Models;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot calibrate MODEL CALIB_DATA --train TRAIN [-o OUT]</c>: fits the post-hoc uncertainty (feature density and
/// last-layer rigidity on the training structures; fused log-error model and conformal factors on the calibration
/// structures, whose parents must not have been trained on) and stores it in the model file (<c>uncertainty.*</c>
/// tensors, <c>catpot_uncertainty</c> metadata). Then <c>predict</c>, <c>eval</c>, <c>md</c> and <c>opt</c> report the
/// calibrated <c>energy_std</c> (eV) and <c>atom_uncertainty</c>. See docs/uncertainty.md.
/// </summary>
public static class CalibrateCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = ModelArgument.Create();
        var calibration = new Argument<string>("calibration-data") { Description = "Calibration structures with reference energies, from parents not used in training (e.g. the validation set). " + StructureSourceArgument.Description };
        var train = new Option<string>("--train") { Description = "The model's training structures (the feature density and rigidity are fitted on them).", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "Output model file (written atomically); default: overwrite MODEL." };
        var components = new Option<int>("--components") { Description = "Gaussian components per element of the feature density.", DefaultValueFactory = _ => 1 };
        var maxAtoms = StandardOptions.CreateMaxAtoms();
        var command = new Command("calibrate", "Fit the model's uncertainty (energy_std in eV, atom_uncertainty) on training and calibration data and store it in the model file.")
        {
            model, calibration, train, output, components, maxAtoms,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var context = CommandContext.From(parseResult);
            string modelPath = parseResult.GetValue(model)!;
            string outPath = parseResult.GetValue(output) ?? modelPath;
            if (parseResult.GetValue(components) < 1) throw new CommandLineUsageException("--components must be at least 1.");
            AtomicFile.CheckTarget(outPath);
            string trainPath = parseResult.GetValue(train)!, calPath = parseResult.GetValue(calibration)!;
            var trainSet = StructureFiles.ReadAll(trainPath);
            var calSet = StructureFiles.ReadAll(calPath);
            cancellationToken.ThrowIfCancellationRequested();
            var fitted = ModelUncertainty.FitAndStore(modelPath, trainSet, calSet, trainPath, calPath, outPath, parseResult.GetValue(maxAtoms),
                parseResult.GetValue(components), context.Verbose ? m => context.Error.WriteLine($"catpot: {m}") : null);
            context.Error.WriteLine($"catpot: calibrated on {calSet.Count} structures ({trainSet.Count} training); ±1σ conformal factor {fitted.EnergyQuantiles.StdFactor:0.###}; wrote {outPath}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
