using CatPot.Chemistry;
using CatPot.Models;
using CatPot.Simulation;

namespace CatPot.Tests.Simulation;

/// <summary>Small random-weight models and molecules for the simulation tests.</summary>
internal static class SimulationFixtures
{
    public static readonly PotentialConfig SmallConfig = new() { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0, Head = new CatPot.Models.Heads.HLGaussHeadConfig { Bins = 16, Temperature = 2.0 } };

    public static PotentialStatistics Stats() => new()
    {
        ElementReferences = Enumerable.Range(0, 119).Select(z => -3.0 * z).ToArray(),
        Mu = -0.2, Sd = 0.1, Lo = -3, Hi = 3, ForceRms = 0.5,
    };

    public static Potential<T> Model<T>(ulong seed = 1, PotentialConfig? config = null) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var m = new Potential<T>(config ?? SmallConfig, Stats());
        m.InitializeParameters(seed);
        return m;
    }

    /// <summary>A methanol-like molecule (C, O and four H) near a sensible geometry, in Å.</summary>
    public static Structure Methanol() => new(
        [6, 8, 1, 1, 1, 1],
        [
            0.0, 0.0, 0.0,
            1.42, 0.0, 0.0,
            -0.36, 1.03, 0.0,
            -0.36, -0.51, 0.89,
            -0.36, -0.51, -0.89,
            1.74, 0.90, 0.0,
        ]);

    /// <summary>A random cloud of <paramref name="atoms"/> atoms with pairs at least ~1 Å apart.</summary>
    public static Structure Cloud(int atoms, int seed, double spacing = 1.6)
    {
        var rng = new Random(seed);
        int side = (int)Math.Ceiling(Math.Cbrt(atoms));
        var pos = new double[3 * atoms];
        var numbers = new int[atoms];
        int[] zs = [1, 6, 7, 8];
        for (int a = 0; a < atoms; a++)
        {
            int i = a % side, j = a / side % side, k = a / (side * side);
            pos[3 * a] = spacing * i + 0.2 * (rng.NextDouble() - 0.5);
            pos[3 * a + 1] = spacing * j + 0.2 * (rng.NextDouble() - 0.5);
            pos[3 * a + 2] = spacing * k + 0.2 * (rng.NextDouble() - 0.5);
            numbers[a] = zs[rng.Next(zs.Length)];
        }
        return new Structure(numbers, pos);
    }
}

/// <summary>
/// An analytic test double: pairwise Morse potential D(1 − e^{−a(r − r0)})² − D over all pairs, translation- and
/// rotation-invariant, with exact forces. std_E and entropy are reported as a fixed fake value so guards can be tested.
/// </summary>
internal sealed class MorseCalculator(double depth = 0.5, double width = 1.5, double equilibrium = 1.3) : IForceCalculator
{
    public int Calls { get; private set; }

    public void Calculate(Structure structure, CalculationResult result)
    {
        Calls++;
        var x = structure.Positions;
        var f = result.Forces;
        Array.Clear(f);
        double e = 0;
        int n = structure.AtomCount;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double dx = x[3 * j] - x[3 * i], dy = x[3 * j + 1] - x[3 * i + 1], dz = x[3 * j + 2] - x[3 * i + 2];
                double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                double ex = Math.Exp(-width * (r - equilibrium));
                e += depth * (1 - ex) * (1 - ex) - depth;
                double dEdr = 2 * depth * (1 - ex) * width * ex;
                // Force on j is −dE/dr along (R_j − R_i)/r; i gets the opposite.
                double s = -dEdr / r;
                f[3 * j] += s * dx; f[3 * j + 1] += s * dy; f[3 * j + 2] += s * dz;
                f[3 * i] -= s * dx; f[3 * i + 1] -= s * dy; f[3 * i + 2] -= s * dz;
            }
        }
        result.Energy = e;
        result.EnergyStd = 0.01;
        result.Entropy = 1.0;
    }
}
