using System.CommandLine;
using CatPot.Chemistry;
using CatPot.Evaluation;
using CatPot.IO;
using CatPot.Models;

namespace CatPot.Cli.Commands;

/// <summary><c>catpot eval MODEL DATA…</c>: accuracy per domain and overall, and for HL-Gauss the uncertainty metrics.</summary>
public static class EvalCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = ModelArgument.Create();
        var data = StructureSourceArgument.CreateMany("data");
        var json = StandardOptions.CreateJson();
        var conservative = new Option<bool>("--conservative") { Description = "Evaluate forces as −∂E/∂R instead of the direct force head." };
        var maxAtoms = StandardOptions.CreateMaxAtoms();
        var units = LabelUnitOptions.Create();
        var command = new Command("eval", "Evaluate a model on labelled structures: energy and force errors per domain; entropy/std_E vs error, AUROC, NLL and calibration for HL-Gauss.")
        {
            model, data, json, conservative, maxAtoms, units.Energy, units.Force,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var context = CommandContext.From(parseResult);
            var potential = PotentialFile.Load<float>(parseResult.GetValue(model)!);
            var structures = new List<Structure>();
            var readOptions = units.Apply(parseResult, ExtXyzReaderOptions.ForModel);
            foreach (var path in parseResult.GetValue(data)!)
            {
                var read = StructureFiles.ReadAll(path, readOptions);
                LabelUnitOptions.WarnAboutUnits(read, path, context.Error);
                structures.AddRange(read);
            }
            cancellationToken.ThrowIfCancellationRequested();
            var predictions = context.WithProgress("evaluating", p =>
                PotentialPredictor.Predict(potential, structures, parseResult.GetValue(conservative), parseResult.GetValue(maxAtoms), n => p?.Report((double)n / structures.Count)));
            var compared = PotentialPredictor.Compare(potential, structures, predictions);
            if (compared.Count == 0)
                throw new CommandLineUsageException("None of the structures has a reference energy; 'eval' needs labelled data (use 'predict' for unlabelled structures).");
            var report = EvaluationReport.Compute(compared) with { Support = PotentialPredictor.Coverage(potential, structures, predictions) };
            var warnings = ElementCoverage.Warnings(potential, structures);
            foreach (var warning in warnings) context.Error.WriteLine($"catpot: warning: {warning}");
            var uncertainty = ModelUncertainty.Load(parseResult.GetValue(model)!);
            var quality = uncertainty is null ? null : ModelUncertainty.Assess(potential, uncertainty, structures, parseResult.GetValue(maxAtoms));
            if (parseResult.GetValue(json)) context.Out.WriteLine(WithUncertainty(WithWarnings(report.ToJson(), warnings), quality));
            else
            {
                EvaluationTable.Render(report, context.CreateOutConsole(), $"{compared.Count} structures");
                quality?.WriteTo(context.Out, "Calibrated uncertainty (energy_std from 'catpot calibrate') next to the trivial baselines");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>
    /// The report JSON with a <c>"calibrated_uncertainty"</c> object added when the model file has one: per group the
    /// Spearman/AUROC of <c>energy_std</c> and of the two baselines, and the interval calibration curve.
    /// </summary>
    public static string WithUncertainty(string reportJson, UncertaintyQuality? quality)
    {
        if (quality is null) return reportJson;
        var node = System.Text.Json.Nodes.JsonNode.Parse(reportJson)!.AsObject();
        System.Text.Json.Nodes.JsonObject Scores(List<CatPot.Uncertainty.ScoreQuality> q) => new(q.Select(g =>
            KeyValuePair.Create(g.Group, (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject { ["structures"] = g.Structures, ["spearman"] = g.Spearman, ["auroc_worst10"] = g.Auroc })));
        node["calibrated_uncertainty"] = new System.Text.Json.Nodes.JsonObject
        {
            [PredictionKeys.EnergyStd] = Scores(quality.EnergyStd),
            ["baseline_metal_or_ion"] = Scores(quality.MetalOrIon),
            ["baseline_atom_count"] = Scores(quality.AtomCount),
            ["interval_levels"] = new System.Text.Json.Nodes.JsonArray([.. quality.Intervals.Levels.Select(x => (System.Text.Json.Nodes.JsonNode?)x)]),
            ["interval_observed"] = new System.Text.Json.Nodes.JsonArray([.. quality.Intervals.Observed.Select(x => (System.Text.Json.Nodes.JsonNode?)x)]),
            ["miscalibration_area"] = quality.Intervals.MiscalibrationArea,
        };
        return node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The report JSON with a <c>"warnings"</c> array of strings added (only when there are warnings).</summary>
    public static string WithWarnings(string reportJson, IReadOnlyList<string> warnings)
    {
        if (warnings.Count == 0) return reportJson;
        var node = System.Text.Json.Nodes.JsonNode.Parse(reportJson)!.AsObject();
        node["warnings"] = new System.Text.Json.Nodes.JsonArray([.. warnings.Select(w => System.Text.Json.Nodes.JsonValue.Create(w))]);
        return node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
