namespace CatPot.Simulation;

/// <summary>
/// Unit constants exactly as ASE 3.22 defines them (<c>ase/units.py</c>, CODATA 2014 set), so that CatPot's MD
/// and the i-PI wire format agree with ASE to the last bit. CatPot works in Å, eV, amu and fs.
/// </summary>
/// <remarks>
/// ASE's internal time unit is Å·√(amu/eV); <c>ase.units.fs = 1e-15 · √(e/amu) · 1e10</c> with
/// e = 1.6021766208e-19 C and amu = 1.660539040e-27 kg (CODATA 2014). Values checked against
/// <c>python3 -c "import ase.units as u; print(repr(u.fs), repr(u.kB), repr(u.Bohr), repr(u.Hartree))"</c> on ASE 3.22.1.
/// </remarks>
public static class AseUnits
{
    /// <summary>Elementary charge in C (CODATA 2014, ASE's <c>_e</c>).</summary>
    public const double ElementaryCharge = 1.6021766208e-19;

    /// <summary>Atomic mass unit in kg (CODATA 2014, ASE's <c>_amu</c>).</summary>
    public const double AtomicMassUnit = 1.660539040e-27;

    /// <summary>Boltzmann constant in J/K (CODATA 2014, ASE's <c>_k</c>).</summary>
    public const double BoltzmannJoulePerKelvin = 1.38064852e-23;

    /// <summary>Boltzmann constant in eV/K (ASE's <c>units.kB</c> = 8.617330337217213e-05).</summary>
    public const double Boltzmann = BoltzmannJoulePerKelvin / ElementaryCharge;

    /// <summary>One femtosecond in ASE time units Å·√(amu/eV) (ASE's <c>units.fs</c> = 0.09822694788464063).</summary>
    public static readonly double Femtosecond = 1e-15 * Math.Sqrt(ElementaryCharge / AtomicMassUnit) * 1e10;

    /// <summary>
    /// Turns a force/mass ratio in eV/(Å·amu) into an acceleration in Å/fs² (= <c>units.fs²</c> ≈ 0.009648533).
    /// </summary>
    public static readonly double AccelerationPerForceOverMass = Femtosecond * Femtosecond;

    /// <summary>Bohr radius in Å (ASE 3.22 <c>units.Bohr</c>, from CODATA 2014 ε0, ħ, mₑ, e).</summary>
    public const double Bohr = 0.5291772105638411;

    /// <summary>Hartree in eV (ASE 3.22 <c>units.Hartree</c>, from CODATA 2014 mₑ, e, ε0, ħ).</summary>
    public const double Hartree = 27.211386024367243;
}
