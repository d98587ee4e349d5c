using System.Globalization;
using System.Text.Json.Nodes;
using CatPot.Models;
using CatPot.Models.Heads;

namespace CatPot.Uncertainty;

/// <summary>
/// The fitted post-hoc uncertainty of one model: feature density and last-layer rigidity (fitted on the training set),
/// a fused log-error model and its conformal factors (fitted on calibration structures from parents not used in
/// training). Stored in the model file as <c>uncertainty.*</c> tensors (float64) and one metadata key,
/// <see cref="MetadataKey"/>, holding a JSON object; both are readable with Python's <c>safetensors</c>.
/// </summary>
public sealed class UncertaintyModel
{
    /// <summary>The safetensors metadata key of the JSON description.</summary>
    public const string MetadataKey = ModelMetadata.UncertaintyKey;

    /// <summary>Format tag of the stored description.</summary>
    public const string Format = "catpot-uncertainty-v1";

    private const string Prefix = ModelContract.UncertaintyTensorPrefix;

    /// <summary>Bundles fitted parts.</summary>
    public UncertaintyModel(FeatureDensity density, LastLayerRigidity rigidity, LogErrorModel energyModel, NormalisedResidualQuantiles energyQuantiles,
        LogErrorModel atomModel, NormalisedResidualQuantiles atomQuantiles, int topAtoms, JsonObject? provenance = null, NoveltyInflation? inflation = null, BondSupport? bonds = null)
    {
        Inflation = inflation;
        Bonds = bonds;
        Density = density;
        Rigidity = rigidity;
        EnergyModel = energyModel;
        EnergyQuantiles = energyQuantiles;
        AtomModel = atomModel;
        AtomQuantiles = atomQuantiles;
        TopAtoms = topAtoms;
        Provenance = provenance ?? [];
    }

    /// <summary>Per-element feature density.</summary>
    public FeatureDensity Density { get; }

    /// <summary>Last-layer prediction rigidity.</summary>
    public LastLayerRigidity Rigidity { get; }

    /// <summary>Fused structure-level log-error model.</summary>
    public LogErrorModel EnergyModel { get; }

    /// <summary>Conformal ratios |ΔE| / u of the calibration structures.</summary>
    public NormalisedResidualQuantiles EnergyQuantiles { get; }

    /// <summary>Per-atom model: ln(per-atom error) from ln(novelty) and rarity of the worst atoms.</summary>
    public LogErrorModel AtomModel { get; }

    /// <summary>Conformal ratios of the per-atom model.</summary>
    public NormalisedResidualQuantiles AtomQuantiles { get; }

    /// <summary>The out-of-domain novelty term; null for a model calibrated before it existed (factor 1 everywhere).</summary>
    public NoveltyInflation? Inflation { get; }

    /// <summary>The geometric out-of-domain term; null for a model calibrated before it existed (factor 1 everywhere).</summary>
    public BondSupport? Bonds { get; }

    /// <summary>k of the top-k mean novelty.</summary>
    public int TopAtoms { get; }

    /// <summary>Where the calibration came from (data, counts); stored with the model.</summary>
    public JsonObject Provenance { get; }

    /// <summary>The raw signals of a structure under the fitted density and rigidity.</summary>
    public SignalFeatures Signals(StructureSignals s) => ComputeSignals(Density, Rigidity, s, TopAtoms);

    /// <summary>The raw signals of a structure under given estimators.</summary>
    public static SignalFeatures ComputeSignals(FeatureDensity density, LastLayerRigidity rigidity, StructureSignals s, int topAtoms)
    {
        var nov = density.AtomNovelties(s.AtomFeatures, s.Numbers);
        var rarity = s.Numbers.Select(density.Rarity).ToArray();
        bool unseen = false;
        foreach (int z in s.Numbers) unseen |= !density.HasElement(z);
        return new SignalFeatures
        {
            AtomCount = s.AtomCount,
            Numbers = s.Numbers,
            NearestNeighbour = s.NearestNeighbour,
            AtomNovelty = nov,
            NoveltyMax = FeatureDensity.Max(nov),
            NoveltyTopMean = FeatureDensity.TopMean(nov, topAtoms),
            NoveltyMean = nov.Average(),
            AtomRarity = rarity,
            RarityMax = rarity.Max(),
            UnseenElement = unseen,
            Rigidity = rigidity.Score(s.ReadoutFeatures),
            Entropy = s.Entropy,
            HistogramStd = s.HistogramStd,
            TailMass = s.TailMass,
        };
    }

    /// <summary>The calibrated uncertainty of a structure.</summary>
    public UncertaintyEstimate Estimate(StructureSignals s) => Estimate(Signals(s));

