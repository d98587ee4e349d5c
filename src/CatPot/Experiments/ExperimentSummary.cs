using CatPot.Evaluation;

namespace CatPot.Experiments;

/// <summary>The aggregated numbers of a grid: accuracy rows (Table 1), uncertainty rows and the ensemble.</summary>
public sealed record ExperimentSummary
{
    /// <summary>Name of the overall group in the per-group dictionaries.</summary>
    public const string Overall = "overall";

    /// <summary>Domains in the order of the columns.</summary>
    public required IReadOnlyList<string> Domains { get; init; }

    /// <summary>One row per cell: main cells in grid order, then the temperature sweep.</summary>
    public required IReadOnlyList<AccuracyRow> Accuracy { get; init; }

    /// <summary>One row per HL-Gauss cell, then the ensemble.</summary>
    public required IReadOnlyList<UncertaintyRow> Uncertainty { get; init; }

    /// <summary>The ensemble, when the grid has one.</summary>
    public EnsembleEvaluation? Ensemble { get; init; }

    /// <summary>Aggregates <paramref name="results"/>.</summary>
    public static ExperimentSummary Compute(ExperimentResults results)
    {
        var domains = results.Cells.SelectMany(c => c.Runs).SelectMany(r => r.Test.Domains).Select(d => d.Group)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var baseline = results.Baseline;
        var rows = results.Cells.Select(c => AccuracyOf(c.Cell.Name, c.Cell.Label, c.Role, c.Runs, domains)).ToList();
        if (baseline is not null)
        {
            var b = rows.First(r => r.Cell == baseline.Cell.Name && r.Role == CellRole.Main);
            rows = [.. rows.Select(r => r with
            {
                EnergyRatio = Ratio(r.EnergyMae[Overall], b.EnergyMae[Overall]),
                ForceRatio = Ratio(r.ForceMae.GetValueOrDefault(Overall), b.ForceMae.GetValueOrDefault(Overall)),
            })];
        }

        var uncertainty = results.Cells.Where(c => !c.Cell.IsBaseline).Select(c => UncertaintyOf(c, domains)).ToList();
        EnsembleEvaluation? ensemble = null;
        if (results.EnsembleMembers.Count >= 2)
        {
            ensemble = EnsembleEvaluation.Combine(results.EnsembleMembers);
            var u = ensemble.Test.Overall.Uncertainty;
            uncertainty.Add(new UncertaintyRow
            {
                Cell = "ensemble",
                Label = $"MAE ensemble (M = {ensemble.Members}), spread of energies",
                Seeds = 1,
                PearsonStd = Single(u?.PearsonStdE),
                SpearmanStd = Single(u?.SpearmanStdE),
                AurocStd = Single(u?.AurocStdE),
                MeanStd = Single(u?.MeanStdE),
                OodMeanStd = Single(ensemble.OodMeanSpread),
                PearsonByDomain = ensemble.Test.Domains.Where(d => d.Uncertainty?.PearsonStdE is not null)
                    .ToDictionary(d => d.Group, d => MeanStd.Of([d.Uncertainty!.PearsonStdE!.Value]), StringComparer.Ordinal),
                EnergyMae = MeanStd.Of([ensemble.Test.Overall.EnergyMae]),
                ForceMae = Single(results.EnsembleForceMae),
                TrainSeconds = ensemble.TrainSeconds,
                TrainingsPerPredictor = ensemble.Members,
            });
        }
        return new ExperimentSummary { Domains = domains, Accuracy = rows, Uncertainty = uncertainty, Ensemble = ensemble };
    }

    /// <summary>mean(cell) / mean(baseline), null when either is missing or the baseline is 0.</summary>
    public static double? Ratio(MeanStd cell, MeanStd baseline) =>
        cell.HasValue && baseline.HasValue && baseline.Mean != 0 ? cell.Mean / baseline.Mean : null;

