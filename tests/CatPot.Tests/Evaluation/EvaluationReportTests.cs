using System.Text.Json;
using CatPot.Evaluation;
using CatPot.Tests.Models;
using Xunit;

namespace CatPot.Tests.Evaluation;

public class EvaluationReportTests
{
    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static List<StructurePrediction> Load(JsonElement root) =>
        root.GetProperty("structures").EnumerateArray().Select(s => new StructurePrediction
        {
            Domain = s.GetProperty("domain").GetString()!,
            AtomCount = s.GetProperty("atom_count").GetInt32(),
            TrueEnergy = s.GetProperty("true_energy").GetDouble(),
            PredictedEnergy = s.GetProperty("predicted_energy").GetDouble(),
            TrueForces = Doubles(s.GetProperty("true_forces")),
            PredictedForces = Doubles(s.GetProperty("predicted_forces")),
            Entropy = s.GetProperty("entropy").GetDouble(),
            StdE = s.GetProperty("std_e").GetDouble(),
            Histogram = new PredictedHistogram(Doubles(s.GetProperty("probabilities")), Doubles(s.GetProperty("edges")),
                s.GetProperty("true_value").GetDouble(), s.GetProperty("energy_per_unit").GetDouble()),
        }).ToList();

    private static void Close(JsonElement expected, string key, double? actual, string group)
    {
        var e = expected.GetProperty(key);
        if (e.ValueKind == JsonValueKind.Null) { Assert.Null(actual); return; }
        Assert.True(actual.HasValue, $"{group}.{key} is null; expected {e.GetDouble()}");
        Assert.True(Math.Abs(e.GetDouble() - actual!.Value) <= 1e-10 * Math.Max(1, Math.Abs(e.GetDouble())),
            $"{group}.{key}: expected {e.GetDouble():R}, got {actual:R}");
    }

    private static void Check(JsonElement e, GroupMetrics g)
    {
        Assert.Equal(e.GetProperty("n").GetInt32(), g.Structures);
        Assert.Equal(e.GetProperty("atoms").GetInt64(), g.Atoms);
        Close(e, "energy_mae", g.EnergyMae, g.Group);
        Close(e, "energy_rmse", g.EnergyRmse, g.Group);
        Close(e, "energy_mae_per_atom", g.EnergyMaePerAtom, g.Group);
        Close(e, "energy_rmse_per_atom", g.EnergyRmsePerAtom, g.Group);
        Close(e, "force_mae", g.ForceMae, g.Group);
        Close(e, "force_rmse", g.ForceRmse, g.Group);
        Close(e, "force_cosine", g.ForceCosine, g.Group);
        var u = g.Uncertainty!;
        Close(e, "pearson_entropy", u.PearsonEntropy, g.Group);
        Close(e, "spearman_entropy", u.SpearmanEntropy, g.Group);
        Close(e, "pearson_std_e", u.PearsonStdE, g.Group);
        Close(e, "spearman_std_e", u.SpearmanStdE, g.Group);
        Close(e, "auroc_entropy", u.AurocEntropy, g.Group);
        Close(e, "auroc_std_e", u.AurocStdE, g.Group);
        Close(e, "mean_nll", u.MeanNll, g.Group);
        Close(e, "mean_nll_energy", u.MeanNllEnergy, g.Group);
        Close(e, "miscalibration_area", u.MiscalibrationArea, g.Group);
        Assert.Equal(Doubles(e.GetProperty("calibration_observed")), u.CalibrationObserved!);
    }

    [Fact]
    public void Every_metric_matches_an_independent_numpy_computation()
    {
        var root = PeerFixtures.Json("metrics_cases.json");
        var report = EvaluationReport.Compute(Load(root));
        var expected = root.GetProperty("expected");
        Check(expected.GetProperty("overall"), report.Overall);
        Assert.Equal(3, report.Domains.Count);
        foreach (var g in report.Domains) Check(expected.GetProperty(g.Group), g);
    }

