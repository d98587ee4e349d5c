namespace CatPot.Simulation;

/// <summary>Integrator settings for <see cref="MolecularDynamics"/>. Units: fs, K, 1/fs.</summary>
public sealed record MolecularDynamicsSettings
{
    /// <summary>Time step in fs.</summary>
    public double TimeStep { get; init; } = 0.5;

    /// <summary>NVE (velocity Verlet) or Langevin (BAOAB).</summary>
    public Thermostat Thermostat { get; init; } = Thermostat.None;

    /// <summary>Thermostat target temperature in K (Langevin only).</summary>
    public double Temperature { get; init; } = 300;

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
    }
}
