namespace CatPot.Uncertainty;

/// <summary>
/// The out-of-domain term of <c>energy_std</c>: a factor that is exactly 1 inside the range of atom novelties the
/// calibration set showed and grows with the novelty beyond it. The fused model is fitted on in-domain calibration
/// data, where novelty ranks errors weakly, so it gives novelty little weight and the calibrated number rises only a
/// little out of domain although the raw novelty rises 10–40×. This term restores the rise without touching the
/// calibration: for each element Z the reference ν_ref(Z) is the largest novelty of any calibration atom of that
/// element (the largest over all calibration atoms for elements the calibration set lacks), and
/// <code>factor = max(1, max over atoms of ν_a / ν_ref(Z_a)) ^ β</code>
/// Novelty is a squared Mahalanobis distance (over d), so β = ½ makes the factor the ratio of distances: the
/// std then grows linearly with the distance from the training features beyond the calibrated range, as a Gaussian
/// process or last-layer Laplace variance does far from its data. Every calibration structure has factor 1, so the
/// conformal ratios and their coverage on calibration-like data are unchanged.
/// </summary>
public sealed class NoveltyInflation
{
    /// <summary>The default exponent β: the std grows with the Mahalanobis distance (the square root of the novelty).</summary>
    public const double DefaultExponent = 0.5;

    private readonly Dictionary<int, double> _reference;

    /// <summary>Builds the term from stored parameters.</summary>
    /// <exception cref="ArgumentException">A reference is not positive and finite, or the exponent is negative or not finite.</exception>
    public NoveltyInflation(IReadOnlyDictionary<int, double> referenceByElement, double defaultReference, double exponent)
    {
        ArgumentNullException.ThrowIfNull(referenceByElement);
        foreach (var (z, v) in referenceByElement)
            if (!(v > 0) || !double.IsFinite(v)) throw new ArgumentException($"The novelty reference of Z = {z} is {v}; it must be positive and finite.", nameof(referenceByElement));
        if (!(defaultReference > 0) || !double.IsFinite(defaultReference)) throw new ArgumentException($"The default novelty reference is {defaultReference}; it must be positive and finite.", nameof(defaultReference));
        if (!(exponent >= 0) || !double.IsFinite(exponent)) throw new ArgumentException($"The exponent is {exponent}; it must be finite and ≥ 0.", nameof(exponent));
        _reference = new Dictionary<int, double>(referenceByElement);
        DefaultReference = defaultReference;
        Exponent = exponent;
    }

    /// <summary>ν_ref(Z): the largest calibration novelty of each element seen in calibration.</summary>
    public IReadOnlyDictionary<int, double> ReferenceByElement => _reference;

    /// <summary>ν_ref for elements absent from the calibration set: the largest novelty of any calibration atom.</summary>
    public double DefaultReference { get; }

    /// <summary>β (0 switches the term off).</summary>
    public double Exponent { get; }

    /// <summary>ν_ref of element <paramref name="z"/>.</summary>
    public double Reference(int z) => _reference.TryGetValue(z, out double v) ? v : DefaultReference;

    /// <summary>Fits the references from the calibration structures' atom novelties and atomic numbers.</summary>
    /// <exception cref="ArgumentException">No atoms, or lengths differ.</exception>
    public static NoveltyInflation Fit(IEnumerable<(double[] Novelty, int[] Numbers)> calibration, double exponent = DefaultExponent)
    {
        var reference = new Dictionary<int, double>();
        double all = 0;
        foreach (var (nov, numbers) in calibration)
        {
            if (nov.Length != numbers.Length) throw new ArgumentException($"{numbers.Length} atoms but {nov.Length} novelties.", nameof(calibration));
            for (int a = 0; a < nov.Length; a++)
            {
                double v = nov[a];
                if (!double.IsFinite(v)) continue;
                reference[numbers[a]] = Math.Max(reference.GetValueOrDefault(numbers[a]), v);
                all = Math.Max(all, v);
            }
        }
        if (!(all > 0)) throw new ArgumentException("The calibration structures have no atom with a positive novelty.", nameof(calibration));
        // an element whose calibration atoms all have novelty 0 (only possible for degenerate features) falls back to the global one
        foreach (var z in reference.Where(kv => !(kv.Value > 0)).Select(kv => kv.Key).ToList()) reference.Remove(z);
        return new NoveltyInflation(reference, all, exponent);
    }

    /// <summary>The factor of one atom: max(1, ν/ν_ref(Z))^β.</summary>
    public double AtomFactor(int z, double novelty) =>
        Exponent == 0 || !(novelty > Reference(z)) ? 1.0 : Math.Pow(novelty / Reference(z), Exponent);

    /// <summary>The factor of a structure: the largest of its atoms' factors.</summary>
    public double StructureFactor(ReadOnlySpan<double> atomNovelty, ReadOnlySpan<int> numbers)
    {
        double f = 1;
        for (int a = 0; a < numbers.Length; a++) f = Math.Max(f, AtomFactor(numbers[a], atomNovelty[a]));
        return f;
    }
}
