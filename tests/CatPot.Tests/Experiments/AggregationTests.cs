using CatPot.Tests.Models;
using CatPot.Models.Heads;
using CatPot.Evaluation;
using CatPot.Experiments;
using CatPot.Models;
using CatPot.Training;
using Xunit;

namespace CatPot.Tests.Experiments;

public sealed class AggregationTests
{
    [Fact]
    public void MeanStd_uses_the_sample_standard_deviation()
    {
        var m = MeanStd.Of([1.0, 2.0, 6.0]);
        Assert.Equal(3.0, m.Mean, 12);
        // deviations −2, −1, 3: Σ² = 14, / (n − 1) = 7
        Assert.Equal(Math.Sqrt(7.0), m.Std!.Value, 12);
        Assert.Null(MeanStd.Of([4.0]).Std);
        Assert.Equal("4.00", MeanStd.Of([4.0]).Format(2));
        Assert.Equal("3.0 ± 2.6", m.Format(1));
        Assert.Null(MeanStd.OfPresent([null, double.NaN]));
    }

    internal static RunEvaluation Run(string cell, int seed, double[] trueE, double[] predE, double forceError, double[]? std = null)
    {
        var preds = new List<StructurePrediction>();
        var outcomes = new List<StructureOutcome>();
        for (int i = 0; i < trueE.Length; i++)
        {
            string domain = i % 2 == 0 ? "a" : "b";
            preds.Add(new StructurePrediction
            {
                Domain = domain, AtomCount = 2, TrueEnergy = trueE[i], PredictedEnergy = predE[i],
                TrueForces = new double[6], PredictedForces = Enumerable.Repeat(forceError, 6).ToArray(), StdE = std?[i],
            });
            outcomes.Add(new StructureOutcome { Domain = domain, Atoms = 2, TrueEnergy = trueE[i], PredictedEnergy = predE[i], StdE = std?[i] });
        }
        return new RunEvaluation
        {
            Cell = cell, Seed = seed, Epochs = 1, TrainSeconds = 10, BestValidationScore = 1,
            History = [new EpochRecord { Epoch = 1, ValidationEnergyMaePerAtom = 0.1, ValidationForceMae = 0.2 }],
            Test = EvaluationReport.Compute(preds), Structures = outcomes,
        };
    }

    [Fact]
    public void Accuracy_rows_average_seeds_and_divide_by_the_baseline()
    {
        double[] t = [0, 0, 0, 0];
        var baseline = new ExperimentCell { Name = "mae", Head = new MaeHeadConfig() };
        var hl = new ExperimentCell { Name = "hl" };
        var results = new ExperimentResults
        {
            Plan = new ExperimentPlan { Grid = ExperimentGrid.Quick(), PlannedRuns = 4, DataSizes = [1, 1, 4, 0] },
            Cells =
            [
                new CellRuns(baseline, CellRole.Main, [Run("mae", 0, t, [1, 1, 1, 1], 0.5), Run("mae", 1, t, [3, 3, 3, 3], 0.5)]),
                new CellRuns(hl, CellRole.Main, [Run("hl", 0, t, [2, 2, 2, 2], 1.0), Run("hl", 1, t, [6, 6, 6, 6], 1.0)]),
            ],
            BestHLGaussCell = "hl",
        };
        var summary = ExperimentSummary.Compute(results);
        Assert.Equal(["a", "b"], summary.Domains);
        var b = summary.Accuracy.Single(r => r.Cell == "mae");
        var h = summary.Accuracy.Single(r => r.Cell == "hl");
        Assert.Equal(2.0, b.EnergyMae["overall"].Mean, 12);
        Assert.Equal(Math.Sqrt(2.0), b.EnergyMae["overall"].Std!.Value, 12);
        Assert.Equal(4.0, h.EnergyMae["a"].Mean, 12);
        Assert.Equal(2.0, h.EnergyMaePerAtom["overall"].Mean, 12);   // 4 eV over 2 atoms
        Assert.Equal(2.0, h.EnergyRatio!.Value, 12);
        Assert.Equal(2.0, h.ForceRatio!.Value, 12);
        Assert.Equal(1.0, b.EnergyRatio!.Value, 12);
        Assert.Equal(0.0, h.ForceMae["overall"].Std!.Value, 12);

        string md = ExperimentTables.AccuracyMarkdown(summary, results);
        Assert.Contains("| 4.0000 ± 2.8284 |", md, StringComparison.Ordinal);
        Assert.Contains("| 2.00 | 2.00 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Ensemble_mean_and_spread_are_taken_across_members()
    {
        double[] t = [0, 0, 0, 0];
        var members = new[]
        {
            Run("mae", 0, t, [1, 0, 2, 4], 0),
            Run("mae", 1, t, [3, 0, 2, 8], 0),
        };
        var e = EnsembleEvaluation.Combine(members);
        Assert.Equal(2, e.Members);
        Assert.Equal([2.0, 0.0, 2.0, 6.0], e.Structures.Select(s => s.PredictedEnergy));
        Assert.Equal([1.0, 0.0, 0.0, 2.0], e.Structures.Select(s => s.StdE!.Value));
        Assert.Equal(2.5, e.Test.Overall.EnergyMae, 12);
        Assert.Equal(20, e.TrainSeconds);
        Assert.NotNull(e.Test.Overall.Uncertainty?.PearsonStdE);
        Assert.Throws<ArgumentException>(() => EnsembleEvaluation.Combine([members[0]]));
    }

    [Fact]
    public void Binned_rmse_vs_rmv_uses_equal_count_bins_sorted_by_spread()
    {
        double[] spread = [4, 1, 3, 2];
        double[] error = [4, -1, 3, 2];
        var (rmv, rmse) = ExperimentFigures.BinnedRmseVsRmv(spread, error, 2);
        Assert.Equal(2, rmv.Length);
        Assert.Equal(Math.Sqrt((1 + 4) / 2.0), rmv[0], 12);
        Assert.Equal(Math.Sqrt((9 + 16) / 2.0), rmse[1], 12);
    }
}
