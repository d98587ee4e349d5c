namespace CatPot.Uncertainty;

/// <summary>
/// What one forward pass of a model gives the uncertainty estimators for one structure: its prediction, the
/// backbone's per-atom scalar features, the energy readout's last-layer feature vector and (HL-Gauss) the histogram's
/// summary statistics. Plain arrays, so estimators and tests need no model.
/// </summary>
public sealed record StructureSignals
{
    /// <summary>Atomic numbers [N].</summary>
    public required int[] Numbers { get; init; }

    /// <summary>Predicted total energy (eV).</summary>
    public required double Energy { get; init; }

    /// <summary>Final per-atom scalar features, row-major [N, F].</summary>
    public required double[] AtomFeatures { get; init; }

    /// <summary>The energy readout's last-layer features averaged over the atoms [d] (what its final linear layer reads).</summary>
    public required double[] ReadoutFeatures { get; init; }

    /// <summary>Histogram entropy (nats); null for a regression head.</summary>
    public double? Entropy { get; init; }

    /// <summary>Histogram standard deviation of the total energy (eV, uncalibrated); null for a regression head.</summary>
    public double? HistogramStd { get; init; }

    /// <summary>Histogram mass in the outermost bins (<see cref="SignalExtractor.TailFraction"/> of the bins at each end); null for a regression head.</summary>
    public double? TailMass { get; init; }

    /// <summary>
    /// Each atom's distance to its nearest neighbour within the model's cutoff (the cutoff when it has none), Å; null
    /// when the caller did not compute it (then <see cref="BondSupport"/> is not applied).
    /// </summary>
    public double[]? NearestNeighbour { get; init; }

    /// <summary>Number of atoms.</summary>
    public int AtomCount => Numbers.Length;
}
