using CatPot.Tensors;

namespace CatPot.Simulation;

/// <summary>Initial velocities drawn from the Maxwell–Boltzmann distribution.</summary>
public static class MaxwellBoltzmann
{
    /// <summary>
    /// Fills <paramref name="velocities"/> (Å/fs, flat atom-major) with components drawn from N(0, k_B·T/m) using a
    /// seeded generator, then removes the centre-of-mass motion. The same seed always gives the same velocities.
    /// </summary>
    /// <remarks>
    /// Velocities are not rescaled to hit <paramref name="temperature"/> exactly: a small molecule's initial
    /// temperature fluctuates around the target, as it does in ASE's <c>MaxwellBoltzmannDistribution</c>.
    /// </remarks>
    /// <param name="masses">Atomic masses in amu.</param>
    /// <param name="temperature">Temperature in K (≥ 0).</param>
    /// <param name="seed">Generator seed.</param>
    /// <param name="velocities">Receives 3N components.</param>
    public static void Sample(ReadOnlySpan<double> masses, double temperature, ulong seed, Span<double> velocities)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a finite number of kelvin ≥ 0.");
        if (velocities.Length != 3 * masses.Length)
            throw new ArgumentException($"velocities has {velocities.Length} values; {masses.Length} atoms need {3 * masses.Length}.", nameof(velocities));
        var rng = new Xoshiro256StarStar(seed);
        double kT = AseUnits.Boltzmann * temperature * AseUnits.AccelerationPerForceOverMass;
        for (int a = 0; a < masses.Length; a++)
        {
            double sigma = Math.Sqrt(kT / masses[a]);
            for (int c = 0; c < 3; c++) velocities[3 * a + c] = sigma * rng.NextGaussian();
        }
        Kinetics.RemoveCentreOfMassMotion(masses, velocities);
    }
}