    [Fact]
    public void Json_round_trip_and_markdown_carry_the_numbers()
    {
        var report = EvaluationReport.Compute(Load(PeerFixtures.Json("metrics_cases.json")));
        string json = report.ToJson();
        Assert.Contains("\"energy_mae\"", json, StringComparison.Ordinal);
        Assert.Contains("\"miscalibration_area\"", json, StringComparison.Ordinal);
        var back = EvaluationReport.FromJson(json);
        Assert.Equal(report.Overall.EnergyMae, back.Overall.EnergyMae);
        Assert.Equal(report.Domains[2].Uncertainty!.AurocStdE, back.Domains[2].Uncertainty!.AurocStdE);
        string md = report.ToMarkdown();
        Assert.Contains("| overall | 57 |", md, StringComparison.Ordinal);
        Assert.Contains(report.Overall.EnergyMae.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), md, StringComparison.Ordinal);
        Assert.Contains("| gamma |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_keys_use_the_output_vocabulary_and_old_reports_still_read()
    {
        var report = EvaluationReport.Compute(Load(PeerFixtures.Json("metrics_cases.json")));
        string json = report.ToJson();
        foreach (var key in UncertaintyMetrics.LegacyKeys.Values) Assert.Contains($"\"{key}\"", json, StringComparison.Ordinal);
        foreach (var key in UncertaintyMetrics.LegacyKeys.Keys) Assert.DoesNotContain($"\"{key}\"", json, StringComparison.Ordinal);
        // a report as written before the rename: the old keys map onto the same properties
        string old = json;
        foreach (var (legacy, current) in UncertaintyMetrics.LegacyKeys) old = old.Replace($"\"{current}\"", $"\"{legacy}\"", StringComparison.Ordinal);
        var back = EvaluationReport.FromJson(old);
        Assert.Equal(report.Overall.Uncertainty!.SpearmanEntropy, back.Overall.Uncertainty!.SpearmanEntropy);
        Assert.Equal(report.Domains[1].Uncertainty!.AurocStdE, back.Domains[1].Uncertainty!.AurocStdE);
        Assert.Equal(report.Overall.Uncertainty!.MeanStdE, back.Overall.Uncertainty!.MeanStdE);
    }

    [Fact]
    public void Hand_checkable_case()
    {
        // two structures: errors +1 eV (2 atoms) and −3 eV (1 atom); one atom's true force is zero
        var items = new List<StructurePrediction>
        {
            new() { AtomCount = 2, TrueEnergy = -10, PredictedEnergy = -9, TrueForces = [1, 0, 0, 0, 0, 0], PredictedForces = [2, 0, 0, 0, 1, 0] },
            new() { AtomCount = 1, TrueEnergy = -5, PredictedEnergy = -8, TrueForces = [0, 3, 0], PredictedForces = [0, 0, 3] },
        };
        var g = EvaluationReport.Compute(items).Overall;
        Assert.Equal(2.0, g.EnergyMae);
        Assert.Equal(Math.Sqrt(5), g.EnergyRmse, 14);
        Assert.Equal((0.5 + 3) / 2, g.EnergyMaePerAtom);
        Assert.Equal((1 + 1 + 3 + 3) / 9.0, g.ForceMae!.Value, 14);
        Assert.Equal(Math.Sqrt((1 + 1 + 9 + 9) / 9.0), g.ForceRmse!.Value, 14);
        Assert.Equal(0.5, g.ForceCosine!.Value, 14); // cos = 1 (atom 0) and 0 (atom 2); atom 1 skipped
        Assert.Null(g.Uncertainty);
    }

    [Fact]
    public void Histogram_cdf_and_nll_of_a_uniform_histogram()
    {
        var h = new PredictedHistogram([0.25, 0.25, 0.25, 0.25], [0, 1, 2, 3, 4], 1.5, energyPerUnit: 2);
        Assert.Equal(0.375, h.Cdf(1.5), 15);
        Assert.Equal(0.0, h.Cdf(-1));
        Assert.Equal(1.0, h.Cdf(9));
        Assert.Equal(-Math.Log(0.25), h.NegativeLogDensity(), 14);
        var outside = new PredictedHistogram([0.5, 0.5], [0, 1, 2], 5.0);
        Assert.Equal(-Math.Log(1e-12), outside.NegativeLogDensity(), 10);
        Assert.Equal(Math.Log(4), h.Entropy(), 14);
    }
}
