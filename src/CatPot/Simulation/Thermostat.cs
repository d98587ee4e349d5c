namespace CatPot.Simulation;

/// <summary>The ensemble an MD run samples.</summary>
public enum Thermostat
{
    /// <summary>No thermostat: velocity Verlet, constant energy (NVE).</summary>
    None,

    /// <summary>Langevin dynamics with the BAOAB splitting (NVT).</summary>
    Langevin,
}
