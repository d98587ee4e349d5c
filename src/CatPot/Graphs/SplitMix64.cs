namespace CatPot.Graphs;

/// <summary>
/// The SplitMix64 generator (Steele, Lea &amp; Flood 2014; constants as in Vigna's reference C code).
/// CatPot uses it wherever a result must depend only on a seed, never on the runtime's
/// <see cref="Random"/> implementation: the same seed gives the same stream on every platform and .NET version.
/// </summary>
public struct SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>Starts the stream at <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += Gamma;
        return Mix(_state);
    }

    /// <summary>A uniform integer in [0, <paramref name="exclusiveMax"/>), without modulo bias (rejection sampling).</summary>
    public ulong NextUInt64(ulong exclusiveMax)
    {
        if (exclusiveMax == 0) throw new ArgumentOutOfRangeException(nameof(exclusiveMax), "The range must not be empty.");
        // Reject the top partial copy of [0, exclusiveMax) in the 2^64 range.
        ulong threshold = (0UL - exclusiveMax) % exclusiveMax;
        while (true)
        {
            ulong x = NextUInt64();
            if (x >= threshold) return x % exclusiveMax;
        }
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>The SplitMix64 output function: a bijective 64-bit mixer, also used to derive seeds.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Derives an independent seed for sub-stream <paramref name="index"/> (e.g. an epoch) of <paramref name="seed"/>.</summary>
    public static ulong Derive(ulong seed, ulong index) => Mix(Mix(seed) ^ Mix(index + Gamma));

    /// <summary>Fisher–Yates shuffle of <paramref name="items"/> in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)NextUInt64((ulong)i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
