using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CatPot.Chemistry;

namespace CatPot.Models;

/// <summary>
/// The non-trainable values saved with a model (safetensors <c>__metadata__</c>): hyperparameters, head kind,
/// element reference energies, target normalisation (mu, sd), HL-Gauss support (lo, hi), force scale and
/// a description of the training set. Written like the PyTorch peer (one <c>catpot</c> key holding the whole
/// JSON object, and every field again as its own key) and read tolerantly (either style, common aliases,
/// references keyed by Z, by element symbol or as a list indexed by Z).
/// </summary>
public sealed class ModelMetadata
{
    /// <summary>The format tag written by this version.</summary>
    public const string CurrentFormat = "catpot-v1";

    private const string CombinedKey = "catpot";

    private static readonly (string Field, string[] Aliases)[] AliasTable =
    [
        ("format", ["format", "format_version", "version"]),
        ("head", ["head", "head_kind", "energy_head", "headKind", "EnergyHead", "head_type"]),
        ("F", ["F", "features", "n_features", "hidden", "feature_width", "width"]),
        ("L", ["L", "layers", "n_layers", "num_layers", "n_interactions"]),
        ("n_rbf", ["n_rbf", "nRbf", "num_rbf", "rbf", "NRbf"]),
        ("r_c", ["r_c", "rc", "cutoff", "r_cut", "Cutoff"]),
        ("K", ["K", "bins", "n_bins", "num_bins"]),
        ("sigma_ratio", ["sigma_ratio", "sigmaRatio", "SigmaRatio"]),
        ("T", ["T", "temperature", "Temperature"]),
        ("eps", ["eps", "epsilon", "Eps"]),
        ("element_refs", ["element_refs", "element_references", "elementRefs", "refs", "ref", "ElementRefs", "references"]),
        ("mu", ["mu", "mean", "Mu"]),
        ("sd", ["sd", "std", "Sd", "sigma_y"]),
        ("lo", ["lo", "Lo", "bin_lo", "y_lo"]),
        ("hi", ["hi", "Hi", "bin_hi", "y_hi"]),
        ("force_rms", ["force_rms", "forceRms", "ForceRms", "f_rms"]),
        ("training_set", ["training_set", "train_set", "dataset", "training", "description", "trainingSet"]),
    ];

    /// <summary>Format tag, "catpot-v1".</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Energy head kind.</summary>
    public EnergyHeadKind Head { get; init; } = EnergyHeadKind.HLGauss;

    /// <summary>Scalar feature width F (even).</summary>
    public int F { get; init; } = 128;

    /// <summary>Number of interaction + mixing layers L.</summary>
    public int L { get; init; } = 3;

    /// <summary>Radial basis size n_rbf.</summary>
    public int RbfCount { get; init; } = 20;

    /// <summary>Cutoff radius r_c in Å.</summary>
    public double Cutoff { get; init; } = 5.0;

    /// <summary>Number of HL-Gauss bins K.</summary>
    public int K { get; init; } = 128;

    /// <summary>HL-Gauss σ divided by the bin width.</summary>
    public double SigmaRatio { get; init; } = 0.75;

    /// <summary>Softmax temperature T.</summary>
    public double Temperature { get; init; } = 2.0;

    /// <summary>The ε inside every vector norm.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Element reference energies in eV by atomic number; absent elements count as 0.</summary>
    public IReadOnlyDictionary<int, double> ElementReferences { get; init; } = new SortedDictionary<int, double>();

    /// <summary>Mean of the training per-atom referenced energies (eV/atom).</summary>
    public double Mu { get; init; }

    /// <summary>Population standard deviation of the training per-atom referenced energies (eV/atom).</summary>
    public double Sd { get; init; } = 1.0;

    /// <summary>Lower end of the HL-Gauss support (y_n units).</summary>
    public double Lo { get; init; } = -5.0;

    /// <summary>Upper end of the HL-Gauss support (y_n units).</summary>
    public double Hi { get; init; } = 5.0;

    /// <summary>RMS of the training force components (eV/Å); scales the direct force head.</summary>
    public double ForceRms { get; init; } = 1.0;

    /// <summary>Free-form description of the training set (counts, elements, domains, source).</summary>
    public JsonObject TrainingSet { get; init; } = [];

    /// <summary>The HL-Gauss support these values define.</summary>
    public HLGaussSupport CreateSupport() => new(Lo, Hi, K);

    /// <summary>Σ_i ref[Z_i] in eV (elements without a reference count 0).</summary>
    public double ReferenceEnergy(ReadOnlySpan<int> numbers)
    {
        double s = 0;
        foreach (int z in numbers) if (ElementReferences.TryGetValue(z, out double e)) s += e;
        return s;
    }

