namespace CatPot.Chemistry;

/// <summary>
/// One molecular (or, later, periodic) structure: atoms, positions, total charge and spin,
/// optional cell, optional labels (energy, forces) and free-form per-frame info such as
/// <c>domain</c> or <c>parent</c>. Units: Å, eV, eV/Å.
/// </summary>
/// <remarks>
/// Positions and forces are stored flat, atom-major (<c>x0 y0 z0 x1 …</c>), in double precision,
/// because labels and element-reference sums must keep double precision; models cast to float32.
/// </remarks>
public sealed class Structure
{
    /// <summary>Creates a structure. Arrays are taken as given (not copied).</summary>
    /// <param name="numbers">Atomic numbers, one per atom.</param>
    /// <param name="positions">Cartesian positions in Å, length 3·N, atom-major.</param>
    /// <param name="charge">Total charge in units of e.</param>
    /// <param name="spin">Spin multiplicity 2S+1 (1 = singlet).</param>
    public Structure(int[] numbers, double[] positions, int charge = 0, int spin = 1)
    {
        if (positions.Length != 3 * numbers.Length)
            throw new ArgumentException($"positions has {positions.Length} values but {numbers.Length} atoms need {3 * numbers.Length}.", nameof(positions));
        Numbers = numbers;
        Positions = positions;
        Charge = charge;
        Spin = spin;
    }

    /// <summary>Atomic numbers, one per atom.</summary>
    public int[] Numbers { get; }

    /// <summary>Positions in Å, flat atom-major (length 3·N).</summary>
    public double[] Positions { get; }

    /// <summary>Number of atoms N.</summary>
    public int AtomCount => Numbers.Length;

    /// <summary>Total charge (e).</summary>
    public int Charge { get; set; }

    /// <summary>Spin multiplicity 2S+1 (1 = singlet), the OMol25 convention.</summary>
    public int Spin { get; set; }

    /// <summary>Lattice vectors as 9 numbers <c>a_x a_y a_z b_x b_y b_z c_x c_y c_z</c>, or null when there is no cell.</summary>
    public double[]? Cell { get; set; }

    /// <summary>Periodicity along the three lattice vectors.</summary>
    public bool[] Pbc { get; set; } = new bool[3];

    /// <summary>Reference total energy in eV, when labelled.</summary>
    public double? Energy { get; set; }

    /// <summary>Reference forces in eV/Å, flat atom-major (length 3·N), when labelled.</summary>
    public double[]? Forces { get; set; }

    /// <summary>
    /// Free-form per-frame key/values (e.g. <c>domain</c>, <c>parent</c>, <c>config</c>).
    /// Values are <see cref="string"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>,
    /// or arrays of those; nested or mixed JSON values (extxyz <c>_JSON</c> dicts and nested lists) are <see cref="System.Text.Json.JsonElement"/>.
    /// </summary>
    public Dictionary<string, object> Info { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Extra per-atom columns beyond species, positions and forces (e.g. <c>charges</c>), keyed by name.
    /// Each value is an array of length N·width of <see cref="double"/>, <see cref="long"/>, <see cref="bool"/> or <see cref="string"/>.
    /// </summary>
    public Dictionary<string, PerAtomColumn> PerAtom { get; } = new(StringComparer.Ordinal);

    /// <summary>The <c>domain</c> info key, or null.</summary>
    public string? Domain => Info.TryGetValue("domain", out var d) ? d as string : null;

    /// <summary>
    /// A deep copy: every array (numbers, positions, cell, pbc, forces, array-valued info and per-atom
    /// columns) is copied, so changing the copy never changes this structure.
    /// </summary>
    public Structure Clone()
    {
        var copy = new Structure((int[])Numbers.Clone(), (double[])Positions.Clone(), Charge, Spin)
        {
            Cell = (double[]?)Cell?.Clone(),
            Pbc = (bool[])Pbc.Clone(),
            Energy = Energy,
            Forces = (double[]?)Forces?.Clone(),
        };
        foreach (var (key, value) in Info)
            copy.Info[key] = value is Array array ? array.Clone() : value;
        foreach (var (key, column) in PerAtom)
            copy.PerAtom[key] = new PerAtomColumn((Array)column.Values.Clone(), column.Width);
        return copy;
    }
}

/// <summary>An extra per-atom column: its values (flat, atom-major) and how many values each atom has.</summary>
/// <param name="Values">An array of double, long, bool or string with length N·Width.</param>
/// <param name="Width">Values per atom.</param>
public sealed record PerAtomColumn(Array Values, int Width);
