namespace CatPot.Chemistry;

/// <summary>The periodic table for Z = 1..118: symbol, standard atomic mass and covalent radius.</summary>
public static class Elements
{
    /// <summary>Highest atomic number known.</summary>
    public const int MaxAtomicNumber = 118;

    private static readonly string[] Symbols =
    [
        "X",
        "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar",
        "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe",
        "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
        "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn",
        "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr",
        "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
    ];

    private static readonly Dictionary<string, int> BySymbol = BuildIndex();

    private static Dictionary<string, int> BuildIndex()
    {
        var d = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int z = 1; z < Symbols.Length; z++) d[Symbols[z]] = z;
        return d;
    }

    /// <summary>The element symbol of atomic number <paramref name="z"/> (1..118).</summary>
    public static string Symbol(int z) => z is >= 1 and <= MaxAtomicNumber
        ? Symbols[z]
        : throw new ArgumentOutOfRangeException(nameof(z), z, "Atomic numbers run from 1 to 118.");

    /// <summary>Looks up an element symbol, case-insensitively ("c", "CL" and "Cl" all work).</summary>
    public static bool TryGetAtomicNumber(string symbol, out int z) => BySymbol.TryGetValue(symbol, out z);
}
