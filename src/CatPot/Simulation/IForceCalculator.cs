using CatPot.Chemistry;

namespace CatPot.Simulation;

/// <summary>
/// Energy and forces for a geometry: the seam between simulation code (MD, optimisers, the i-PI client) and
/// whatever computes them (the CatPot model, or an analytic potential in tests).
/// </summary>
public interface IForceCalculator
{
    /// <summary>
    /// Computes energy (eV), forces (eV/Å) and, where the calculator has them, std_E and entropy for
    /// <paramref name="structure"/>'s current positions, overwriting <paramref name="result"/>.
    /// </summary>
    /// <param name="structure">Atoms, positions (Å), charge and spin.</param>
    /// <param name="result">Receives the results; must have as many atoms as the structure.</param>
    void Calculate(Structure structure, CalculationResult result);
}
