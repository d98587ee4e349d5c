using System.Globalization;
using CatPot.Evaluation;
using Spectre.Console;

namespace CatPot.Cli;

/// <summary>Renders an <see cref="EvaluationReport"/> as per-domain tables (accuracy, then uncertainty for HL-Gauss).</summary>
public static class EvaluationTable
{
    /// <summary>Writes the tables to <paramref name="console"/>.</summary>
    public static void Render(EvaluationReport report, IAnsiConsole console, string title)
    {
        var rows = new List<GroupMetrics> { report.Overall };
        rows.AddRange(report.Domains);
        var accuracy = new Table { Title = new TableTitle(Markup.Escape(title)), Border = TableBorder.Rounded };
        foreach (var c in new[] { "domain", "n", "E MAE (eV)", "E MAE (meV/atom)", "E RMSE (eV)", "F MAE (eV/Å)", "F RMSE (eV/Å)", "F cos" })
            accuracy.AddColumn(new TableColumn(c).RightAligned());
        foreach (var g in rows)
            accuracy.AddRow(Markup.Escape(g.Group), g.Structures.ToString(CultureInfo.InvariantCulture), F(g.EnergyMae, 4), F(g.EnergyMaePerAtom * 1000, 1), F(g.EnergyRmse, 4), F(g.ForceMae, 4), F(g.ForceRmse, 4), F(g.ForceCosine, 3));
        console.Write(accuracy);
        if (!rows.Any(r => r.Uncertainty is not null)) return;
        var uq = new Table { Title = new TableTitle("Uncertainty (|ΔE| vs entropy H and std_E)"), Border = TableBorder.Rounded };
        foreach (var c in new[] { "domain", "Pearson H", "Spearman H", "Pearson std_E", "Spearman std_E", "AUROC H", "AUROC std_E", "mean H", "NLL", "miscal." })
            uq.AddColumn(new TableColumn(c).RightAligned());
        foreach (var g in rows)
        {
            var u = g.Uncertainty;
            if (u is null) continue;
            uq.AddRow(Markup.Escape(g.Group), F(u.PearsonEntropy, 3), F(u.SpearmanEntropy, 3), F(u.PearsonStdE, 3), F(u.SpearmanStdE, 3), F(u.AurocEntropy, 3), F(u.AurocStdE, 3), F(u.MeanEntropy, 3), F(u.MeanNll, 3), F(u.MiscalibrationArea, 3));
        }
        console.Write(uq);
    }

    private static string F(double? x, int digits) => x is { } v && double.IsFinite(v) ? v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "–";
}
