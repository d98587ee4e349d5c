using System.CommandLine;
using System.Globalization;
using CatPot.Experiments;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot experiment</c>: the paper's study as one command. Trains every cell of a grid with several seeds, the
/// temperature sweep of the best HL-Gauss cell and an MAE ensemble, then writes tables, figures and report.html to
/// <c>--out</c>. Rerunning on the same folder resumes an interrupted grid and only rewrites the reports when all is done.
/// </summary>
public static class ExperimentCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var gridFile = new Option<string?>("--grid") { Description = "Grid JSON file (see docs/experiment.md); flags below override its values. Default: the paper's grid." };
        var quick = new Option<bool>("--quick") { Description = "Tiny model and a few hundred frames: the whole grid in a few minutes (pipeline check, not for conclusions)." };
        var output = new Option<string>("--out") { Description = "Output folder (plan.json, runs/, table.md/json, uncertainty.md/json, figures/*.svg, report.html).", DefaultValueFactory = _ => "catpot-experiment" };
        var train = new Option<string?>("--train") { Description = "Training structures (default sample:train). " + StructureSourceArgument.Description };
        var val = new Option<string?>("--val") { Description = "Validation structures (default sample:val)." };
        var test = new Option<string?>("--test") { Description = "Test structures (default sample:test)." };
        var ood = new Option<string?>("--ood") { Description = "Out-of-domain structures: mean entropy in- vs out-of-domain." };
        var maxTrain = new Option<int?>("--max-train") { Description = "Use an evenly spaced subset of at most this many training structures." };
        var maxVal = new Option<int?>("--max-val") { Description = "At most this many validation structures." };
        var maxTest = new Option<int?>("--max-test") { Description = "At most this many test structures." };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds per cell (default 3)." };
        var ensemble = new Option<int?>("--ensemble") { Description = "MAE ensemble members for the uncertainty baseline (default 5; 0 for none)." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per run (default 8; replaced by the plan when --budget is given)." };
        var budget = new Option<double?>("--budget") { Description = "Budget of the whole grid in minutes: one epoch is measured and the epochs set to fit." };
        var features = new Option<int?>("--features") { Description = "PaiNN width F (default 128)." };
        var layers = new Option<int?>("--layers") { Description = "PaiNN layers L (default 3)." };
        var rbf = new Option<int?>("--rbf") { Description = "Radial basis size (default 20)." };
        var maxAtoms = new Option<int?>("--max-atoms") { Description = "Atom budget per batch (default 1000)." };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (default 8e-4)." };
        var emaDecay = new Option<double?>("--ema-decay") { Description = "EMA decay of the weights used for validation and saving (default 0.999; use ~0.99 for runs of a few hundred steps)." };
        var emaWarmup = new Option<bool?>("--ema-warmup") { Description = "Warm the EMA up, decay min(d, (1+n)/(10+n)) (default true, as catpot train); false = the contract's constant decay." };
        var temperatures = new Option<double[]?>("--temperatures") { Description = "Temperatures tried on the best HL-Gauss cell (default 1 2).", AllowMultipleArgumentsPerToken = true };

        var command = new Command("experiment", "Run the paper's study: MAE baseline vs HL-Gauss cells over seeds, temperature sweep, MAE ensemble; write tables, SVG figures and report.html.")
        {
            gridFile, quick, output, train, val, test, ood, maxTrain, maxVal, maxTest, seeds, ensemble, epochs, budget,
            features, layers, rbf, maxAtoms, lr, emaDecay, emaWarmup, temperatures,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var context = CommandContext.From(parseResult);
            string outDir = parseResult.GetValue(output)!;
            string? file = parseResult.GetValue(gridFile);
            bool isQuick = parseResult.GetValue(quick);
            if (file is not null && isQuick) throw new CommandLineUsageException("--grid and --quick exclude each other: --quick is a grid of its own.");
            ExperimentGrid grid;
            try
            {
                grid = file is not null ? ExperimentGrid.Load(file) : isQuick ? ExperimentGrid.Quick() : ExperimentGrid.Paper();
                grid = grid with
                {
                    Train = parseResult.GetValue(train) ?? grid.Train,
                    Val = parseResult.GetValue(val) ?? grid.Val,
                    Test = parseResult.GetValue(test) ?? grid.Test,
                    Ood = parseResult.GetValue(ood) ?? grid.Ood,
                    MaxTrain = parseResult.GetValue(maxTrain) ?? grid.MaxTrain,
                    MaxVal = parseResult.GetValue(maxVal) ?? grid.MaxVal,
                    MaxTest = parseResult.GetValue(maxTest) ?? grid.MaxTest,
                    Seeds = parseResult.GetValue(seeds) ?? grid.Seeds,
                    Ensemble = parseResult.GetValue(ensemble) ?? grid.Ensemble,
                    Epochs = parseResult.GetValue(epochs) ?? grid.Epochs,
                    BudgetMinutes = parseResult.GetValue(budget) ?? grid.BudgetMinutes,
                    Features = parseResult.GetValue(features) ?? grid.Features,
                    Layers = parseResult.GetValue(layers) ?? grid.Layers,
                    Rbf = parseResult.GetValue(rbf) ?? grid.Rbf,
                    MaxAtoms = parseResult.GetValue(maxAtoms) ?? grid.MaxAtoms,
                    LearningRate = parseResult.GetValue(lr) ?? grid.LearningRate,
                    EmaDecay = parseResult.GetValue(emaDecay) ?? grid.EmaDecay,
                    EmaWarmup = parseResult.GetValue(emaWarmup) ?? grid.EmaWarmup,
                    Temperatures = parseResult.GetValue(temperatures) is { Length: > 0 } t ? t : grid.Temperatures,
                };
                grid.Validate();
            }
            catch (ArgumentException e)
            {
                throw new CommandLineUsageException(e.Message);
            }
            catch (ExperimentGridException e)
            {
                throw new InvalidDataException(e.Message, e);
            }

            void Log(string line)
            {
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"catpot: {DateTime.Now:HH:mm:ss} {line}"));
                context.Error.Flush();
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var data = ExperimentData.Load(grid);
            var runner = new ExperimentRunner(outDir, data, Log);
            ExperimentPlan plan;
            try
            {
                plan = runner.Plan(grid, cancellationToken);
            }
            catch (ExperimentGridException e)
            {
                throw new InvalidDataException(e.Message, e);
            }
            // Printed before any training, so the budget is known up front.
            context.Out.WriteLine(plan.Summary());
            context.Out.Flush();
            ExperimentResults results;
            try
            {
                results = runner.Run(plan, cancellationToken);
            }
            catch (ExperimentGridException e)
            {
                throw new InvalidDataException(e.Message, e);
            }
            var written = ExperimentReport.Write(results, outDir);
            Log(string.Create(CultureInfo.InvariantCulture, $"trained {results.RunsTrainedNow} runs ({results.EpochsTrainedNow} epochs) in this call, {clock.Elapsed.TotalMinutes:F1} min{(plan.EstimatedMinutes is { } m ? $" (the plan estimated {m:F1} min for the whole grid)" : "")}"));
            foreach (var path in written) context.Out.WriteLine(path);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