    /// <summary>The normalised per-atom target y_n = ((E − Σ ref)/N − mu)/sd of a total energy.</summary>
    public double NormalisedTarget(double energy, int atomCount, double referenceEnergy) =>
        ((energy - referenceEnergy) / atomCount - Mu) / Sd;

    /// <summary>The total energy E = N (sd·y_n + mu) + Σ ref of a normalised per-atom value.</summary>
    public double TotalEnergy(double normalised, int atomCount, double referenceEnergy) =>
        atomCount * (Sd * normalised + Mu) + referenceEnergy;

    /// <summary>All fields as one JSON object, with the contract's key names.</summary>
    public JsonObject ToJsonObject()
    {
        var refs = new JsonObject();
        foreach (var (z, e) in ElementReferences.OrderBy(kv => kv.Key)) refs[z.ToString(CultureInfo.InvariantCulture)] = e;
        return new JsonObject
        {
            ["format"] = Format,
            ["head"] = HeadName(Head),
            [nameof(F)] = F,
            [nameof(L)] = L,
            ["n_rbf"] = RbfCount,
            ["r_c"] = Cutoff,
            [nameof(K)] = K,
            ["sigma_ratio"] = SigmaRatio,
            ["T"] = Temperature,
            ["eps"] = Eps,
            ["element_refs"] = refs,
            ["mu"] = Mu,
            ["sd"] = Sd,
            ["lo"] = Lo,
            ["hi"] = Hi,
            ["force_rms"] = ForceRms,
            ["training_set"] = TrainingSet.DeepClone(),
        };
    }

    /// <summary>
    /// The safetensors <c>__metadata__</c> map: key <c>catpot</c> holds the whole JSON object; every field is
    /// also its own key (strings plain, numbers and objects JSON-encoded), as the PyTorch peer writes it.
    /// </summary>
    public Dictionary<string, string> ToSafeTensorsMetadata()
    {
        var obj = ToJsonObject();
        var md = new Dictionary<string, string>(StringComparer.Ordinal) { [CombinedKey] = obj.ToJsonString() };
        foreach (var (k, v) in obj)
            md[k] = v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>() : v!.ToJsonString();
        return md;
    }

    /// <summary>Reads the metadata of a safetensors file; missing hyperparameters are taken from the tensor shapes.</summary>
    /// <exception cref="ModelFileException">A required value is missing or a value is malformed.</exception>
    public static ModelMetadata FromSafeTensors(SafeTensorsFile file) =>
        FromSafeTensorsMetadata(file.Metadata, file.Tensors, file.ToString());

