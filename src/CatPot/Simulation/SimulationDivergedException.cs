namespace CatPot.Simulation;

/// <summary>
/// An MD step produced non-finite positions or energy: the integration blew up (a time step too long for the forces, or
/// a model driven far outside what it was trained on). The system's state is no longer usable; everything written
/// before the step is.
/// </summary>
public sealed class SimulationDivergedException(long step, double timeFs, string what)
    : Exception(FormattableString.Invariant($"MD diverged at step {step} (t = {timeFs:G6} fs): {what}. A shorter --dt, a Langevin thermostat, an uncertainty guard (--max-std) or a model trained on such geometries avoids it."))
{
    /// <summary>The step that failed (the step count before it plus one).</summary>
    public long Step { get; } = step;

    /// <summary>What became non-finite.</summary>
    public string What { get; } = what;
}