    /// <summary>The accuracy row of one cell's runs.</summary>
    public static AccuracyRow AccuracyOf(string cell, string label, CellRole role, IReadOnlyList<RunEvaluation> runs, IReadOnlyList<string> domains)
    {
        var energy = new Dictionary<string, MeanStd>(StringComparer.Ordinal);
        var perAtom = new Dictionary<string, MeanStd>(StringComparer.Ordinal);
        var force = new Dictionary<string, MeanStd>(StringComparer.Ordinal);
        foreach (string group in domains.Append(Overall))
        {
            var metrics = runs.Select(r => Group(r.Test, group)).Where(g => g is not null).Select(g => g!).ToList();
            if (metrics.Count == 0) continue;
            energy[group] = MeanStd.Of([.. metrics.Select(g => g.EnergyMae)]);
            perAtom[group] = MeanStd.Of([.. metrics.Select(g => g.EnergyMaePerAtom)]);
            if (metrics.All(g => g.ForceMae is not null)) force[group] = MeanStd.Of([.. metrics.Select(g => g.ForceMae!.Value)]);
        }
        return new AccuracyRow
        {
            Cell = cell,
            Label = label,
            Role = role,
            Seeds = runs.Count,
            EnergyMae = energy,
            EnergyMaePerAtom = perAtom,
            ForceMae = force,
            ValidationScore = runs.Count == 0 ? double.NaN : runs.Average(r => r.BestValidationScore),
        };
    }

    private static GroupMetrics? Group(EvaluationReport report, string group) =>
        group == Overall ? report.Overall : report.Domains.FirstOrDefault(d => d.Group == group);

    private static UncertaintyRow UncertaintyOf(CellRuns cell, IReadOnlyList<string> domains)
    {
        var u = cell.Runs.Select(r => r.Test.Overall.Uncertainty).ToList();
        var byDomain = new Dictionary<string, MeanStd>(StringComparer.Ordinal);
        foreach (string d in domains)
        {
            var m = MeanStd.OfPresent(cell.Runs.Select(r => Group(r.Test, d)?.Uncertainty?.PearsonEntropy));
            if (m is { } v) byDomain[d] = v;
        }
        return new UncertaintyRow
        {
            Cell = cell.Cell.Name,
            Label = cell.Cell.Label,
            Seeds = cell.Runs.Count,
            PearsonEntropy = MeanStd.OfPresent(u.Select(x => x?.PearsonEntropy)),
            SpearmanEntropy = MeanStd.OfPresent(u.Select(x => x?.SpearmanEntropy)),
            PearsonStd = MeanStd.OfPresent(u.Select(x => x?.PearsonStdE)),
            SpearmanStd = MeanStd.OfPresent(u.Select(x => x?.SpearmanStdE)),
            AurocEntropy = MeanStd.OfPresent(u.Select(x => x?.AurocEntropy)),
            AurocStd = MeanStd.OfPresent(u.Select(x => x?.AurocStdE)),
            Nll = MeanStd.OfPresent(u.Select(x => x?.MeanNll)),
            MiscalibrationArea = MeanStd.OfPresent(u.Select(x => x?.MiscalibrationArea)),
            MeanEntropy = MeanStd.OfPresent(u.Select(x => x?.MeanEntropy)),
            OodMeanEntropy = MeanStd.OfPresent(cell.Runs.Select(r => r.OodMeanEntropy)),
            MeanStd = MeanStd.OfPresent(u.Select(x => x?.MeanStdE)),
            OodMeanStd = MeanStd.OfPresent(cell.Runs.Select(r => r.OodMeanStdE)),
            PearsonByDomain = byDomain,
            EnergyMae = MeanStd.Of([.. cell.Runs.Select(r => r.Test.Overall.EnergyMae)]),
            ForceMae = MeanStd.OfPresent(cell.Runs.Select(r => r.Test.Overall.ForceMae)),
            TrainSeconds = cell.Runs.Count == 0 ? 0 : cell.Runs.Average(r => r.TrainSeconds),
        };
    }

    private static MeanStd? Single(double? value) => value is { } v && double.IsFinite(v) ? MeanStd.Of([v]) : null;
}
