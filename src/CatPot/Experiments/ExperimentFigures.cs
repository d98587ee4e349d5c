using CatPot.Evaluation;
using CatPot.Models;
using CatPot.Reporting;

namespace CatPot.Experiments;

/// <summary>Builds the study's figures as SVG documents, keyed by file name.</summary>
public static class ExperimentFigures
{
    /// <summary>Bins of the RMSE-vs-RMV plot (equal-count bins of the predicted spread).</summary>
    public const int RmvBins = 10;

    /// <summary>All figures: name (e.g. <c>entropy-vs-error.svg</c>) → SVG text, with a caption each.</summary>
    public static IReadOnlyList<(string File, string Caption, string Svg)> Build(ExperimentResults results, ExperimentSummary summary)
    {
        var list = new List<(string, string, string)>();
        var best = results.Cells.FirstOrDefault(c => c.Cell.Name == results.BestHLGaussCell && c.Role == CellRole.Main);
        if (best is not null && best.Runs.Count > 0)
        {
            list.Add(("entropy-vs-error.svg", $"Entropy of the predicted histogram vs |ΔE| on the test set, per domain, cell {best.Cell.Name} seed 0 (Pearson r in the legend; cf. the paper's Fig. 2).", EntropyScatter(best.Cell, best.Runs[0]).ToSvg()));
            if (best.Runs[0].Histograms.Count > 0)
                list.Add(("histograms.svg", $"Predicted histograms (bars) of four test structures beside their HL-Gauss targets (line), cell {best.Cell.Name} seed 0; the dashed line is the true y_n.", Histograms(best.Cell, best.Runs[0]).ToSvg()));
        }
        var calibration = Calibration(results);
        if (calibration.Series.Count > 1) list.Add(("calibration.svg", "Calibration of the central predicted intervals (test set, mean over seeds): observed coverage vs nominal probability; the dashed diagonal is perfect calibration.", calibration.ToSvg()));
        var rmv = RmseVsRmv(results, summary);
        if (rmv.Series.Count > 1) list.Add(("rmse-vs-rmv.svg", $"Binned error vs predicted spread (test set, {RmvBins} equal-count bins of std_E or of the ensemble spread): RMSE of ΔE vs root mean predicted variance; the dashed diagonal is a calibrated spread.", rmv.ToSvg()));
        if (summary.Ensemble is { } ens)
            list.Add(("ensemble-vs-error.svg", $"MAE-ensemble spread (M = {ens.Members}) vs |ΔE| of the ensemble mean on the test set, per domain.", SpreadScatter(ens).ToSvg()));
        list.Add(("learning-curves.svg", "Validation errors of the EMA weights per epoch (mean over seeds).", LearningCurves(results).ToSvg()));
        return list;
    }

    /// <summary>Entropy (x) vs |ΔE| (y), one series per domain with its Pearson r in the legend.</summary>
    public static Chart EntropyScatter(ExperimentCell cell, RunEvaluation run)
    {
        var chart = new Chart { Title = $"Entropy vs energy error — {cell.Name}", XLabel = "entropy of predicted histogram (nats)", YLabel = "|ΔE| (eV)", Legend = LegendPosition.TopLeft };
        foreach (var group in run.Structures.Where(s => s.Entropy is not null).GroupBy(s => s.Domain).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double[] x = [.. group.Select(s => s.Entropy!.Value)], y = [.. group.Select(s => s.AbsError)];
            chart.Series.Add(new ChartSeries { Name = $"{group.Key} (r = {R(x, y)})", Kind = SeriesKind.Scatter, X = x, Y = y });
        }
        return chart;
    }

    /// <summary>Ensemble spread (x) vs |ΔE| of the ensemble mean (y), per domain.</summary>
    public static Chart SpreadScatter(EnsembleEvaluation ensemble)
    {
        var chart = new Chart { Title = $"Ensemble spread vs energy error (M = {ensemble.Members})", XLabel = "spread of member energies (eV)", YLabel = "|ΔE| of ensemble mean (eV)" };
        foreach (var group in ensemble.Structures.GroupBy(s => s.Domain).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double[] x = [.. group.Select(s => s.StdE ?? double.NaN)], y = [.. group.Select(s => s.AbsError)];
            chart.Series.Add(new ChartSeries { Name = $"{group.Key} (r = {R(x, y)})", Kind = SeriesKind.Scatter, X = x, Y = y });
        }
        return chart;
    }

