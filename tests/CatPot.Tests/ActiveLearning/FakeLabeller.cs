using CatPot.Chemistry;
using CatPot.Labelling;

namespace CatPot.Tests.ActiveLearning;

/// <summary>
/// A reference method for tests: harmonic springs between every pair of atoms (E = Σ k (r − r0)², analytic forces),
/// that can fail on chosen calls, and counts its calls.
/// </summary>
internal sealed class FakeLabeller(Func<int, string?>? failure = null) : ILabeller
{
    public const double K = 2.0;
    public const double R0 = 1.1;

    public int Calls { get; private set; }

    public string Method => "fake-springs";

    public LabelOutcome Label(Structure structure, CancellationToken cancellation = default)
    {
        int call = Calls++;
        if (failure?.Invoke(call) is { } reason) return LabelOutcome.Failed(reason, 0);
        var (energy, forces) = Springs(structure);
        return LabelOutcome.Checked(energy, forces, structure.AtomCount, 0);
    }

    public static (double Energy, double[] Forces) Springs(Structure s)
    {
        var p = s.Positions;
        var f = new double[p.Length];
        double e = 0;
        for (int i = 0; i < s.AtomCount; i++)
        {
            for (int j = i + 1; j < s.AtomCount; j++)
            {
                double dx = p[3 * i] - p[3 * j], dy = p[(3 * i) + 1] - p[(3 * j) + 1], dz = p[(3 * i) + 2] - p[(3 * j) + 2];
                double r = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
                e += K * (r - R0) * (r - R0);
                double g = -2 * K * (r - R0) / r;   // −dE/dr / r
                f[3 * i] += g * dx; f[(3 * i) + 1] += g * dy; f[(3 * i) + 2] += g * dz;
                f[3 * j] -= g * dx; f[(3 * j) + 1] -= g * dy; f[(3 * j) + 2] -= g * dz;
            }
        }
        return (e - 10.0 * s.AtomCount, f);
    }

    /// <summary>A labelled triangle of three atoms (O, H, H) displaced by <paramref name="seed"/>-dependent noise.</summary>
    public static Structure Triangle(int seed, double noise = 0.05)
    {
        var rng = new Random(seed);
        double[] p = [0, 0, 0, 1.1, 0, 0, 0.55, 0.95, 0];
        for (int k = 0; k < p.Length; k++) p[k] += noise * ((2 * rng.NextDouble()) - 1);
        var s = new Structure([8, 1, 1], p);
        (s.Energy, s.Forces) = Springs(s);
        return s;
    }
}
