namespace CatPot.IO;

/// <summary>
/// CatPot's one output vocabulary: the names under which <c>predict</c>, <c>eval</c>, <c>md</c>, <c>opt</c> and
/// <c>serve</c> (i-PI extras) report a prediction, in extxyz info/arrays and in JSON alike. Every writer takes the
/// names from here, so they cannot drift apart again (before, <c>md</c> wrote <c>std_E</c>/<c>entropy</c> while
/// <c>predict</c> wrote <c>energy_std</c>/<c>energy_entropy</c>).
/// </summary>
public static class PredictionKeys
{
    /// <summary>Predicted total energy, eV (in extxyz the frame's <c>energy</c>, which ASE returns from <c>get_potential_energy()</c>).</summary>
    public const string Energy = "energy";

    /// <summary>Predicted forces, eV/Å, per atom (extxyz column <c>forces</c>, ASE's <c>get_forces()</c>).</summary>
    public const string Forces = "forces";

    /// <summary>Energy uncertainty, eV: the spread (standard deviation) of the predicted energy histogram. Absent for heads without one.</summary>
    public const string EnergyStd = "energy_std";

    /// <summary>Entropy of the predicted energy histogram, nats. Absent for heads without one.</summary>
    public const string EnergyEntropy = "energy_entropy";

    /// <summary>
    /// Probability in the histogram's first and last bins (0–1): near 1 when the energy lies at or beyond the edge of
    /// the training range, where <see cref="EnergyStd"/> and <see cref="EnergyEntropy"/> look falsely confident.
    /// Absent for heads without a histogram.
    /// </summary>
    public const string EnergyTailMass = "energy_tail_mass";

    /// <summary>Per-atom uncertainty (an extxyz column of width 1). Absent until the model provides one.</summary>
    public const string AtomUncertainty = "atom_uncertainty";
}