    /// <summary>The calibrated uncertainty from already computed signals.</summary>
    public UncertaintyEstimate Estimate(SignalFeatures f)
    {
        var row = EnergyModel.Names.Select(f.Feature).ToArray();
        double logU = EnergyModel.LogSize(row);
        double inflation = Inflation?.StructureFactor(f.AtomNovelty, f.Numbers) ?? 1.0;
        var nn = Bonds is null ? null : f.NearestNeighbour;
        double bond = nn is null ? 1.0 : Bonds!.StructureFactor(f.Numbers, nn);
        // A model that overflows (non-finite features, far outside its training data) knows nothing there: such a
        // structure's uncertainty is infinite, not NaN, so every limit and ranking treats it as the least certain.
        double energyStd = NaNAsInfinite(Math.Exp(Math.Min(logU, 700)) * EnergyQuantiles.StdFactor * inflation * bond);
        var atoms = new double[f.AtomCount];
        double atomFactor = AtomQuantiles.StdFactor;
        for (int a = 0; a < atoms.Length; a++)
            atoms[a] = NaNAsInfinite(AtomModel.Size([Math.Log(Math.Max(f.AtomNovelty[a], 1e-300)), f.AtomRarity[a]]) * atomFactor
                * (Inflation?.AtomFactor(f.Numbers[a], f.AtomNovelty[a]) ?? 1.0) * (nn is null ? 1.0 : Bonds!.AtomFactor(f.Numbers[a], nn[a])));
        return new UncertaintyEstimate { EnergyStd = energyStd, AtomUncertainty = atoms, LogSize = logU, NoveltyInflation = inflation, BondFactor = bond, Signals = f };
    }

    private static double NaNAsInfinite(double std) => double.IsNaN(std) ? double.PositiveInfinity : std;

