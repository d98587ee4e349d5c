using System.Text.Json;

namespace CatPot.Experiments;

/// <summary>
/// The fixed plan of a grid: the grid with its final epochs, and how they were chosen. Written to <c>plan.json</c>
/// before any training starts, and reused as is when the command runs again on the same folder, so an interrupted
/// grid resumes with exactly the settings it started with.
/// </summary>
public sealed record ExperimentPlan
{
    /// <summary>File name in the output folder.</summary>
    public const string FileName = "plan.json";

    /// <summary>The grid, with <see cref="ExperimentGrid.Epochs"/> the epochs every run trains.</summary>
    public required ExperimentGrid Grid { get; init; }

    /// <summary>Number of (cell, seed) trainings: main cells, the temperature sweep and the extra ensemble members.</summary>
    public required int PlannedRuns { get; init; }

    /// <summary>Measured seconds of one epoch (training and validation) of the probe run; null without a budget.</summary>
    public double? EpochSeconds { get; init; }

    /// <summary>Estimated seconds to evaluate one run on the test (and out-of-domain) structures.</summary>
    public double? EvaluationSeconds { get; init; }

    /// <summary>Seconds the timing probe itself took.</summary>
    public double? ProbeSeconds { get; init; }

    /// <summary>Estimated minutes of the whole grid (probe included).</summary>
    public double? EstimatedMinutes { get; init; }

    /// <summary>Number of training / validation / test / out-of-domain structures.</summary>
    public required int[] DataSizes { get; init; }

    /// <summary>One line that says what will run and how long it is expected to take.</summary>
    public string Summary()
    {
        var g = Grid;
        string budget = g.BudgetMinutes is { } b ? FormattableString.Invariant($" of the {b:0.#} min budget") : "";
        string time = EstimatedMinutes is { } m
            ? FormattableString.Invariant($"; measured {EpochSeconds:F1} s/epoch, estimated {m:F1} min{budget}")
            : "";
        return FormattableString.Invariant(
            $"plan: {g.Cells.Length} cells × {g.Seeds} seeds, temperature sweep {{{string.Join(", ", g.Temperatures.Select(t => t.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)))}}}, MAE ensemble of {g.Ensemble}: {PlannedRuns} trainings × {g.Epochs} epochs (F = {g.Features}, L = {g.Layers}; {DataSizes[0]} train / {DataSizes[1]} val / {DataSizes[2]} test structures){time}");
    }

    /// <summary>The plan as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ExperimentGrid.Json);

    /// <summary>Reads <c>plan.json</c>.</summary>
    /// <exception cref="ExperimentGridException">The file is not a plan.</exception>
    public static ExperimentPlan Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ExperimentPlan>(File.ReadAllText(path), ExperimentGrid.Json) ?? throw new JsonException("null plan");
        }
        catch (JsonException e)
        {
            throw new ExperimentGridException(path, $"the saved plan cannot be read ({e.Message}); delete the output folder or choose another --out.", e);
        }
    }
}
