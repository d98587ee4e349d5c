using System.Text.Json;
using System.Text.Json.Serialization;
using CatPot.Models;

namespace CatPot.Experiments;

/// <summary>Reads and writes <see cref="EnergyHeadKind"/> by the CLI's names: <c>mae</c> and <c>hlgauss</c> (also <c>hl_gauss</c>).</summary>
public sealed class EnergyHeadNameConverter : JsonConverter<EnergyHeadKind>
{
    /// <summary>The name written for a head.</summary>
    public static string NameOf(EnergyHeadKind head) => head == EnergyHeadKind.Mae ? "mae" : "hlgauss";

    /// <summary>Parses a head name; null when unknown.</summary>
    public static EnergyHeadKind? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "mae" => EnergyHeadKind.Mae,
        "hlgauss" or "hl_gauss" or "hl-gauss" => EnergyHeadKind.HLGauss,
        _ => null,
    };

    /// <inheritdoc />
    public override EnergyHeadKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return Parse(text) ?? throw new JsonException($"expected a head name \"mae\" or \"hlgauss\", found {(text is null ? reader.TokenType.ToString() : $"\"{text}\"")}");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, EnergyHeadKind value, JsonSerializerOptions options) => writer.WriteStringValue(NameOf(value));
}
