namespace CatPot.Models;

/// <summary>
/// The non-trainable numbers a model is trained with and saved with: element reference energies (eV, indexed by Z),
/// the mean and standard deviation of referenced per-atom energies (eV/atom), the HL-Gauss support [lo, hi]
/// in normalised units, and the RMS of training force components (eV/Å).
/// </summary>
public sealed record PotentialStatistics
{
    /// <summary>Reference energy per element, index = Z (0..118); 0 for elements never seen.</summary>
    public double[] ElementReferences { get; init; } = new double[119];

    /// <summary>Mean of (E − Σ ref)/N over training structures (eV/atom).</summary>
    public double Mu { get; init; }

    /// <summary>Population standard deviation of (E − Σ ref)/N (eV/atom).</summary>
    public double Sd { get; init; } = 1;

    /// <summary>Lower edge of the HL-Gauss support in normalised units.</summary>
    public double Lo { get; init; } = -1;

    /// <summary>Upper edge of the HL-Gauss support in normalised units.</summary>
    public double Hi { get; init; } = 1;

    /// <summary>RMS of training force components (eV/Å); scales the direct force head.</summary>
    public double ForceRms { get; init; } = 1;

    /// <summary>Σ ref[Z] over the atoms, in double precision.</summary>
    public double ReferenceSum(ReadOnlySpan<int> numbers)
    {
        double s = 0;
        foreach (int z in numbers) s += ElementReferences[z];
        return s;
    }
}
