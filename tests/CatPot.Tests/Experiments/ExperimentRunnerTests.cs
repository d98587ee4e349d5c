using CatPot.Tests.Models;
using CatPot.Models.Heads;
using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Experiments;
using CatPot.Models;
using CatPot.Tests.Training;
using CatPot.Training;
using Xunit;

namespace CatPot.Tests.Experiments;

public sealed class ExperimentRunnerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "catpot-experiment-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static ExperimentData Data()
    {
        var train = TrainerTests.Sample(SampleData.OpenTrain, 40);
        var val = TrainerTests.Sample(SampleData.OpenValidation, 10);
        var test = TrainerTests.Sample(SampleData.OpenTest, 16);
        return new ExperimentData(train, val, test, ood: test.Take(4).ToList());
    }

    private static ExperimentGrid TinyGrid() => new()
    {
        Features = 8,
        Layers = 1,
        Rbf = 4,
        Epochs = 2,
        MaxAtoms = 200,
        LearningRate = 5e-3,
        EmaDecay = 0.5,
        Seeds = 1,
        Ensemble = 2,
        Temperatures = [1.0, 2.0],
        Cells = [new ExperimentCell { Name = "mae", Head = new MaeHeadConfig() }, new ExperimentCell { Name = "hl", Head = new HLGaussHeadConfig { Bins = 16 } }],
    };

    [Fact]
    public void A_second_run_trains_nothing_and_an_interrupted_run_is_resumed()
    {
        var data = Data();
        var grid = TinyGrid();
        var runner = new ExperimentRunner(_dir, data);
        var plan = runner.Plan(grid);
        Assert.Equal(4, plan.PlannedRuns); // mae, hl, hl at T = 1, one extra ensemble member

        // Simulate an interruption: the first run stopped after one of its two epochs.
        new Trainer(grid.Options(grid.Cells[0], 0), data.Train, data.Validation, runner.RunDirectory("mae", 0)).Run(maxEpochsThisCall: 1);

        var first = runner.Run(plan);
        Assert.Equal(4, first.RunsTrainedNow);
        Assert.Equal((4 * 2) - 1, first.EpochsTrainedNow);
        Assert.Equal(2, first.Cells[0].Runs[0].History.Count);
        Assert.Equal("hl", first.BestHLGaussCell);
        Assert.Equal(["hl", "hl-T1"], first.TemperatureSweep.Select(t => t.Value).Order(StringComparer.Ordinal));
        Assert.Equal(2, first.EnsembleMembers.Count);
        Assert.Equal([0, 1], first.EnsembleMembers.Select(m => m.Seed));
        // |mean − truth| ≤ mean |member − truth| per component, so the ensemble's force MAE cannot exceed the members' mean.
        double membersMean = first.EnsembleMembers.Average(m => m.Test.Overall.ForceMae!.Value);
        Assert.InRange(first.EnsembleForceMae!.Value, 1e-6, membersMean + 1e-9);
        Assert.NotNull(first.Cells[1].Runs[0].OodMeanEntropy);
        Assert.NotEmpty(first.Cells[1].Runs[0].Histograms);

        var again = new ExperimentRunner(_dir, data);
        var second = again.Run(again.Plan(grid));
        Assert.Equal(0, second.RunsTrainedNow);
        Assert.Equal(0, second.EpochsTrainedNow);
        Assert.Equal(first.Cells.Select(c => c.Runs[0].Test.Overall.EnergyMae), second.Cells.Select(c => c.Runs[0].Test.Overall.EnergyMae));
        Assert.Equal(first.EnsembleForceMae, second.EnsembleForceMae);

        var written = ExperimentReport.Write(second, _dir);
        Assert.Contains(written, p => p.EndsWith("report.html", StringComparison.Ordinal));
        string uq = File.ReadAllText(Path.Combine(_dir, "uncertainty.md"));
        Assert.Contains("MAE ensemble (M = 2)", uq, StringComparison.Ordinal);
        Assert.Contains("F MAE (eV/Å)", uq, StringComparison.Ordinal);
        Assert.Contains("mean H (OOD)", uq, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_whose_training_saves_no_model_is_a_clear_error_naming_its_folder()
    {
        // An absurd learning rate: the weights leave float range in the first steps, so no epoch has a finite validation score.
        var grid = TinyGrid() with { LearningRate = 1e30, Temperatures = [], Ensemble = 0, Cells = [new ExperimentCell { Name = "mae", Head = new MaeHeadConfig() }] };
        var runner = new ExperimentRunner(_dir, Data());
        var e = Assert.Throws<NoTrainedModelException>(() => runner.Run(runner.Plan(grid)));
        Assert.Equal(runner.RunDirectory("mae", 0), e.Directory);
        Assert.Contains("no model was saved", e.Message);
    }

    [Fact]
    public void A_folder_with_another_grid_is_refused()
    {
        var data = Data();
        var runner = new ExperimentRunner(_dir, data);
        runner.Plan(TinyGrid() with { Epochs = 1, Temperatures = [], Ensemble = 0, Cells = [new ExperimentCell { Name = "mae", Head = new MaeHeadConfig() }] });
        var e = Assert.Throws<ExperimentGridException>(() => runner.Plan(TinyGrid()));
        Assert.Contains("different grid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_budget_plans_epochs_from_a_measured_epoch_and_keeps_the_plan()
    {
        var data = Data();
        var grid = TinyGrid() with { Temperatures = [], Ensemble = 0, BudgetMinutes = 0.5 };
        var runner = new ExperimentRunner(_dir, data);
        var plan = runner.Plan(grid);
        Assert.True(plan.EpochSeconds > 0);
        Assert.True(plan.Grid.Epochs >= 1);
        // The plan fits the budget, unless even one epoch does not fit (a starved machine): then it plans the one epoch.
        Assert.True(plan.EstimatedMinutes <= 0.5 || plan.Grid.Epochs == 1,
            $"{plan.Grid.Epochs} epochs planned for an estimated {plan.EstimatedMinutes:F2} min");
        Assert.False(Directory.Exists(Path.Combine(_dir, "probe")));
        Assert.Contains("budget", plan.Summary(), StringComparison.Ordinal);
        var reloaded = new ExperimentRunner(_dir, data).Plan(grid);
        Assert.Equal(plan.Grid.Epochs, reloaded.Grid.Epochs);
        Assert.Equal(plan.EpochSeconds, reloaded.EpochSeconds);
    }
}
