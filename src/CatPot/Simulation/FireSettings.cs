namespace CatPot.Simulation;

/// <summary>
/// FIRE settings (Bitzek et al., PRL 97, 170201 (2006)), defaults as in ASE's <c>FIRE</c>. Time steps are in ASE's
/// internal unit Å·√(amu/eV) with every atom given unit mass, as ASE does.
/// </summary>
public sealed record FireSettings
{
    /// <summary>Converged when the largest per-atom force norm is at most this, eV/Å.</summary>
    public double MaxForce { get; init; } = 0.05;

    /// <summary>Give up after this many steps.</summary>
    public int MaxSteps { get; init; } = 1000;

    /// <summary>Largest norm of the whole 3N-component displacement in one step, Å (as in ASE's FIRE).</summary>
    public double MaxStep { get; init; } = 0.2;

    /// <summary>Initial time step.</summary>
    public double TimeStep { get; init; } = 0.1;

    /// <summary>Largest time step.</summary>
    public double MaxTimeStep { get; init; } = 1.0;

    /// <summary>Downhill steps before the time step may grow.</summary>
    public int MinDownhillSteps { get; init; } = 5;

    /// <summary>Time-step growth factor.</summary>
    public double Increase { get; init; } = 1.1;

    /// <summary>Time-step cut after an uphill step.</summary>
    public double Decrease { get; init; } = 0.5;

    /// <summary>Initial velocity-mixing parameter α.</summary>
    public double AlphaStart { get; init; } = 0.1;

    /// <summary>Factor applied to α on each growing step.</summary>
    public double AlphaDecay { get; init; } = 0.99;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!(MaxForce > 0)) throw new ArgumentException($"--fmax must be > 0 eV/Å, got {MaxForce}.");
        if (MaxSteps < 0) throw new ArgumentException($"The step limit must be ≥ 0, got {MaxSteps}.");
        if (!(MaxStep > 0)) throw new ArgumentException($"The largest step must be > 0 Å, got {MaxStep}.");
        if (!(TimeStep > 0) || !(MaxTimeStep >= TimeStep)) throw new ArgumentException($"FIRE time steps must satisfy 0 < dt ({TimeStep}) ≤ dt_max ({MaxTimeStep}).");
    }
}
