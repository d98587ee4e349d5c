using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CatPot.Models;
using CatPot.Models.Heads;

namespace CatPot.Experiments;

/// <summary>
/// One configuration of the study: a name and an energy head with its settings (any head of
/// <see cref="EnergyHeads"/>). Everything else (data, model size, optimiser, schedule, budget) is shared by all cells
/// of a grid. In a grid file a cell is <c>{"name": …, "head": …, …the head's settings}</c>, e.g.
/// <c>{"name": "hl128-s0.75", "head": "hlgauss", "bins": 128, "sigma_ratio": 0.75, "temperature": 2}</c>.
/// </summary>
[JsonConverter(typeof(ExperimentCellConverter))]
public sealed record ExperimentCell
{
    /// <summary>Short identifier, used as the run folder name (letters, digits, '-', '_', '.').</summary>
    public required string Name { get; init; }

    /// <summary>The energy head and its settings.</summary>
    public EnergyHeadConfig Head { get; init; } = new HLGaussHeadConfig();

    /// <summary>True for the scalar-regression (MAE) baseline.</summary>
    public bool IsBaseline => Head is MaeHeadConfig;

    /// <summary>The head's softmax temperature, or null for a head without one.</summary>
    public double? Temperature => EnergyHeads.Write(Head)["temperature"] is JsonValue v ? v.GetValue<double>() : null;

    /// <summary>This cell with another softmax temperature (heads with a <c>temperature</c> setting only).</summary>
    public ExperimentCell WithTemperature(string name, double temperature)
    {
        var settings = EnergyHeads.Write(Head);
        settings["temperature"] = temperature;
        return this with { Name = name, Head = EnergyHeads.Read(Head.Name, settings) };
    }

    /// <summary>A human-readable label in the style of the paper's Table 1.</summary>
    public string Label => Head.Label;

    /// <summary>The model configuration of this cell on top of the shared <paramref name="shared"/> settings.</summary>
    public PotentialConfig Apply(PotentialConfig shared) => shared with { Head = Head };

    /// <summary>Throws <see cref="ArgumentException"/> when the name is not a safe folder name or a value is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Name) || Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || Name.StartsWith('.'))
            throw new ArgumentException($"Cell name '{Name}' is not usable as a folder name; use letters, digits, '-', '_' and '.' only.");
        try
        {
            Head.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Cell '{Name}': {e.Message}", e);
        }
    }
}

/// <summary>Reads and writes a cell as <c>{"name", "head", …settings}</c>; unknown heads and keys are refused.</summary>
public sealed class ExperimentCellConverter : JsonConverter<ExperimentCell>
{
    /// <inheritdoc/>
    public override ExperimentCell Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var o = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("A cell must be an object {\"name\": …, \"head\": …, …settings}.");
        string name = o["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : throw new JsonException("A cell needs a \"name\" (text).");
        string head = o["head"] is null ? HLGaussHeadConfig.HeadName
            : o["head"] is JsonValue h && h.GetValueKind() == JsonValueKind.String ? h.GetValue<string>() : throw new JsonException($"Cell '{name}': \"head\" must be text.");
        var settings = (JsonObject)o.DeepClone();
        settings.Remove("name");
        settings.Remove("head");
        try
        {
            return new ExperimentCell { Name = name, Head = EnergyHeads.Read(head, settings) };
        }
        catch (ArgumentException e)
        {
            throw new JsonException($"Cell '{name}': {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ExperimentCell value, JsonSerializerOptions options)
    {
        var o = new JsonObject { ["name"] = value.Name, ["head"] = value.Head.Name };
        foreach (var (k, v) in EnergyHeads.Write(value.Head)) o[k] = v?.DeepClone();
        o.WriteTo(writer);
    }
}
