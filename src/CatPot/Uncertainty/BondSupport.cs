namespace CatPot.Uncertainty;

/// <summary>
/// A geometric out-of-domain term beside <see cref="NoveltyInflation"/>. The model's features stop changing once an
/// atom leaves its neighbours' cutoff, and a half-broken bond can map onto features that look ordinary (ethanol's
/// O–H dissociation: the feature novelty peaks at 1.3 Å and falls back to in-domain values), so feature density alone
/// does not flag bond breaking. This term watches the input directly: for each element Z it keeps the range
/// [lo(Z), hi(Z)] of an atom's nearest-neighbour distance over the training and calibration structures, and an atom
/// outside it by e Å (stretched beyond hi, or squeezed below lo) scales the uncertainty by
/// <code>factor = 1 + e / w(Z),   w(Z) = hi(Z) − lo(Z)</code>
/// — linear in the distance beyond the data, in units of the element's own spread (at least
/// <see cref="MinimumWidth"/>). Every training and calibration atom lies inside its range, so the factor is exactly 1
/// on them and the calibration is unchanged. Nearest neighbours are looked for within the model's cutoff; an atom with
/// none counts as at the cutoff, so the factor stops growing there.
/// </summary>
public sealed class BondSupport
{
    /// <summary>The smallest width w(Z), Å (an element seen in one environment only).</summary>
    public const double MinimumWidth = 0.05;

    private readonly Dictionary<int, (double Lo, double Hi)> _range;

    /// <summary>Builds the term from stored ranges.</summary>
    /// <exception cref="ArgumentException">A range that is not finite, positive and ordered.</exception>
    public BondSupport(IReadOnlyDictionary<int, (double Lo, double Hi)> range)
    {
        ArgumentNullException.ThrowIfNull(range);
        foreach (var (z, (lo, hi)) in range)
            if (!(lo > 0) || !(hi >= lo) || !double.IsFinite(hi))
                throw new ArgumentException($"The nearest-neighbour range of Z = {z} is [{lo}, {hi}] Å; it must be finite, positive and ordered.", nameof(range));
        _range = new Dictionary<int, (double, double)>(range);
    }

    /// <summary>[lo(Z), hi(Z)] of each element, Å.</summary>
    public IReadOnlyDictionary<int, (double Lo, double Hi)> Range => _range;

    /// <summary>Fits the ranges from structures' atomic numbers and nearest-neighbour distances.</summary>
    /// <exception cref="ArgumentException">Lengths differ, or no atom with a finite distance.</exception>
    public static BondSupport Fit(IEnumerable<(int[] Numbers, double[] NearestNeighbour)> structures)
    {
        var range = new Dictionary<int, (double Lo, double Hi)>();
        foreach (var (numbers, nn) in structures)
        {
            if (nn.Length != numbers.Length) throw new ArgumentException($"{numbers.Length} atoms but {nn.Length} distances.", nameof(structures));
            for (int a = 0; a < nn.Length; a++)
            {
                double r = nn[a];
                if (!(r > 0) || !double.IsFinite(r)) continue;
                range[numbers[a]] = range.TryGetValue(numbers[a], out var old) ? (Math.Min(old.Lo, r), Math.Max(old.Hi, r)) : (r, r);
            }
        }
        if (range.Count == 0) throw new ArgumentException("No atom has a nearest-neighbour distance.", nameof(structures));
        return new BondSupport(range);
    }

    /// <summary>These ranges widened to take in more structures (the calibration atoms after the training ones).</summary>
    public BondSupport Including(IEnumerable<(int[] Numbers, double[] NearestNeighbour)> structures)
    {
        var range = new Dictionary<int, (double Lo, double Hi)>(_range);
        foreach (var (z, more) in Fit(structures).Range)
            range[z] = range.TryGetValue(z, out var old) ? (Math.Min(old.Lo, more.Lo), Math.Max(old.Hi, more.Hi)) : more;
        return new BondSupport(range);
    }

    /// <summary>
    /// The factor of one atom: 1 + e/w(Z), e the distance outside [lo(Z), hi(Z)]; elements absent from the data have
    /// no range (the feature novelty and the rarity already flag them), factor 1.
    /// </summary>
    public double AtomFactor(int z, double nearestNeighbour)
    {
        if (!_range.TryGetValue(z, out var r) || !double.IsFinite(nearestNeighbour)) return 1;
        double e = Math.Max(0, Math.Max(nearestNeighbour - r.Hi, r.Lo - nearestNeighbour));
        return 1 + (e / Math.Max(MinimumWidth, r.Hi - r.Lo));
    }

    /// <summary>The largest atom factor of a structure.</summary>
    public double StructureFactor(ReadOnlySpan<int> numbers, ReadOnlySpan<double> nearestNeighbour)
    {
        double f = 1;
        for (int a = 0; a < numbers.Length; a++) f = Math.Max(f, AtomFactor(numbers[a], nearestNeighbour[a]));
        return f;
    }

    /// <summary>
    /// Each atom's distance to its nearest neighbour from a neighbour list's edges (receiver, length), atoms
    /// numbered from <paramref name="firstAtom"/>; <paramref name="cutoff"/> for an atom without an edge.
    /// </summary>
    public static double[] NearestNeighbour(int atoms, int firstAtom, ReadOnlySpan<int> receivers, ReadOnlySpan<double> distances, double cutoff)
    {
        var nn = new double[atoms];
        Array.Fill(nn, cutoff);
        for (int e = 0; e < receivers.Length; e++)
        {
            int a = receivers[e] - firstAtom;
            if ((uint)a >= (uint)atoms) continue;
            double d = distances[e];
            if (d < nn[a]) nn[a] = d;
        }
        return nn;
    }
}
