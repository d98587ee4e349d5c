namespace CatPot.Experiments;

/// <summary>
/// A predicted histogram of one test structure, kept to be drawn beside its HL-Gauss target
/// (computed from the support with <c>HLGaussSupport.Target</c> when plotting).
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

    /// <summary>Lower end of the support (y_n).</summary>
    public required double Lo { get; init; }

    /// <summary>Upper end of the support (y_n).</summary>
    public required double Hi { get; init; }

    /// <summary>σ / bin width of the run.</summary>
    public required double SigmaRatio { get; init; }

    /// <summary>Predicted bin probabilities (K of them).</summary>
    public required double[] Probabilities { get; init; }
}
