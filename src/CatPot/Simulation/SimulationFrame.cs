using CatPot.Chemistry;

namespace CatPot.Simulation;

/// <summary>Output frames of simulations (MD, optimisation): a copy of the geometry without the input's stale labels.</summary>
public static class SimulationFrame
{
    /// <summary>Info keys carried over from the input: provenance that stays true for every new geometry.</summary>
    public static readonly IReadOnlyList<string> KeptInfoKeys = ["domain", "parent"];

    /// <summary>
    /// A copy of species, positions, charge, spin, cell and pbc, plus the <see cref="KeptInfoKeys"/>; no energy, forces,
    /// other info or per-atom columns (they belonged to the input geometry and its reference method).
    /// </summary>
    public static Structure Create(Structure source)
    {
        var frame = new Structure((int[])source.Numbers.Clone(), (double[])source.Positions.Clone(), source.Charge, source.Spin)
        {
            Cell = (double[]?)source.Cell?.Clone(),
            Pbc = (bool[])source.Pbc.Clone(),
        };
        foreach (string key in KeptInfoKeys)
            if (source.Info.TryGetValue(key, out var value)) frame.Info[key] = value;
        return frame;
    }
}
