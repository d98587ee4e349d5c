namespace CatPot.Simulation;

/// <summary>Integrator settings for <see cref="MolecularDynamics"/>. Units: fs, K, 1/fs.</summary>
public sealed record MolecularDynamicsSettings
{
    /// <summary>Time step in fs.</summary>
    public double TimeStep { get; init; } = 0.5;

    /// <summary>NVE (velocity Verlet) or Langevin (BAOAB).</summary>
    public Thermostat Thermostat { get; init; } = Thermostat.None;

    /// <summary>Thermostat target temperature in K (Langevin only); with <see cref="FinalTemperature"/>, the start of the ramp.</summary>
    public double Temperature { get; init; } = 300;

    /// <summary>
    /// Langevin only: ramp the target temperature linearly from <see cref="Temperature"/> at step 0 to this value at
    /// step <see cref="RampSteps"/> (and hold it after), e.g. a heating run 300 → 3,000 K. Null: constant target.
    /// </summary>
    public double? FinalTemperature { get; init; }

    /// <summary>Length of the ramp in steps (≥ 1 when <see cref="FinalTemperature"/> is set).</summary>
    public long RampSteps { get; init; }

    /// <summary>The Langevin target temperature (K) for the step that starts at step count <paramref name="step"/>.</summary>
    public double TargetTemperature(long step) =>
        FinalTemperature is not { } end ? Temperature : Temperature + ((end - Temperature) * Math.Min(1.0, (double)step / RampSteps));

    /// <summary>Langevin friction γ in 1/fs (ASE's <c>friction</c> is in 1/(ASE time); 0.01/fs is a common choice).</summary>
    public double Friction { get; init; } = 0.01;

    /// <summary>Seed of the Langevin noise.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!(TimeStep > 0) || double.IsInfinity(TimeStep)) throw new ArgumentException($"The time step must be a positive number of fs, got {TimeStep}.");
        if (!Enum.IsDefined(Thermostat)) throw new ArgumentException($"Unknown thermostat {Thermostat}.");
        if (Thermostat == Thermostat.Langevin)
        {
            if (!(Temperature >= 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"The Langevin temperature must be ≥ 0 K, got {Temperature}.");
            if (!(Friction > 0) || double.IsInfinity(Friction)) throw new ArgumentException($"The Langevin friction must be a positive number of 1/fs, got {Friction}.");
        }
        if (FinalTemperature is { } end)
        {
            if (Thermostat != Thermostat.Langevin) throw new ArgumentException("A temperature ramp needs the Langevin thermostat (--thermostat langevin).");
            if (!(end >= 0) || double.IsInfinity(end)) throw new ArgumentException($"The final temperature of the ramp must be ≥ 0 K, got {end}.");
            if (RampSteps < 1) throw new ArgumentException($"The ramp must last at least one step, got {RampSteps}.");
        }
    }
}
