namespace CatPot.Uncertainty;

/// <summary>
/// Density of the model's own per-atom features on the training set: one <see cref="GaussianMixture"/> per element
/// (Zhu et al. 2023, GMM on NequIP features; DDU's class-conditional Gaussian with one component), plus one pooled
/// over all training atoms for elements the training set lacks. An atom's novelty is its squared Mahalanobis distance
/// to the nearest component of its element's mixture over d (≈ 1 for training-like atoms); a structure scores by its
/// worst atoms. The element prior of the joint density p(Z, x) = p(Z) p(x | Z) is kept too, as each element's count of
/// training atoms: an atom's rarity is −ln p(Z), so atoms of elements the model saw little of score high.
/// </summary>
public sealed class FeatureDensity
{
    private readonly Dictionary<int, GaussianMixture> _byElement;
    private readonly Dictionary<int, long> _atomCounts;
    private readonly long _totalAtoms;

    /// <summary>Builds the estimator from fitted mixtures (as stored).</summary>
    public FeatureDensity(IReadOnlyDictionary<int, GaussianMixture> byElement, GaussianMixture pooled, IReadOnlyDictionary<int, long> atomCounts)
    {
        ArgumentNullException.ThrowIfNull(atomCounts);
        foreach (var z in byElement.Keys)
            if (!atomCounts.TryGetValue(z, out long c) || c < 1)
                throw new ArgumentException($"Element Z = {z} has a mixture but no positive training atom count.", nameof(atomCounts));
        _atomCounts = new Dictionary<int, long>(atomCounts);
        _totalAtoms = atomCounts.Values.Sum();
        ArgumentNullException.ThrowIfNull(byElement);
        ArgumentNullException.ThrowIfNull(pooled);
        foreach (var (z, g) in byElement)
            if (g.Dimension != pooled.Dimension)
                throw new ArgumentException($"The mixture of Z = {z} has dimension {g.Dimension}; the pooled one {pooled.Dimension}.", nameof(byElement));
        _byElement = new Dictionary<int, GaussianMixture>(byElement);
        Pooled = pooled;
    }

    /// <summary>Feature dimension.</summary>
    public int Dimension => Pooled.Dimension;

    /// <summary>The mixture fitted on all training atoms (used for elements absent from training).</summary>
    public GaussianMixture Pooled { get; }

    /// <summary>Training atoms of each element.</summary>
    public IReadOnlyDictionary<int, long> AtomCounts => _atomCounts;

    /// <summary>
    /// −ln p(Z), p(Z) the element's share of the training atoms; an element absent from training counts as half an atom.
    /// </summary>
    public double Rarity(int z) => -Math.Log((_atomCounts.TryGetValue(z, out long c) && c > 0 ? c : 0.5) / _totalAtoms);

    /// <summary>The per-element mixtures by atomic number.</summary>
    public IReadOnlyDictionary<int, GaussianMixture> ByElement => _byElement;

    /// <summary>
    /// Fits the estimator on training atoms: <paramref name="features"/> row-major [n, d], one row per atom with its
    /// atomic number in <paramref name="numbers"/>. Elements with more than <paramref name="maxAtomsPerElement"/> atoms
    /// are fitted on an evenly strided subset of that size (the order of the atoms is the data's, so deterministic).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths do not match, or no atoms.</exception>
    public static FeatureDensity Fit(ReadOnlySpan<double> features, ReadOnlySpan<int> numbers, int dimension, int components = 1, int maxAtomsPerElement = 50_000, int seed = 0, double shrinkage = GaussianMixture.DefaultShrinkage)
    {
        int n = numbers.Length, d = dimension;
        if (n == 0 || features.Length != n * d)
            throw new ArgumentException($"{n} atoms of dimension {d} need {n * d} feature values; got {features.Length}.", nameof(features));
        var rowsOf = new SortedDictionary<int, List<int>>();
        for (int a = 0; a < n; a++)
        {
            if (!rowsOf.TryGetValue(numbers[a], out var list)) rowsOf[numbers[a]] = list = [];
            list.Add(a);
        }
        var byElement = new Dictionary<int, GaussianMixture>();
        var counts = rowsOf.ToDictionary(kv => kv.Key, kv => (long)kv.Value.Count);
        foreach (var (z, rows) in rowsOf)
            byElement[z] = GaussianMixture.Fit(Gather(features, d, rows, maxAtomsPerElement), d, components, seed: seed, shrinkage: shrinkage);
        var all = Enumerable.Range(0, n).ToList();
        var pooled = GaussianMixture.Fit(Gather(features, d, all, maxAtomsPerElement), d, components: 1, seed: seed, shrinkage: shrinkage);
        return new FeatureDensity(byElement, pooled, counts);
    }

    /// <summary>Novelty of one atom of element <paramref name="z"/> with feature vector <paramref name="x"/>.</summary>
    public double AtomNovelty(int z, ReadOnlySpan<double> x, Span<double> work) =>
        (_byElement.TryGetValue(z, out var g) ? g : Pooled).Novelty(x, work);

    /// <summary>True when the training set had atoms of element <paramref name="z"/>.</summary>
    public bool HasElement(int z) => _byElement.ContainsKey(z);

    /// <summary>Novelty of every atom: <paramref name="features"/> row-major [n, d].</summary>
    public double[] AtomNovelties(ReadOnlySpan<double> features, ReadOnlySpan<int> numbers)
    {
        int d = Dimension;
        var result = new double[numbers.Length];
        var work = new double[d];
        for (int a = 0; a < numbers.Length; a++) result[a] = AtomNovelty(numbers[a], features.Slice(a * d, d), work);
        return result;
    }

    /// <summary>Largest value.</summary>
    public static double Max(ReadOnlySpan<double> atomScores)
    {
        double m = double.NegativeInfinity;
        foreach (double v in atomScores) m = Math.Max(m, v);
        return m;
    }

    /// <summary>Mean of the <paramref name="k"/> largest values (all of them when fewer).</summary>
    public static double TopMean(ReadOnlySpan<double> atomScores, int k)
    {
        var sorted = atomScores.ToArray();
        Array.Sort(sorted);
        int take = Math.Min(k, sorted.Length);
        double s = 0;
        for (int i = 0; i < take; i++) s += sorted[sorted.Length - 1 - i];
        return s / take;
    }

    private static double[] Gather(ReadOnlySpan<double> features, int d, List<int> rows, int max)
    {
        int take = Math.Min(rows.Count, Math.Max(1, max));
        var x = new double[take * d];
        for (int i = 0; i < take; i++)
        {
            int row = rows[(int)((long)i * rows.Count / take)];
            features.Slice(row * d, d).CopyTo(x.AsSpan(i * d, d));
        }
        return x;
    }
}