    /// <summary>
    /// Reads a <c>__metadata__</c> map in either style (combined <c>catpot</c> object and/or one key per field,
    /// nested groups, aliases such as <c>cutoff</c>, <c>bins</c>, <c>temperature</c>). F, L, n_rbf, K and the head
    /// are taken from <paramref name="tensors"/> where the metadata lacks them. mu, sd, force_rms and the element
    /// references (and lo, hi for HL-Gauss) are required: without them the model's energies are meaningless.
    /// </summary>
    /// <exception cref="ModelFileException">A required value is missing or a value is malformed.</exception>
    public static ModelMetadata FromSafeTensorsMetadata(IReadOnlyDictionary<string, string> metadata,
        IReadOnlyDictionary<string, SafeTensorsEntry>? tensors, string sourceName)
    {
        var flat = Flatten(metadata);
        var found = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var foundKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, aliases) in AliasTable)
        {
            string? hit = aliases.FirstOrDefault(flat.ContainsKey)
                ?? aliases.Select(a => flat.Keys.FirstOrDefault(k => string.Equals(k, a, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(k => k is not null);
            if (hit is null) continue;
            found[field] = flat[hit];
            foundKey[field] = hit;
        }

        var reader = new FieldReader(found, foundKey, sourceName);
        EnergyHeadKind? head = found.ContainsKey("head") ? ParseHead(reader.Text("head")) : null;
        int? f = reader.OptionalInt("F"), l = reader.OptionalInt("L"), nRbf = reader.OptionalInt("n_rbf"), k = reader.OptionalInt("K");

        if (tensors is not null)
        {
            if (f is null && tensors.TryGetValue("embedding.z.weight", out var emb) && emb.Shape.Length == 2) f = emb.Shape[1];
            if (l is null)
            {
                var idx = new HashSet<string>(StringComparer.Ordinal);
                foreach (var name in tensors.Keys)
                    if (name.StartsWith("layers.", StringComparison.Ordinal) && name.Split('.') is { Length: > 2 } parts) idx.Add(parts[1]);
                if (idx.Count > 0) l = idx.Count;
            }
            if (nRbf is null && tensors.TryGetValue("layers.0.message.filter.weight", out var filt) && filt.Shape.Length == 2) nRbf = filt.Shape[1];
            if (tensors.TryGetValue("energy.mlp2.weight", out var mlp2) && mlp2.Shape.Length == 2)
            {
                head ??= mlp2.Shape[0] == 1 ? EnergyHeadKind.Mae : EnergyHeadKind.HLGauss;
                if (head == EnergyHeadKind.HLGauss) k ??= mlp2.Shape[0];
            }
        }

        var missing = new List<string>();
        if (head is null) missing.Add("head");
        if (f is null) missing.Add("F");
        if (l is null) missing.Add("L");
        if (nRbf is null) missing.Add("n_rbf");
        foreach (var key in new[] { "mu", "sd", "force_rms", "element_refs" })
            if (!found.ContainsKey(key)) missing.Add(key);
        if (head == EnergyHeadKind.HLGauss)
            foreach (var key in new[] { "lo", "hi" })
                if (!found.ContainsKey(key)) missing.Add(key);
        if (missing.Count > 0)
            throw new ModelFileException(sourceName, "__metadata__",
                $"missing {string.Join(", ", missing)}. Expected them in the '{CombinedKey}' JSON object or as keys of their own " +
                $"(accepted names: {string.Join("; ", AliasTable.Where(a => missing.Contains(a.Field)).Select(a => string.Join("/", a.Aliases)))}).");

        var result = new ModelMetadata
        {
            Format = found.ContainsKey("format") ? reader.Text("format") : CurrentFormat,
            Head = head!.Value,
            F = f!.Value,
            L = l!.Value,
            RbfCount = nRbf!.Value,
            K = k ?? 128,
            Cutoff = reader.OptionalDouble("r_c") ?? 5.0,
            SigmaRatio = reader.OptionalDouble("sigma_ratio") ?? 0.75,
            Temperature = reader.OptionalDouble("T") ?? 2.0,
            Eps = reader.OptionalDouble("eps") ?? 1e-8,
            Mu = reader.OptionalDouble("mu")!.Value,
            Sd = reader.OptionalDouble("sd")!.Value,
            Lo = reader.OptionalDouble("lo") ?? -5.0,
            Hi = reader.OptionalDouble("hi") ?? 5.0,
            ForceRms = reader.OptionalDouble("force_rms")!.Value,
            ElementReferences = ParseReferences(found["element_refs"], sourceName, foundKey["element_refs"]),
            TrainingSet = ParseTrainingSet(found.GetValueOrDefault("training_set")),
        };
        result.Check(sourceName);
        return result;
    }

    /// <summary>The metadata name of a head kind ("mae" or "hlgauss").</summary>
    public static string HeadName(EnergyHeadKind head) => head == EnergyHeadKind.HLGauss ? "hlgauss" : "mae";

    private void Check(string source)
    {
        void Fail(string key, string what) => throw new ModelFileException(source, "__metadata__", $"{key} {what}.");
        if (F < 2 || F % 2 != 0) Fail("F", $"must be a positive even number; found {F}");
        if (L < 1) Fail("L", $"must be at least 1; found {L}");
        if (RbfCount < 1) Fail("n_rbf", $"must be at least 1; found {RbfCount}");
        if (K < 1) Fail("K", $"must be at least 1; found {K}");
        if (!(Cutoff > 0) || !double.IsFinite(Cutoff)) Fail("r_c", $"must be a positive number of Å; found {Cutoff}");
        if (!(Sd > 0) || !double.IsFinite(Sd)) Fail("sd", $"must be positive and finite; found {Sd}");
        if (!double.IsFinite(Mu)) Fail("mu", $"must be finite; found {Mu}");
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) Fail("T", $"must be positive; found {Temperature}");
        if (!(SigmaRatio > 0) || !double.IsFinite(SigmaRatio)) Fail("sigma_ratio", $"must be positive; found {SigmaRatio}");
        if (!(Eps >= 0) || !double.IsFinite(Eps)) Fail("eps", $"must be non-negative; found {Eps}");
        if (!double.IsFinite(ForceRms) || ForceRms < 0) Fail("force_rms", $"must be a non-negative number; found {ForceRms}");
        if (Head == EnergyHeadKind.HLGauss && !(double.IsFinite(Lo) && double.IsFinite(Hi) && Hi > Lo))
            Fail("lo/hi", $"must be finite with lo < hi; found lo = {Lo}, hi = {Hi}");
    }

    private static EnergyHeadKind ParseHead(string text)
    {
        string h = text.ToLowerInvariant();
        return h.Contains("gauss", StringComparison.Ordinal) || h.Contains("hl", StringComparison.Ordinal) || h.Contains("class", StringComparison.Ordinal)
            ? EnergyHeadKind.HLGauss : EnergyHeadKind.Mae;
    }

    private static Dictionary<string, JsonNode?> Flatten(IReadOnlyDictionary<string, string> metadata)
    {
        var flat = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        string[] markers = ["head", "mu", "sd", "force_rms", "element_refs", "hyperparameters"];
        // 1. a key holding one JSON object with the fields (the peer's "catpot"), the combined key first
        foreach (var (_, v) in metadata.OrderBy(kv => kv.Key == CombinedKey ? 0 : 1).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            if (MaybeJson(v) is JsonObject o && markers.Any(o.ContainsKey))
                foreach (var (kk, vv) in o) flat.TryAdd(kk, vv?.DeepClone());
        // 2. keys of their own
        foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) flat.TryAdd(k, MaybeJson(v));
        // 3. nested groups such as {"hyperparameters": {...}, "stats": {...}}
        var groupExempt = AliasTable.Where(a => a.Field is "element_refs" or "training_set").SelectMany(a => a.Aliases).ToHashSet(StringComparer.Ordinal);
        foreach (var key in flat.Keys.ToList())
            if (flat[key] is JsonObject g && !groupExempt.Contains(key))
                foreach (var (kk, vv) in g) flat.TryAdd(kk, vv?.DeepClone());
        return flat;
    }

    private static JsonNode? MaybeJson(string v)
    {
        try
        {
            return JsonNode.Parse(v) ?? JsonValue.Create(v);
        }
        catch (JsonException)
        {
            return JsonValue.Create(v);
        }
    }

    private static SortedDictionary<int, double> ParseReferences(JsonNode? node, string source, string key)
    {
        if (node is JsonValue sv && sv.GetValueKind() == JsonValueKind.String) node = MaybeJson(sv.GetValue<string>());
        var refs = new SortedDictionary<int, double>();
        if (node is JsonArray arr)
        {
            for (int z = 0; z < arr.Count; z++)
            {
                double? e = arr[z] is null ? null : FieldReader.ToDouble(arr[z]!, source, $"{key}[{z}]");
                if (e is { } x && x != 0.0) refs[z] = x;
            }
            return refs;
        }
        if (node is not JsonObject obj)
            throw new ModelFileException(source, "__metadata__", $"{key} must be an object {{Z or symbol: eV}} or a list indexed by Z; found {node?.GetValueKind().ToString() ?? "null"}.");
        foreach (var (k, v) in obj)
        {
            int z;
            if (int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out int zi)) z = zi;
            else if (!Elements.TryGetAtomicNumber(k, out z))
                throw new ModelFileException(source, "__metadata__", $"{key} has key '{k}', which is neither an atomic number nor an element symbol.");
            if (z < 1 || z > Elements.MaxAtomicNumber)
                throw new ModelFileException(source, "__metadata__", $"{key} has atomic number {z}; expected 1..{Elements.MaxAtomicNumber}.");
            if (v is null) throw new ModelFileException(source, "__metadata__", $"{key}[{k}] is null; expected a number of eV.");
            refs[z] = FieldReader.ToDouble(v, source, $"{key}[{k}]");
        }
        return refs;
    }

    private static JsonObject ParseTrainingSet(JsonNode? node) => node switch
    {
        null => [],
        JsonObject o => (JsonObject)o.DeepClone(),
        _ => new JsonObject { ["description"] = node.DeepClone() },
    };

    /// <summary>Typed access to the fields found in the metadata, with messages that name the key.</summary>
    private sealed class FieldReader(Dictionary<string, JsonNode?> found, Dictionary<string, string> keys, string source)
    {
        public string Text(string field)
        {
            var n = found[field];
            return n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
                : n?.ToJsonString() ?? throw new ModelFileException(source, "__metadata__", $"{keys[field]} is null; expected text.");
        }

        public double? OptionalDouble(string field) =>
            found.TryGetValue(field, out var n) ? ToDouble(n ?? throw new ModelFileException(source, "__metadata__", $"{keys[field]} is null; expected a number."), source, keys[field]) : null;

        public int? OptionalInt(string field)
        {
            if (OptionalDouble(field) is not { } d) return null;
            if (d != Math.Round(d) || d < int.MinValue || d > int.MaxValue)
                throw new ModelFileException(source, "__metadata__", $"{keys[field]} must be an integer; found {d}.");
            return (int)d;
        }

        public static double ToDouble(JsonNode n, string source, string key)
        {
            if (n is JsonValue v)
            {
                if (v.GetValueKind() == JsonValueKind.Number) return v.GetValue<double>();
                if (v.GetValueKind() == JsonValueKind.String &&
                    double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out double x)) return x;
            }
            throw new ModelFileException(source, "__metadata__", $"{key} must be a number; found {n.ToJsonString()}.");
        }
    }
}
