namespace CatPot.Experiments;

/// <summary>A cell with the evaluations of its seeds (seeds 0 … n−1 of the grid).</summary>
/// <param name="Cell">The cell.</param>
/// <param name="Role">Main cell or temperature sweep.</param>
/// <param name="Runs">One evaluation per seed, in seed order.</param>
public sealed record CellRuns(ExperimentCell Cell, CellRole Role, IReadOnlyList<RunEvaluation> Runs)
{
    /// <summary>Mean over seeds of the best validation score: how the best HL-Gauss cell is chosen.</summary>
    public double MeanValidationScore => Runs.Average(r => r.BestValidationScore);
}
