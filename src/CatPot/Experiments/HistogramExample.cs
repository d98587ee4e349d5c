namespace CatPot.Experiments;

/// <summary>
/// A predicted histogram of one test structure, kept to be drawn beside its HL-Gauss target
/// (with the head's target).
/// </summary>
public sealed record HistogramExample
{
    /// <summary>Index of the structure in the test set.</summary>
    public required int Index { get; init; }

    /// <summary>Why it was picked ("smallest error", "median error", "largest error", …).</summary>
    public required string Reason { get; init; }

    /// <summary>The structure's domain.</summary>
    public required string Domain { get; init; }

    /// <summary>|ΔE| (eV).</summary>
    public required double AbsError { get; init; }

    /// <summary>The true normalised per-atom energy y_n.</summary>
    public required double TrueValue { get; init; }

    /// <summary>The bin edges in y_n units (bins + 1; tail bins drawn two end-bin widths wide).</summary>
    public required double[] Edges { get; init; }

    /// <summary>The head's training target for the true value, one entry per bin.</summary>
    public required double[] Target { get; init; }

    /// <summary>The predicted probabilities, one per bin.</summary>
    public required double[] Probabilities { get; init; }
}
