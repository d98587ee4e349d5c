namespace CatPot.Experiments;

/// <summary>One test structure's outcome under one run: what the figures and the ensemble need, without forces.</summary>
public sealed record StructureOutcome
{
    /// <summary>The structure's domain.</summary>
    public required string Domain { get; init; }

    /// <summary>Number of atoms.</summary>
    public required int Atoms { get; init; }

    /// <summary>Reference total energy (eV).</summary>
    public required double TrueEnergy { get; init; }

    /// <summary>Predicted total energy (eV).</summary>
    public required double PredictedEnergy { get; init; }

    /// <summary>Histogram entropy (nats), HL-Gauss only.</summary>
    public double? Entropy { get; init; }

    /// <summary>Predicted std_E (eV), HL-Gauss only.</summary>
    public double? StdE { get; init; }

    /// <summary>|ΔE| (eV).</summary>
    public double AbsError => Math.Abs(PredictedEnergy - TrueEnergy);
}
