namespace CatPot.Uncertainty;

/// <summary>
/// The raw per-structure uncertainty signals derived from <see cref="StructureSignals"/> by the fitted density and
/// rigidity estimators, before fusion and calibration (each is also reported on its own).
/// </summary>
public sealed record SignalFeatures
{
    /// <summary>Number of atoms.</summary>
    public required int AtomCount { get; init; }

    /// <summary>Atomic numbers [N] (the elements the novelties and rarities belong to).</summary>
    public required int[] Numbers { get; init; }

    /// <summary>Per-atom feature novelty (squared Mahalanobis distance / d to the atom's element mixture).</summary>
    public required double[] AtomNovelty { get; init; }

    /// <summary>Each atom's nearest-neighbour distance, Å (null when not computed).</summary>
    public double[]? NearestNeighbour { get; init; }

    /// <summary>Largest atom novelty.</summary>
    public required double NoveltyMax { get; init; }

    /// <summary>Mean of the k largest atom novelties.</summary>
    public required double NoveltyTopMean { get; init; }

    /// <summary>Mean atom novelty.</summary>
    public required double NoveltyMean { get; init; }

    /// <summary>Element rarity −ln p(Z) of each atom (the element prior of the feature density).</summary>
    public required double[] AtomRarity { get; init; }

    /// <summary>Largest atom rarity: the structure's rarest element.</summary>
    public required double RarityMax { get; init; }

    /// <summary>True when the structure has an element absent from the training set.</summary>
    public required bool UnseenElement { get; init; }

    /// <summary>LLPR score √(fᵀ(FᵀF + ς²I)⁻¹f) of the readout's last-layer features (per-atom energy scale).</summary>
    public required double Rigidity { get; init; }

    /// <summary>Histogram entropy (nats), or null.</summary>
    public double? Entropy { get; init; }

    /// <summary>Histogram std of the total energy (eV), or null.</summary>
    public double? HistogramStd { get; init; }

    /// <summary>Histogram tail mass, or null.</summary>
    public double? TailMass { get; init; }

    /// <summary>Names of the fused model's inputs available for a head with or without a histogram.</summary>
    public static string[] FusedNames(bool histogram) => histogram ? [.. StructureInputs, .. HistogramInputs] : [.. StructureInputs];

    // The inputs of Feature: those of every model (the fused default, and log_total_rigidity, which fits may choose), and
    // those that need the head's histogram.
    private static readonly string[] StructureInputs = ["log_atoms", "log_novelty_max", "log_novelty_top", "log_novelty_mean", "rarity_max", "log_rigidity"];
    private static readonly string[] OptionalStructureInputs = ["log_total_rigidity"];
    private static readonly string[] HistogramInputs = ["entropy", "log_histogram_std", "tail_mass"];

    /// <summary>Inputs of the per-atom model, in the order <see cref="UncertaintyModel"/> passes them: the atom's log novelty and its rarity.</summary>
    public static string[] AtomNames => ["log_atom_novelty", "atom_rarity"];

    /// <summary>
    /// Whether <see cref="Feature"/> knows <paramref name="name"/> and can give it for a model whose head does
    /// (<paramref name="histogram"/>) or does not give a histogram: for checking a stored uncertainty model when it is read.
    /// </summary>
    public static bool IsAvailable(string name, bool histogram) =>
        StructureInputs.Contains(name) || OptionalStructureInputs.Contains(name) || (histogram && HistogramInputs.Contains(name));

    /// <summary>The value of a fused-model input by name.</summary>
    /// <exception cref="ArgumentException">Unknown name, or a histogram input on a structure without histogram.</exception>
    public double Feature(string name) => name switch
    {
        "log_atoms" => Math.Log(AtomCount),
        "log_novelty_max" => SafeLog(NoveltyMax),
        "log_novelty_top" => SafeLog(NoveltyTopMean),
        "log_novelty_mean" => SafeLog(NoveltyMean),
        "rarity_max" => RarityMax,
        "log_rigidity" => SafeLog(Rigidity),
        "log_total_rigidity" => SafeLog(Rigidity * AtomCount),
        "entropy" => Entropy ?? throw new ArgumentException("The structure has no histogram entropy.", nameof(name)),
        "log_histogram_std" => SafeLog(HistogramStd ?? throw new ArgumentException("The structure has no histogram std.", nameof(name))),
        "tail_mass" => TailMass ?? throw new ArgumentException("The structure has no histogram tail mass.", nameof(name)),
        _ => throw new ArgumentException($"Unknown uncertainty feature '{name}'.", nameof(name)),
    };

    private static double SafeLog(double x) => Math.Log(Math.Max(x, 1e-300));
}
