using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CatPot.Models.Heads;

/// <summary>
/// The table of energy heads: every head's name, a one-line summary and its default configuration. The CLI's
/// <c>--head</c> (choices and help), the model-file reader and the experiment grid all look heads up here, so adding a
/// head is one new file in <c>Models/Heads/</c> and one line below.
/// </summary>
public static class EnergyHeads
{
    /// <summary>One head of the table.</summary>
    /// <param name="Name">Name in files and on the command line.</param>
    /// <param name="Summary">One line for help texts.</param>
    /// <param name="Default">The head with its default settings.</param>
    public sealed record Entry(string Name, string Summary, EnergyHeadConfig Default);

    /// <summary>Every head, in the order help texts list them.</summary>
    public static IReadOnlyList<Entry> All { get; } =
    [
        new(MaeHeadConfig.HeadName, "scalar regression trained with |ŷ − y| (the baseline)", new MaeHeadConfig()),
        new(HLGaussHeadConfig.HeadName, "the paper's HL-Gauss histogram over the training range, cross-entropy (spec v1)", new HLGaussHeadConfig()),
        new(CategoricalHeadConfig.HeadName, "histogram with tail bins, σ in meV/atom, quantile bins, CE + λ·|E[y] − y|", new CategoricalHeadConfig()),
        new(ResidualCategoricalHeadConfig.HeadName, "regression energy plus a histogram over its residual (uncertainty)", new ResidualCategoricalHeadConfig()),
    ];

    /// <summary>
    /// The head <c>catpot train</c> uses when <c>--head</c> is not given: the best categorical configuration on xtb4
    /// validation (<c>docs/results.md</c>), with its default settings.
    /// </summary>
    public const string DefaultName = ResidualCategoricalHeadConfig.HeadName;

    /// <summary>The table by name (ordinal, case-sensitive).</summary>
    public static IReadOnlyDictionary<string, Entry> ByName { get; } = All.ToDictionary(e => e.Name, StringComparer.Ordinal);

    /// <summary>The names, for option choices.</summary>
    public static string[] Names => [.. All.Select(e => e.Name)];

    /// <summary>Help text listing every head.</summary>
    public static string Help => "Energy head: " + string.Join("; ", All.Select(e => $"{e.Name} = {e.Summary}")) + ".";

    /// <summary>The head <paramref name="name"/> with its default settings.</summary>
    /// <exception cref="ArgumentException">No head has that name (the message lists the known ones).</exception>
    public static EnergyHeadConfig Default(string name) =>
        ByName.TryGetValue(name, out var e) ? e.Default
        : throw new ArgumentException($"Unknown energy head '{name}'; known heads: {string.Join(", ", Names)}.");

    private static readonly JsonSerializerOptions Strict = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// The head <paramref name="name"/> with <paramref name="settings"/> (snake_case keys of its configuration record,
    /// e.g. <c>sigma_mev</c>) over its defaults, validated.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown head, unknown or mistyped key, or a value out of range; the message names it.</exception>
    public static EnergyHeadConfig Read(string name, JsonObject? settings)
    {
        var type = Default(name).GetType();
        EnergyHeadConfig config;
        try
        {
            config = (EnergyHeadConfig)((settings ?? []).Deserialize(type, Strict) ?? throw new JsonException("the settings are null"));
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Head '{name}': {e.Message} Settings of '{name}': {string.Join(", ", SettingNames(name))}.", e);
        }
        config.Validate();
        return config;
    }

    /// <summary>The settings of <paramref name="config"/> as a JSON object (snake_case keys), as <see cref="Read"/> reads them.</summary>
    public static JsonObject Write(EnergyHeadConfig config)
    {
        var o = JsonSerializer.SerializeToNode(config, config.GetType(), Strict)!.AsObject();
        o.Remove("name");
        o.Remove("label");
        o.Remove("is_distributional");
        o.Remove("is_fitted");
        return o;
    }

    /// <summary>The setting keys a head accepts.</summary>
    public static IEnumerable<string> SettingNames(string name) => Write(Default(name)).Select(kv => kv.Key).Append("edges").Distinct();
}

/// <summary>
/// JSON form of an <see cref="EnergyHeadConfig"/> in grid files, plans and checkpoints: <c>{"head": name, …settings}</c>
/// (settings as <see cref="EnergyHeads.Write"/>); reading refuses unknown heads and keys.
/// </summary>
public sealed class EnergyHeadConfigConverter : JsonConverter<EnergyHeadConfig>
{
    /// <inheritdoc/>
    public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(EnergyHeadConfig);

    /// <inheritdoc/>
    public override EnergyHeadConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return Parse(reader.GetString()!, null);
        var node = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("An energy head must be a name or an object {\"head\": name, …settings}.");
        return Parse(node["head"]?.GetValue<string>() ?? throw new JsonException("The energy head object lacks \"head\"."), node);
    }

    private static EnergyHeadConfig Parse(string name, JsonObject? node)
    {
        var settings = node is null ? null : (JsonObject)node.DeepClone();
        settings?.Remove("head");
        try
        {
            return EnergyHeads.Read(name, settings);
        }
        catch (ArgumentException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, EnergyHeadConfig value, JsonSerializerOptions options)
    {
        var o = new JsonObject { ["head"] = value.Name };
        foreach (var (k, v) in EnergyHeads.Write(value)) o[k] = v?.DeepClone();
        o.WriteTo(writer);
    }
}
