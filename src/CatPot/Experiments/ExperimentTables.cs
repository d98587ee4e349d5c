using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CatPot.Experiments;

/// <summary>The accuracy table (the paper's Table 1 layout) and the uncertainty table, as markdown and JSON.</summary>
public static class ExperimentTables
{
    /// <summary>Table 1 as markdown: energy MAE (eV) and force MAE (eV/Å) per domain and overall, mean ± std over seeds, ratios to the baseline; then energy MAE per atom.</summary>
    public static string AccuracyMarkdown(ExperimentSummary summary, ExperimentResults results)
    {
        var sb = new StringBuilder();
        var groups = summary.Domains.Append(ExperimentSummary.Overall).ToList();
        var g = results.Plan.Grid;
        sb.AppendLine("# Accuracy on the test set");
        sb.AppendLine();
        sb.AppendLine(Inv($"Mean ± sample std over {g.Seeds} seed(s) of the best-validation model of each run. E: total-energy MAE (eV); F: force MAE per component (eV/Å). Ratios: overall MAE ÷ the MAE baseline's (< 1 is better than the baseline). {results.Plan.DataSizes[2]} test structures; {g.Epochs} epochs per run."));
        sb.AppendLine();
        sb.Append("| Model |");
        foreach (var d in groups) sb.Append(Inv($" {d} E | {d} F |"));
        sb.AppendLine(" E / baseline | F / baseline |");
        sb.Append("|---|");
        foreach (var _ in groups) sb.Append("---|---|");
        sb.AppendLine("---|---|");
        foreach (var r in summary.Accuracy)
        {
            sb.Append(Inv($"| {RowLabel(r, results)} |"));
            foreach (var d in groups) sb.Append(Inv($" {Cell(r.EnergyMae, d, 4)} | {Cell(r.ForceMae, d, 4)} |"));
            sb.AppendLine(Inv($" {Ratio(r.EnergyRatio)} | {Ratio(r.ForceRatio)} |"));
        }
        sb.AppendLine();
        sb.AppendLine("Energy MAE per atom (meV/atom):");
        sb.AppendLine();
        sb.Append("| Model |");
        foreach (var d in groups) sb.Append(Inv($" {d} |"));
        sb.AppendLine(" best val. score |");
        sb.Append("|---|");
        foreach (var _ in groups) sb.Append("---|");
        sb.AppendLine("---|");
        foreach (var r in summary.Accuracy)
        {
            sb.Append(Inv($"| {RowLabel(r, results)} |"));
            foreach (var d in groups) sb.Append(Inv($" {(r.EnergyMaePerAtom.TryGetValue(d, out var m) ? m.Format(1, 1000) : "–")} |"));
            sb.AppendLine(Inv($" {r.ValidationScore:F4} |"));
        }
        if (results.BestHLGaussCell is { } best)
        {
            sb.AppendLine();
            sb.AppendLine(Inv($"Best histogram cell on validation (lowest mean best-validation score): **{best}**; temperature sweep on it: {string.Join(", ", results.TemperatureSweep.Select(t => Inv($"T = {t.Key:0.##} → {t.Value}")))}."));
        }
        return sb.ToString();
    }

    private static string RowLabel(AccuracyRow r, ExperimentResults results) =>
        r.Role == CellRole.TemperatureSweep ? $"{r.Label} *(sweep)*" : r.Cell == results.BestHLGaussCell ? $"{r.Label} **(best val.)**" : r.Label;

    private static string Cell(IReadOnlyDictionary<string, MeanStd> values, string group, int digits) =>
        values.TryGetValue(group, out var m) ? m.Format(digits) : "–";

    private static string Ratio(double? r) => r is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";

    /// <summary>The uncertainty table as markdown: per HL-Gauss cell and the ensemble.</summary>
    public static string UncertaintyMarkdown(ExperimentSummary summary, ExperimentResults results)
    {
        var sb = new StringBuilder();
        bool ood = results.Plan.DataSizes.Length > 3 && results.Plan.DataSizes[3] > 0;
        sb.AppendLine("# Uncertainty on the test set");
        sb.AppendLine();
        sb.AppendLine("Correlation of each uncertainty with the energy error |ΔE| (total energy, eV) over the test structures, mean ± std over seeds. "
            + "H: entropy of the predicted histogram; std: std_E of the histogram (HL-Gauss) or the spread of the MAE ensemble's energies. "
            + "AUROC: how well the uncertainty flags the worst 10 % of |ΔE| (0.5 = chance). NLL: mean −ln density of the true y_n (nats). "
            + "Miscal.: mean |observed − nominal| coverage of the central intervals. Cost: trainings per predictor × mean training seconds per training.");
        sb.AppendLine();
        sb.Append("| Predictor | Pearson H | Spearman H | AUROC H | Pearson std | Spearman std | AUROC std | NLL | miscal. | mean H |");
        if (ood) sb.Append(" mean H (OOD) | mean std (eV) | mean std OOD (eV) |");
        sb.AppendLine(" E MAE (eV) | F MAE (eV/Å) | cost |");
        sb.Append("|---|---|---|---|---|---|---|---|---|---|");
        if (ood) sb.Append("---|---|---|");
        sb.AppendLine("---|---|---|");
        foreach (var u in summary.Uncertainty)
        {
            sb.Append(Inv($"| {u.Label} | {F(u.PearsonEntropy)} | {F(u.SpearmanEntropy)} | {F(u.AurocEntropy)} | {F(u.PearsonStd)} | {F(u.SpearmanStd)} | {F(u.AurocStd)} | {F(u.Nll)} | {F(u.MiscalibrationArea)} | {F(u.MeanEntropy)} |"));
            if (ood) sb.Append(Inv($" {F(u.OodMeanEntropy)} | {F(u.MeanStd, 4)} | {F(u.OodMeanStd, 4)} |"));
            double perTraining = u.TrainSeconds / Math.Max(1, u.TrainingsPerPredictor);
            sb.AppendLine(Inv($" {F(u.EnergyMae, 4)} | {F(u.ForceMae, 4)} | {u.TrainingsPerPredictor} × {perTraining:F0} s |"));
        }
        sb.AppendLine();
        sb.AppendLine("Pearson r of the uncertainty (H for HL-Gauss cells, spread for the ensemble) with |ΔE| per domain:");
        sb.AppendLine();
        sb.Append("| Predictor |");
        foreach (var d in summary.Domains) sb.Append(Inv($" {d} |"));
        sb.AppendLine();
        sb.Append("|---|");
        foreach (var _ in summary.Domains) sb.Append("---|");
        sb.AppendLine();
        foreach (var u in summary.Uncertainty)
        {
            sb.Append(Inv($"| {u.Label} |"));
            foreach (var d in summary.Domains) sb.Append(Inv($" {(u.PearsonByDomain.TryGetValue(d, out var m) ? m.Format(3) : "–")} |"));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string F(MeanStd? m, int digits = 3) => m is { } v ? v.Format(digits) : "–";

    /// <summary>The accuracy rows as JSON.</summary>
    public static string AccuracyJson(ExperimentSummary summary, ExperimentResults results) => JsonSerializer.Serialize(new
    {
        domains = summary.Domains,
        seeds = results.Plan.Grid.Seeds,
        epochs = results.Plan.Grid.Epochs,
        best_hl_gauss_cell = results.BestHLGaussCell,
        temperature_sweep = results.TemperatureSweep.Select(t => new { temperature = t.Key, cell = t.Value }),
        rows = summary.Accuracy,
    }, ExperimentGrid.Json);

    /// <summary>The uncertainty rows as JSON.</summary>
    public static string UncertaintyJson(ExperimentSummary summary) => JsonSerializer.Serialize(new
    {
        domains = summary.Domains,
        rows = summary.Uncertainty,
    }, ExperimentGrid.Json);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