    /// <summary>The tensors and the metadata entry that store this model in a safetensors file.</summary>
    public (List<KeyValuePair<string, SafeTensorsEntry>> Tensors, KeyValuePair<string, string> Metadata) ToSafeTensors()
    {
        var t = new List<KeyValuePair<string, SafeTensorsEntry>>();
        void Add(string name, double[] data, params int[] shape) => t.Add(new(Prefix + name, SafeTensorsEntry.FromFloat64(shape, data)));
        void AddMixture(string name, GaussianMixture g)
        {
            int k = g.Components, d = g.Dimension;
            Add(name + ".weights", g.Weights, k);
            Add(name + ".means", g.Means, k, d);
            Add(name + ".covariances", g.Covariances, k, d, d);
        }
        foreach (var (z, g) in Density.ByElement.OrderBy(kv => kv.Key)) AddMixture($"density.z{z.ToString(CultureInfo.InvariantCulture)}", g);
        AddMixture("density.pooled", Density.Pooled);
        Add("rigidity.gram", Rigidity.RegularisedGram, Rigidity.Dimension, Rigidity.Dimension);
        void AddModel(string name, LogErrorModel m, NormalisedResidualQuantiles q)
        {
            Add(name + ".means", m.Means, m.Names.Length);
            Add(name + ".scales", m.Scales, m.Names.Length);
            Add(name + ".weights", m.Weights, m.Names.Length);
            Add(name + ".ratios", q.SortedRatios, q.SortedRatios.Length);
        }
        AddModel("energy", EnergyModel, EnergyQuantiles);
        AddModel("atom", AtomModel, AtomQuantiles);
        var json = new JsonObject
        {
            ["format"] = Format,
            ["elements"] = new JsonArray(Density.ByElement.Keys.Order().Select(z => (JsonNode)z).ToArray()),
            ["element_atoms"] = new JsonArray(Density.ByElement.Keys.Order().Select(z => (JsonNode)Density.AtomCounts[z]).ToArray()),
            ["feature_dim"] = Density.Dimension,
            ["readout_dim"] = Rigidity.Dimension,
            ["top_atoms"] = TopAtoms,
            ["tail_fraction"] = SignalExtractor.TailFraction,
            ["energy_features"] = new JsonArray(EnergyModel.Names.Select(n => (JsonNode)n).ToArray()),
            ["energy_intercept"] = EnergyModel.Intercept,
            ["energy_std_factor"] = EnergyQuantiles.StdFactor,
            ["atom_features"] = new JsonArray(AtomModel.Names.Select(n => (JsonNode)n).ToArray()),
            ["atom_intercept"] = AtomModel.Intercept,
            ["atom_std_factor"] = AtomQuantiles.StdFactor,
            ["provenance"] = Provenance.DeepClone(),
        };
        if (Inflation is { } inf)
        {
            json["novelty_exponent"] = inf.Exponent;
            json["novelty_reference_default"] = inf.DefaultReference;
            json["novelty_reference"] = new JsonObject(inf.ReferenceByElement.OrderBy(kv => kv.Key)
                .Select(kv => KeyValuePair.Create(kv.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)kv.Value)));
        }
        if (Bonds is { } bonds)
            json["nearest_neighbour_range"] = new JsonObject(bonds.Range.OrderBy(kv => kv.Key)
                .Select(kv => KeyValuePair.Create(kv.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)new JsonArray(kv.Value.Lo, kv.Value.Hi))));
        return (t, new(MetadataKey, json.ToJsonString()));
    }

    /// <summary>A copy of <paramref name="file"/> with this model's tensors and metadata added (any earlier ones replaced).</summary>
    public SafeTensorsFile AddTo(SafeTensorsFile file)
    {
        var (tensors, meta) = ToSafeTensors();
        var kept = file.Tensors.Where(kv => !kv.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        kept.AddRange(tensors);
        var md = file.Metadata.Where(kv => kv.Key != MetadataKey).ToList();
        md.Add(meta);
        return new SafeTensorsFile(kept, md);
    }

    /// <summary>The uncertainty model stored in <paramref name="file"/>, or null when it has none.</summary>
    /// <exception cref="ModelFileException">The stored description or tensors are malformed.</exception>
    public static UncertaintyModel? FromSafeTensors(SafeTensorsFile file)
    {
        if (!file.Metadata.TryGetValue(MetadataKey, out var text)) return null;
        string source = file.ToString();
        try
        {
            var json = JsonNode.Parse(text) as JsonObject ?? throw new FormatException("not a JSON object");
            if ((string?)json["format"] != Format) throw new FormatException($"format '{(string?)json["format"]}' is not {Format}");
            double[] T(string name)
            {
                if (!file.Tensors.TryGetValue(Prefix + name, out var e)) throw new FormatException($"missing tensor '{Prefix + name}'");
                return e.ToDoubleArray();
            }
            int d = (int)json["feature_dim"]!, dr = (int)json["readout_dim"]!;
            GaussianMixture Mixture(string name) => new(T(name + ".weights"), T(name + ".means"), T(name + ".covariances"), d);
            var byElement = new Dictionary<int, GaussianMixture>();
            var counts = new Dictionary<int, long>();
            var elements = json["elements"]!.AsArray();
            var elementAtoms = json["element_atoms"]!.AsArray();
            if (elementAtoms.Count != elements.Count) throw new FormatException($"{elements.Count} elements but {elementAtoms.Count} element_atoms");
            for (int i = 0; i < elements.Count; i++)
            {
                int z = (int)elements[i]!;
                byElement[z] = Mixture($"density.z{z}");
                counts[z] = (long)elementAtoms[i]!;
            }
            var density = new FeatureDensity(byElement, Mixture("density.pooled"), counts);
            var rigidity = new LastLayerRigidity(T("rigidity.gram"), dr);
            // The inputs must be ones the model can give: a histogram input needs a head with a histogram.
            bool histogram = file.Metadata.TryGetValue("head", out var headName) && EnergyHeads.ByName.TryGetValue(headName, out var head) && head.Default.IsDistributional;
            var energyNames = json["energy_features"]!.AsArray().Select(n => (string)n!).ToArray();
            foreach (string n in energyNames)
            {
                if (!SignalFeatures.IsAvailable(n, histogram))
                    throw new FormatException(SignalFeatures.IsAvailable(n, histogram: true)
                        ? $"energy_features names '{n}', which needs a histogram that the model's head ('{headName}') does not give"
                        : $"energy_features names an unknown input '{n}'");
            }
            // The per-atom inputs are fixed and passed by position.
            var atomNames = json["atom_features"]!.AsArray().Select(n => (string)n!).ToArray();
            if (!atomNames.SequenceEqual(SignalFeatures.AtomNames)) throw new FormatException($"atom_features must be [{string.Join(", ", SignalFeatures.AtomNames)}]");
            (LogErrorModel, NormalisedResidualQuantiles) Model(string name, string[] names, string interceptKey) =>
                (new LogErrorModel(names, T(name + ".means"), T(name + ".scales"), T(name + ".weights"), (double)json[interceptKey]!),
                 new NormalisedResidualQuantiles(T(name + ".ratios")));
            var (em, eq) = Model("energy", energyNames, "energy_intercept");
            var (am, aq) = Model("atom", atomNames, "atom_intercept");
            NoveltyInflation? inflation = null;
            if (json["novelty_exponent"] is { } exponent)
                inflation = new NoveltyInflation(
                    json["novelty_reference"]!.AsObject().ToDictionary(kv => int.Parse(kv.Key, CultureInfo.InvariantCulture), kv => (double)kv.Value!),
                    (double)json["novelty_reference_default"]!, (double)exponent);
            BondSupport? bonds = null;
            if (json["nearest_neighbour_range"] is JsonObject ranges)
                bonds = new BondSupport(ranges.ToDictionary(kv => int.Parse(kv.Key, CultureInfo.InvariantCulture),
                    kv => ((double)kv.Value!.AsArray()[0]!, (double)kv.Value!.AsArray()[1]!)));
            return new UncertaintyModel(density, rigidity, em, eq, am, aq, (int)json["top_atoms"]!, json["provenance"] as JsonObject is { } p ? (JsonObject)p.DeepClone() : null, inflation, bonds);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or System.Text.Json.JsonException or NullReferenceException)
        {
            throw new ModelFileException(source, MetadataKey, $"the stored uncertainty model is unreadable: {e.Message}. Refit it with `catpot calibrate`.", e);
        }
    }
}