    private static string R(double[] x, double[] y)
    {
        double r = RankStatistics.Pearson(x, y);
        return double.IsFinite(r) ? r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
    }

    /// <summary>Observed vs nominal central-interval coverage per HL-Gauss cell (mean over seeds), with the diagonal.</summary>
    public static Chart Calibration(ExperimentResults results)
    {
        var chart = new Chart { Title = "Calibration of predicted intervals", XLabel = "nominal probability of the central interval", YLabel = "observed fraction inside", XRange = (0, 1), YRange = (0, 1), Legend = LegendPosition.TopLeft };
        chart.Series.Add(new ChartSeries { Name = "ideal", X = [0, 1], Y = [0, 1], Dashed = true, Color = "#777" });
        foreach (var c in results.Cells.Where(c => !c.Cell.IsBaseline))
        {
            var curves = c.Runs.Select(r => r.Test.Overall.Uncertainty).Where(u => u?.CalibrationObserved is not null).Select(u => u!).ToList();
            if (curves.Count == 0) continue;
            var levels = curves[0].CalibrationLevels!;
            var mean = new double[levels.Length];
            for (int j = 0; j < levels.Length; j++) mean[j] = curves.Average(u => u.CalibrationObserved![j]);
            chart.Series.Add(new ChartSeries { Name = c.Cell.Name, X = [0, .. levels, 1], Y = [0, .. mean, 1] });
        }
        return chart;
    }

    /// <summary>
    /// Error vs predicted spread in equal-count bins: for each bin, RMV = sqrt(mean σ²) and RMSE = sqrt(mean ΔE²).
    /// Returns the bin points (x = RMV, y = RMSE), ordered by spread.
    /// </summary>
    public static (double[] Rmv, double[] Rmse) BinnedRmseVsRmv(IReadOnlyList<double> spread, IReadOnlyList<double> error, int bins)
    {
        int n = spread.Count;
        if (n != error.Count) throw new ArgumentException($"{n} spreads but {error.Count} errors.", nameof(error));
        var order = Enumerable.Range(0, n).OrderBy(i => spread[i]).ToArray();
        bins = Math.Clamp(bins, 1, Math.Max(1, n));
        var rmv = new List<double>();
        var rmse = new List<double>();
        for (int b = 0; b < bins; b++)
        {
            int lo = (int)((long)b * n / bins), hi = (int)((long)(b + 1) * n / bins);
            if (hi <= lo) continue;
            double v = 0, e = 0;
            for (int k = lo; k < hi; k++)
            {
                v += spread[order[k]] * spread[order[k]];
                e += error[order[k]] * error[order[k]];
            }
            rmv.Add(Math.Sqrt(v / (hi - lo)));
            rmse.Add(Math.Sqrt(e / (hi - lo)));
        }
        return ([.. rmv], [.. rmse]);
    }

    private static Chart RmseVsRmv(ExperimentResults results, ExperimentSummary summary)
    {
        var chart = new Chart { Title = "Binned error vs predicted spread", XLabel = "RMV: root mean predicted variance (eV)", YLabel = "RMSE of ΔE (eV)", Legend = LegendPosition.TopLeft };
        var series = new List<ChartSeries>();
        double max = 0;
        void Add(string name, IReadOnlyList<StructureOutcome> s)
        {
            var rows = s.Where(o => o.StdE is not null).ToList();
            if (rows.Count < 2) return;
            var (x, y) = BinnedRmseVsRmv([.. rows.Select(o => o.StdE!.Value)], [.. rows.Select(o => o.PredictedEnergy - o.TrueEnergy)], RmvBins);
            max = Math.Max(max, Math.Max(x.Max(), y.Max()));
            series.Add(new ChartSeries { Name = name, X = x, Y = y });
        }
        foreach (var c in results.Cells.Where(c => !c.Cell.IsBaseline && c.Role == CellRole.Main && c.Runs.Count > 0))
            Add($"{c.Cell.Name} std_E", c.Runs[0].Structures);
        if (summary.Ensemble is { } e) Add($"ensemble (M = {e.Members}) spread", e.Structures);
        chart.Series.Add(new ChartSeries { Name = "RMSE = RMV", X = [0, max], Y = [0, max], Dashed = true, Color = "#777" });
        foreach (var s in series) chart.Series.Add(s);
        return chart;
    }

