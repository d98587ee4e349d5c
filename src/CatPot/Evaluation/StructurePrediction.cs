namespace CatPot.Evaluation;

/// <summary>
/// A model's prediction for one structure next to the reference values, the input of <see cref="EvaluationReport.Compute"/>.
/// Energies are total energies in eV; forces are flat [N·3] arrays in eV/Å (atom-major: x, y, z of atom 0, then atom 1, ...).
/// </summary>
public sealed record StructurePrediction
{
    /// <summary>The group the structure belongs to (e.g. the extxyz <c>domain</c>); metrics are reported per group and overall.</summary>
    public string Domain { get; init; } = "all";

    /// <summary>Number of atoms N.</summary>
    public required int AtomCount { get; init; }

    /// <summary>Reference total energy (eV).</summary>
    public required double TrueEnergy { get; init; }

    /// <summary>Predicted total energy (eV).</summary>
    public required double PredictedEnergy { get; init; }

    /// <summary>Reference forces [N·3] (eV/Å), or null when the structure has none.</summary>
    public double[]? TrueForces { get; init; }

    /// <summary>Predicted forces [N·3] (eV/Å), or null.</summary>
    public double[]? PredictedForces { get; init; }

    /// <summary>Entropy of the predicted histogram (nats); taken from <see cref="Histogram"/> when null.</summary>
    public double? Entropy { get; init; }

    /// <summary>Predicted total-energy spread std_E (eV); taken from <see cref="Histogram"/> when null and its energy scale is known.</summary>
    public double? StdE { get; init; }

    /// <summary>The predicted histogram with the true value in its units, for NLL and calibration (HL-Gauss only).</summary>
    public PredictedHistogram? Histogram { get; init; }
}
