namespace CatPot.Experiments;

/// <summary>All evaluations of a finished grid, ready for the tables, figures and report.</summary>
public sealed record ExperimentResults
{
    /// <summary>The plan the grid ran with.</summary>
    public required ExperimentPlan Plan { get; init; }

    /// <summary>Main cells in grid order, then the temperature-sweep cells.</summary>
    public required IReadOnlyList<CellRuns> Cells { get; init; }

    /// <summary>Name of the main cell with a temperature (a histogram head) with the lowest mean validation score (null without one).</summary>
    public string? BestHLGaussCell { get; init; }

    /// <summary>Temperature-sweep rows: temperature → cell name (the best cell itself at its own temperature).</summary>
    public IReadOnlyList<KeyValuePair<double, string>> TemperatureSweep { get; init; } = [];

    /// <summary>The MAE ensemble's members (seeds 0 … M−1 of the baseline), empty without an ensemble.</summary>
    public IReadOnlyList<RunEvaluation> EnsembleMembers { get; init; } = [];

    /// <summary>
    /// Force MAE (eV/Å, all test force components) of the ensemble's mean direct forces, from the members' saved best
    /// models; null without an ensemble or without test forces.
    /// </summary>
    public double? EnsembleForceMae { get; init; }

    /// <summary>Trainings run by this invocation (0 when everything was already finished).</summary>
    public int RunsTrainedNow { get; init; }

    /// <summary>Epochs trained by this invocation.</summary>
    public int EpochsTrainedNow { get; init; }

    /// <summary>The baseline cell, if the grid has one.</summary>
    public CellRuns? Baseline => Cells.FirstOrDefault(c => c.Cell.IsBaseline && c.Role == CellRole.Main);
}
