using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CatPot.Chemistry;
using CatPot.Models.Heads;

namespace CatPot.Models;

/// <summary>
/// The one description of a saved model: its hyperparameters and energy head with the head's settings
/// (<see cref="PotentialConfig"/>), the statistics it was trained with (<see cref="PotentialStatistics"/>) and a
/// free-form description of the training set, with its strict mapping to the safetensors <c>__metadata__</c> map.
/// Written like the PyTorch peer (one <c>catpot</c> key holding the whole JSON object, and every field again as its own
/// key); read strictly: every key must be one of the contract's (<see cref="Keys"/>), the head must be in
/// <see cref="EnergyHeads"/>, sizes are bounded before anything is allocated, and every statistic must be finite and
/// in range. Files of the v1 heads (<c>mae</c>, <c>hlgauss</c>) are <c>catpot-v1</c>, exactly as <c>spec/model.md</c>;
/// other heads write <c>catpot-v2</c>, which adds <c>head_settings</c>.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>The format tag of the contract's v1 heads.</summary>
    public const string CurrentFormat = "catpot-v1";

    /// <summary>The format tag of files whose head has its own settings (<c>head_settings</c>).</summary>
    public const string HeadSettingsFormat = "catpot-v2";

    /// <summary>Largest accepted F, L, n_rbf (and bins, through the head's validation): far above any real model, small enough to allocate.</summary>
    public const int MaxFeatures = 4096, MaxLayers = 64, MaxRadialBasis = 1024;

    private const string CombinedKey = "catpot";

    /// <summary>
    /// The metadata key of the post-hoc uncertainty estimators stored in the same file (read by
    /// <c>CatPot.Uncertainty.UncertaintyModel</c>, not by this class; its tensors start with
    /// <see cref="ModelContract.UncertaintyTensorPrefix"/>).
    /// </summary>
    public const string UncertaintyKey = "catpot_uncertainty";

    /// <summary>Every key a model file's metadata may hold (besides <c>catpot</c>).</summary>
    public static IReadOnlyList<string> Keys { get; } =
        ["format", "head", "F", "L", "n_rbf", "r_c", "K", "sigma_ratio", "T", "eps", "element_refs", "mu", "sd", "lo", "hi", "force_rms", "training_set", "head_settings", "charge_refs", "tensor_channels"];

    private static readonly string[] RequiredKeys = ["head", "F", "L", "n_rbf", "mu", "sd", "force_rms", "element_refs"];
    private static readonly string[] SupportKeys = ["lo", "hi"];

    /// <summary>Format tag.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Hyperparameters and the energy head with its settings.</summary>
    public required PotentialConfig Config { get; init; }

    /// <summary>Element references, normalisation, HL-Gauss support and force scale.</summary>
    public required PotentialStatistics Statistics { get; init; }

    /// <summary>Free-form description of the training set (counts, elements, domains, source).</summary>
    public JsonObject TrainingSet { get; init; } = [];

    /// <summary>The description of a model with these settings (format from the head).</summary>
    public static ModelMetadata Of(PotentialConfig config, PotentialStatistics statistics, JsonObject? trainingSet = null) => new()
    {
        // v1 (the peer's contract) when the head and the statistics fit in it; charge references are CatPot's own.
        Format = config.Head.Settings() is null && statistics.Charge.IsNone && !config.TensorFeatures ? CurrentFormat : HeadSettingsFormat,
        Config = config,
        Statistics = statistics,
        TrainingSet = trainingSet is null ? [] : (JsonObject)trainingSet.DeepClone(),
    };

    /// <summary>Σ_i ref[Z_i] plus the charge terms, in eV.</summary>
    public double ReferenceEnergy(ReadOnlySpan<int> numbers, int charge = 0) => Statistics.ReferenceEnergy(numbers, charge);

    /// <summary>The normalised per-atom target y_n = ((E − Σ ref)/N − mu)/sd of a total energy.</summary>
    public double NormalisedTarget(double energy, int atomCount, double referenceEnergy) =>
        ((energy - referenceEnergy) / atomCount - Statistics.Mu) / Statistics.Sd;

    /// <summary>The total energy E = N (sd·y_n + mu) + Σ ref of a normalised per-atom value.</summary>
    public double TotalEnergy(double normalised, int atomCount, double referenceEnergy) =>
        atomCount * (Statistics.Sd * normalised + Statistics.Mu) + referenceEnergy;

    /// <summary>All fields as one JSON object, with the contract's key names.</summary>
    public JsonObject ToJsonObject()
    {
        var refs = new JsonObject();
        var r = Statistics.ElementReferences;
        for (int z = 1; z < r.Length; z++)
            if (r[z] != 0.0) refs[z.ToString(CultureInfo.InvariantCulture)] = r[z];
        var hl = Config.Head as HLGaussHeadConfig ?? new HLGaussHeadConfig();
        var o = new JsonObject
        {
            ["format"] = Format,
            ["head"] = Config.Head.Name,
            ["F"] = Config.Features,
            ["L"] = Config.Layers,
            ["n_rbf"] = Config.RadialBasis,
            ["r_c"] = Config.Cutoff,
            // v1 files always carry K, sigma_ratio and T (the peer reads them for every head).
            ["K"] = hl.Bins,
            ["sigma_ratio"] = hl.SigmaRatio,
            ["T"] = hl.Temperature,
            ["eps"] = Config.Eps,
            ["element_refs"] = refs,
            ["mu"] = Statistics.Mu,
            ["sd"] = Statistics.Sd,
            ["lo"] = Statistics.Lo,
            ["hi"] = Statistics.Hi,
            ["force_rms"] = Statistics.ForceRms,
            ["training_set"] = TrainingSet.DeepClone(),
        };
        if (Config.Head.Settings() is { } settings) o["head_settings"] = settings;
        if (Config.TensorFeatures) o["tensor_channels"] = Config.TensorChannels;
        if (!Statistics.Charge.IsNone)
        {
            o["charge_refs"] = new JsonObject
            {
                ["charge"] = Statistics.Charge.PerCharge,
                ["charge_squared"] = Statistics.Charge.PerChargeSquared,
            };
        }
        return o;
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

    /// <summary>Reads the metadata of a safetensors file.</summary>
    /// <exception cref="ModelFileException">A key is unknown, a required value is missing, or a value is malformed or out of range (the key is named).</exception>
    public static ModelMetadata FromSafeTensors(SafeTensorsFile file) => FromSafeTensorsMetadata(file.Metadata, file.ToString());

    /// <summary>
    /// Reads a <c>__metadata__</c> map: the combined <c>catpot</c> object and/or one key per field. Required: head, F,
    /// L, n_rbf, mu, sd, force_rms, element_refs, and lo, hi for <c>hlgauss</c>.
    /// </summary>
    /// <exception cref="ModelFileException">A key is unknown, a required value is missing, or a value is malformed or out of range (the key is named).</exception>
    public static ModelMetadata FromSafeTensorsMetadata(IReadOnlyDictionary<string, string> metadata, string sourceName)
    {
        ModelFileException Fail(string key, string what) => new(sourceName, "__metadata__", $"{key} {what}");
        var known = new HashSet<string>(Keys, StringComparer.Ordinal);
        foreach (var key in metadata.Keys.Order(StringComparer.Ordinal))
            if (key != CombinedKey && key != UncertaintyKey && !known.Contains(key))
                throw Fail($"'{key}'", $"is not a key of a CatPot model file; expected {CombinedKey}, {UncertaintyKey} or {string.Join(", ", Keys)}.");

        var fields = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (metadata.TryGetValue(CombinedKey, out var combined))
        {
            JsonObject obj;
            try
            {
                obj = JsonNode.Parse(combined, documentOptions: StrictJson) as JsonObject ?? throw new JsonException("not an object");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
            {
                throw Fail($"'{CombinedKey}'", $"must hold one JSON object of the model's fields ({e.Message}).");
            }
            foreach (var (k, v) in obj)
            {
                if (!known.Contains(k)) throw Fail($"'{k}'", $"(in '{CombinedKey}') is not a key of a CatPot model file; expected {string.Join(", ", Keys)}.");
                fields[k] = v?.DeepClone();
            }
        }
        foreach (var (k, v) in metadata)
            if (k != CombinedKey && k != UncertaintyKey && !fields.ContainsKey(k)) fields[k] = k is "format" or "head" ? JsonValue.Create(v) : ParseValue(v);

        var reader = new FieldReader(fields, sourceName);
        string format = fields.ContainsKey("format") ? reader.Text("format") : CurrentFormat;
        if (format is not (CurrentFormat or HeadSettingsFormat))
            throw Fail("format", $"is '{format}'; this CatPot reads {CurrentFormat} and {HeadSettingsFormat}. The file was written by a newer or another program.");
        var missing = RequiredKeys.Where(k => !fields.ContainsKey(k)).ToList();
        string headName = fields.ContainsKey("head") ? reader.Text("head") : "";
        if (headName == HLGaussHeadConfig.HeadName) missing.AddRange(SupportKeys.Where(k => !fields.ContainsKey(k)));
        if (missing.Count > 0)
            throw Fail("__metadata__", $"lacks {string.Join(", ", missing)}. Expected them in the '{CombinedKey}' JSON object or as keys of their own.");
        if (!EnergyHeads.ByName.ContainsKey(headName))
            throw Fail("head", $"is '{headName}', which is not a head this CatPot knows ({string.Join(", ", EnergyHeads.Names)}).");

        int f = reader.Int("F", 2, MaxFeatures), l = reader.Int("L", 1, MaxLayers), nRbf = reader.Int("n_rbf", 1, MaxRadialBasis);
        if (f % 2 != 0) throw Fail("F", $"must be an even number; found {f}.");
        EnergyHeadConfig head;
        if (headName == HLGaussHeadConfig.HeadName)
        {
            if (fields.ContainsKey("head_settings")) throw Fail("head_settings", "is not used by the v1 head hlgauss (its settings are K, sigma_ratio and T).");
            head = new HLGaussHeadConfig { Bins = reader.Int("K", 2, 65536), SigmaRatio = reader.Positive("sigma_ratio", 0.75), Temperature = reader.Positive("T", 2.0) };
        }
        else if (headName == MaeHeadConfig.HeadName)
        {
            if (fields.ContainsKey("head_settings")) throw Fail("head_settings", "is not used by the v1 head mae.");
            head = new MaeHeadConfig();
        }
        else
        {
            if (format != HeadSettingsFormat) throw Fail("format", $"is '{format}', but head '{headName}' needs {HeadSettingsFormat}.");
            if (fields.GetValueOrDefault("head_settings") is not JsonObject settings) throw Fail("head_settings", $"must be a JSON object with the settings of head '{headName}'.");
            try
            {
                // Files written before a setting existed lack its key: read them with the value they imply, on a copy (the
                // metadata stays as the file has it).
                var implied = EnergyHeads.Default(headName).ImpliedByOlderFiles().Where(kv => !settings.ContainsKey(kv.Key)).ToList();
                if (implied.Count > 0)
                {
                    settings = (JsonObject)settings.DeepClone();
                    foreach (var (key, value) in implied) settings[key] = value;
                }
                head = EnergyHeads.Read(headName, settings);
            }
            catch (ArgumentException e)
            {
                throw Fail("head_settings", $"cannot be read: {e.Message}");
            }
            if (!head.IsFitted)
                throw Fail("head_settings", $"of head '{headName}' has no edges (the support the model was trained with).");
        }
        var config = new PotentialConfig
        {
            Features = f,
            Layers = l,
            RadialBasis = nRbf,
            Cutoff = reader.Positive("r_c", 5.0),
            Eps = reader.Double("eps", 1e-8),
            Head = head,
            TensorChannels = fields.ContainsKey("tensor_channels") ? reader.Int("tensor_channels", 0, MaxFeatures) : 0,
        };
        if (config.TensorFeatures && format != HeadSettingsFormat)
            throw Fail("format", $"is '{format}', but a model with tensor_channels needs {HeadSettingsFormat} (the v1 contract has no rank-2 features).");
        if (!(config.Eps >= 0)) throw Fail("eps", $"must be ≥ 0; found {config.Eps}.");
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw Fail("head", $"settings cannot build a model: {e.Message}");
        }

        double lo = reader.Double("lo", -5.0), hi = reader.Double("hi", 5.0);
        if (!(hi > lo)) throw Fail("lo/hi", $"must satisfy lo < hi; found lo = {lo}, hi = {hi}.");
        var statistics = new PotentialStatistics
        {
            ElementReferences = ParseReferences(fields["element_refs"], sourceName),
            Mu = reader.Double("mu", 0),
            Sd = reader.Positive("sd", 1),
            Lo = lo,
            Hi = hi,
            ForceRms = reader.Positive("force_rms", 1),
            Charge = ParseChargeReferences(fields.GetValueOrDefault("charge_refs"), format, sourceName),
        };
        return new ModelMetadata
        {
            Format = format,
            Config = config,
            Statistics = statistics,
            TrainingSet = fields.GetValueOrDefault("training_set") switch
            {
                null => [],
                JsonObject o => (JsonObject)o.DeepClone(),
                var other => throw Fail("training_set", $"must be a JSON object; found {other.GetValueKind()}."),
            },
        };
    }

    /// <summary>A JSON object with a key written twice is refused when parsed, not later when it is read.</summary>
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    private static JsonNode? ParseValue(string v)
    {
        try
        {
            return JsonNode.Parse(v, documentOptions: StrictJson) ?? JsonValue.Create(v);
        }
        catch (JsonException)
        {
            return JsonValue.Create(v);
        }
    }

    private static double[] ParseReferences(JsonNode? node, string source)
    {
        ModelFileException Fail(string what) => new(source, "__metadata__", $"element_refs {what}");
        if (node is not JsonObject obj)
            throw Fail($"must be an object {{Z: eV}}; found {node?.GetValueKind().ToString() ?? "null"}.");
        if (obj.Count == 0) throw Fail("is empty; a model needs a reference energy for at least one element.");
        var refs = new double[Elements.MaxAtomicNumber + 1];
        foreach (var (k, v) in obj)
        {
            int z;
            if (int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out int zi)) z = zi;
            else if (!Elements.TryGetAtomicNumber(k, out z))
                throw Fail($"has key '{k}', which is neither an atomic number nor an element symbol.");
            if (z < 1 || z > Elements.MaxAtomicNumber)
                throw Fail($"has atomic number {z}; expected 1..{Elements.MaxAtomicNumber}.");
            double e = v is JsonValue jv && jv.GetValueKind() == JsonValueKind.Number ? jv.GetValue<double>()
                : throw Fail($"[{k}] must be a number of eV; found {v?.ToJsonString() ?? "null"}.");
            if (!double.IsFinite(e) || Math.Abs(e) > 1e7) throw Fail($"[{k}] is {e} eV; expected a finite energy below 1e7 eV in size.");
            refs[z] = e;
        }
        return refs;
    }

    private static readonly string[] ChargeReferenceKeys = ["charge", "charge_squared"];

    private static ChargeReference ParseChargeReferences(JsonNode? node, string format, string source)
    {
        ModelFileException Fail(string what) => new(source, "__metadata__", $"charge_refs {what}");
        if (node is null) return ChargeReference.None;
        if (format != HeadSettingsFormat) throw Fail($"needs format {HeadSettingsFormat} (found '{format}'): v1 files have element references only.");
        if (node is not JsonObject obj) throw Fail($"must be an object {{{string.Join(", ", ChargeReferenceKeys.Select(k => $"\"{k}\": eV"))}}}; found {node.GetValueKind()}.");
        var values = new double[ChargeReferenceKeys.Length];
        foreach (var (k, v) in obj)
        {
            int i = Array.IndexOf(ChargeReferenceKeys, k);
            if (i < 0) throw Fail($"has key '{k}'; expected {string.Join(", ", ChargeReferenceKeys)}.");
            double e = v is JsonValue jv && jv.GetValueKind() == JsonValueKind.Number ? jv.GetValue<double>()
                : throw Fail($"[{k}] must be a number of eV; found {v?.ToJsonString() ?? "null"}.");
            if (!double.IsFinite(e) || Math.Abs(e) > 1e5) throw Fail($"[{k}] is {e} eV; expected a finite energy below 1e5 eV in size.");
            values[i] = e;
        }
        return new ChargeReference(values[0], values[1]);
    }

    /// <summary>Typed access to the fields, with messages that name the key.</summary>
    private sealed class FieldReader(Dictionary<string, JsonNode?> fields, string source)
    {
        private ModelFileException Fail(string key, string what) => new(source, "__metadata__", $"{key} {what}");

        public string Text(string key) =>
            fields[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
            : throw Fail(key, $"must be text; found {fields[key]?.ToJsonString() ?? "null"}.");

        public double Double(string key, double fallback)
        {
            if (!fields.TryGetValue(key, out var n)) return fallback;
            double x = n is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>()
                : n is JsonValue s && s.GetValueKind() == JsonValueKind.String && double.TryParse(s.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out double p) ? p
                : throw Fail(key, $"must be a number; found {n?.ToJsonString() ?? "null"}.");
            if (!double.IsFinite(x)) throw Fail(key, $"must be finite; found {x}.");
            return x;
        }

        public double Positive(string key, double fallback)
        {
            double x = Double(key, fallback);
            return x > 0 ? x : throw Fail(key, $"must be > 0; found {x}.");
        }

        public int Int(string key, int min, int max)
        {
            if (!fields.ContainsKey(key)) throw Fail(key, "is missing.");
            double d = Double(key, 0);
            if (d != Math.Round(d)) throw Fail(key, $"must be an integer; found {d}.");
            if (d < min || d > max) throw Fail(key, $"is {d}; expected {min} … {max}.");
            return (int)d;
        }
    }
}
