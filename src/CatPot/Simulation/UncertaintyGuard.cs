namespace CatPot.Simulation;

/// <summary>
/// The trust region of a model: a frame whose std_E (eV) or histogram entropy (nats) exceeds its threshold is
/// outside it. <see cref="FlagOnly"/> decides whether an MD run stops there or only marks the frame.
/// </summary>
/// <param name="MaxEnergyStd">Largest trusted std_E in eV, or null for no limit.</param>
/// <param name="MaxEntropy">Largest trusted entropy in nats, or null for no limit.</param>
/// <param name="FlagOnly">Mark offending frames and carry on instead of stopping.</param>
/// <param name="MaxEdgeMass">
/// Largest trusted probability in the histogram's first and last bins, or null for no limit. A structure whose energy
/// lies outside the training range puts its mass in an end bin, where entropy and std_E become small (falsely
/// confident); this limit catches that case.
/// </param>
public sealed record UncertaintyGuard(double? MaxEnergyStd, double? MaxEntropy, bool FlagOnly = false, double? MaxEdgeMass = null)
{
    /// <summary>Whether any threshold is set.</summary>
    public bool IsActive => MaxEnergyStd is not null || MaxEntropy is not null || MaxEdgeMass is not null;

    /// <summary>Whether <paramref name="result"/> lies outside the trust region.</summary>
    public bool IsOutside(CalculationResult result) =>
        (MaxEnergyStd is { } s && !(result.EnergyStd <= s)) || (MaxEntropy is { } h && !(result.Entropy <= h))
        || (MaxEdgeMass is { } m && !(result.SupportEdgeMass <= m));

    /// <summary>Why <paramref name="result"/> is outside, for logs and frame info.</summary>
    public string Reason(CalculationResult result)
    {
        var parts = new List<string>(2);
        if (MaxEnergyStd is { } s && !(result.EnergyStd <= s)) parts.Add($"energy_std {result.EnergyStd:G6} eV > {s:G6} eV");
        if (MaxEntropy is { } h && !(result.Entropy <= h)) parts.Add($"energy_entropy {result.Entropy:G6} > {h:G6}");
        if (MaxEdgeMass is { } m && !(result.SupportEdgeMass <= m)) parts.Add($"histogram mass at the support edges {result.SupportEdgeMass:G4} > {m:G4} (energy outside the training range)");
        return string.Join("; ", parts);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when a threshold is set that the model cannot check (a regression head has
    /// no std_E or entropy), judged from a first result.
    /// </summary>
    public void EnsureCheckable(CalculationResult result)
    {
        if (MaxEnergyStd is not null && double.IsNaN(result.EnergyStd))
            throw new ArgumentException("A std_E limit was given but the model predicts no energy_std (it has a regression energy head, not HL-Gauss). Drop --max-std.");
        if (MaxEntropy is not null && double.IsNaN(result.Entropy))
            throw new ArgumentException("An entropy limit was given but the model predicts no entropy (it has a regression energy head, not HL-Gauss). Drop --max-entropy.");
        if (MaxEdgeMass is not null && double.IsNaN(result.SupportEdgeMass))
            throw new ArgumentException("A support-edge limit was given but the model predicts no histogram (it has a regression energy head, not HL-Gauss). Drop --max-edge-mass.");
    }
}
