using CatPot.Chemistry;

namespace CatPot.Simulation;

/// <summary>
/// Kinetic quantities in CatPot's MD units: masses in amu, velocities in Å/fs, energies in eV, temperatures in K.
/// </summary>
public static class Kinetics
{
    /// <summary>Standard atomic masses (amu) for the atoms of a structure.</summary>
    public static double[] Masses(ReadOnlySpan<int> numbers)
    {
        var m = new double[numbers.Length];
        for (int a = 0; a < m.Length; a++) m[a] = Elements.Mass(numbers[a]);
        return m;
    }

    /// <summary>½ Σ m v² in eV.</summary>
    public static double KineticEnergy(ReadOnlySpan<double> masses, ReadOnlySpan<double> velocities)
    {
        double twice = 0;
        for (int a = 0; a < masses.Length; a++)
        {
            double vx = velocities[3 * a], vy = velocities[3 * a + 1], vz = velocities[3 * a + 2];
            twice += masses[a] * (vx * vx + vy * vy + vz * vz);
        }
        // amu·Å²/fs² → eV: divide by (fs in ASE time units)².
        return 0.5 * twice / AseUnits.AccelerationPerForceOverMass;
    }

    /// <summary>Instantaneous temperature 2·KE/(dof·k_B) in K.</summary>
    public static double Temperature(double kineticEnergy, int degreesOfFreedom) =>
        degreesOfFreedom > 0 ? 2 * kineticEnergy / (degreesOfFreedom * AseUnits.Boltzmann) : 0;

    /// <summary>Degrees of freedom left when centre-of-mass motion is removed: 3N − 3 (never negative).</summary>
    public static int DegreesOfFreedomWithoutCentreOfMass(int atomCount) => Math.Max(3 * atomCount - 3, 0);

    /// <summary>Total momentum Σ m v (amu·Å/fs), one component per axis.</summary>
    public static void Momentum(ReadOnlySpan<double> masses, ReadOnlySpan<double> velocities, Span<double> momentum)
    {
        momentum[..3].Clear();
        for (int a = 0; a < masses.Length; a++)
            for (int c = 0; c < 3; c++) momentum[c] += masses[a] * velocities[3 * a + c];
    }

    /// <summary>Subtracts the centre-of-mass velocity so that the total momentum is zero.</summary>
    public static void RemoveCentreOfMassMotion(ReadOnlySpan<double> masses, Span<double> velocities)
    {
        Span<double> p = stackalloc double[3];
        Momentum(masses, velocities, p);
        double total = 0;
        foreach (double m in masses) total += m;
        if (total <= 0) return;
        for (int a = 0; a < masses.Length; a++)
            for (int c = 0; c < 3; c++) velocities[3 * a + c] -= p[c] / total;
    }
}