    private static FigureGrid LearningCurves(ExperimentResults results)
    {
        var energy = new Chart { Title = "Validation energy MAE", XLabel = "epoch", YLabel = "energy MAE (meV/atom)", Legend = LegendPosition.TopRight, IntegerX = true };
        var force = new Chart { Title = "Validation force MAE", XLabel = "epoch", YLabel = "force MAE (eV/Å)", Legend = LegendPosition.TopRight, IntegerX = true };
        foreach (var c in results.Cells)
        {
            int epochs = c.Runs.Min(r => r.History.Count);
            if (epochs == 0) continue;
            double[] x = [.. Enumerable.Range(1, epochs).Select(e => (double)e)];
            double[] e = [.. Enumerable.Range(0, epochs).Select(k => c.Runs.Average(r => r.History[k].ValidationEnergyMaePerAtom) * 1000)];
            double[] f = [.. Enumerable.Range(0, epochs).Select(k => c.Runs.Average(r => r.History[k].ValidationForceMae))];
            energy.Series.Add(new ChartSeries { Name = c.Cell.Name, X = x, Y = e });
            force.Series.Add(new ChartSeries { Name = c.Cell.Name, X = x, Y = f });
        }
        var grid = new FigureGrid { Columns = 2 };
        grid.Charts.Add(energy);
        grid.Charts.Add(force);
        return grid;
    }

    /// <summary>Predicted histograms beside their training targets, zoomed to the bins that hold the mass.</summary>
    public static FigureGrid Histograms(ExperimentCell cell, RunEvaluation run)
    {
        var grid = new FigureGrid { Columns = 2 };
        foreach (var h in run.Histograms)
        {
            int k = h.Probabilities.Length;
            var target = h.Target;
            // Zoom: the bins holding 99.8 % of either distribution's mass, padded by 3 bins and keeping the true value.
            var (a1, b1) = MassWindow(h.Probabilities);
            var (a2, b2) = MassWindow(target);
            int at = Array.BinarySearch(h.Edges, h.TrueValue);
            int tb = Math.Clamp(at >= 0 ? at : ~at - 1, 0, k - 1);
            int first = Math.Max(0, Math.Min(Math.Min(a1, a2), tb) - 3), last = Math.Min(k - 1, Math.Max(Math.Max(b1, b2), tb) + 3);
            var edges = h.Edges[first..(last + 2)];
            var chart = new Chart
            {
                Title = FormattableString.Invariant($"{h.Domain}: {h.Reason} (|ΔE| = {h.AbsError:0.###} eV)"),
                XLabel = "normalised energy per atom y_n",
                YLabel = "probability",
                Width = 480,
                Height = 320,
                Legend = LegendPosition.TopRight,
            };
            chart.Series.Add(new ChartSeries { Name = "predicted", Kind = SeriesKind.Bars, X = edges, Y = h.Probabilities[first..(last + 1)] });
            chart.Series.Add(new ChartSeries { Name = "target", Kind = SeriesKind.Step, X = edges, Y = target[first..(last + 1)] });
            chart.Series.Add(new ChartSeries { Name = "true y_n", Kind = SeriesKind.VerticalRule, X = [h.TrueValue], Y = [], Color = "#000" });
            grid.Charts.Add(chart);
        }
        return grid;
    }

    private static (int First, int Last) MassWindow(double[] p)
    {
        double total = p.Sum(), cut = total * 0.001, acc = 0;
        int first = 0, last = p.Length - 1;
        for (int i = 0; i < p.Length; i++) { acc += p[i]; if (acc > cut) { first = i; break; } }
        acc = 0;
        for (int i = p.Length - 1; i >= 0; i--) { acc += p[i]; if (acc > cut) { last = i; break; } }
        return (first, Math.Max(first, last));
    }
}
