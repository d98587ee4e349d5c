namespace CatPot.Simulation;

/// <summary>How a geometry optimisation ended.</summary>
/// <param name="Converged">Whether the force threshold was reached.</param>
/// <param name="Steps">Steps taken (force evaluations minus one).</param>
/// <param name="Energy">Final energy, eV.</param>
/// <param name="MaxForce">Final largest per-atom force norm, eV/Å.</param>
public sealed record OptimizationResult(bool Converged, int Steps, double Energy, double MaxForce);
