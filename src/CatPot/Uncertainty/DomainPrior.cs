using CatPot.Chemistry;

namespace CatPot.Uncertainty;

/// <summary>
/// The trivial baselines an uncertainty must beat (research guide §0.3, §5): a domain prior — 1 when the structure
/// has a metal atom or a net charge, else 0 — and the atom count. Both know nothing of the model.
/// </summary>
public static class DomainPrior
{
    // Non-metals and metalloids; every other element counts as a metal.
    private static readonly HashSet<int> NonMetals = [1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 33, 34, 35, 36, 51, 52, 53, 54, 85, 86];

    /// <summary>True for metals (alkali, alkaline earth, transition, post-transition, lanthanides, actinides).</summary>
    public static bool IsMetal(int z) => z is >= 1 and <= Elements.MaxAtomicNumber && !NonMetals.Contains(z);

    /// <summary>1 when the structure contains a metal atom or has a non-zero total charge, else 0.</summary>
    public static double MetalOrIon(Structure s)
    {
        if (s.Charge != 0) return 1;
        foreach (int z in s.Numbers) if (IsMetal(z)) return 1;
        return 0;
    }
}
