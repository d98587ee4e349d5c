namespace CatPot.Uncertainty;

/// <summary>The calibrated uncertainty of one structure, with the raw signals it came from.</summary>
public sealed record UncertaintyEstimate
{
    /// <summary>
    /// Calibrated standard uncertainty of the total energy (eV): E ± energy_std is the calibrated central 68.27 %
    /// interval (the ±1σ coverage of a normal distribution, but the interval shape is the calibration set's empirical
    /// one, not a Gaussian), multiplied by <see cref="NoveltyInflation"/> and <see cref="BondFactor"/> beyond the calibrated novelty and geometry ranges.
    /// </summary>
    public required double EnergyStd { get; init; }

    /// <summary>Per-atom uncertainty (eV/atom): the calibrated ~68 % per-atom energy error of a structure whose worst atom looked like this one.</summary>
    public required double[] AtomUncertainty { get; init; }

    /// <summary>The out-of-domain factor (1 inside the calibration set's novelty range) already applied to <see cref="EnergyStd"/> and <see cref="AtomUncertainty"/>.</summary>
    public double NoveltyInflation { get; init; } = 1;

    /// <summary>The geometric out-of-domain factor (<see cref="BondSupport"/>; 1 inside the data's nearest-neighbour ranges) already applied to <see cref="EnergyStd"/> and <see cref="AtomUncertainty"/>.</summary>
    public double BondFactor { get; init; } = 1;

    /// <summary>The fused score ln u before calibration.</summary>
    public required double LogSize { get; init; }

    /// <summary>The raw signals.</summary>
    public required SignalFeatures Signals { get; init; }
}
