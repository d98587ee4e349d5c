using System.Text.Json;
using System.Text.Json.Serialization;

namespace CatPot.IO;

/// <summary>
/// CatPot's one convention for numbers JSON cannot hold: every JSON document CatPot writes (<c>--json</c> reports,
/// <c>--log</c> summaries, i-PI extras) writes an infinite or NaN number as <c>null</c>, as JavaScript's
/// <c>JSON.stringify</c> does. The document stays valid JSON for every parser (Python's <c>json</c>, <c>jq</c>), and
/// <c>null</c> already means "no value" in CatPot's schemas; the reason is a warning on stderr where one is known.
/// Read back, <c>null</c> becomes NaN for a <see cref="double"/> and null for a <see cref="Nullable{Double}"/>.
/// </summary>
public static class NonFiniteJson
{
    /// <summary>The converter for <see cref="double"/> (also used for <c>double?</c> and <c>double[]</c>).</summary>
    public static JsonConverter<double> DoubleConverter { get; } = new NonFiniteDoubleConverter();

    /// <summary>The converter for <see cref="float"/>.</summary>
    public static JsonConverter<float> SingleConverter { get; } = new NonFiniteSingleConverter();

    /// <summary>Adds the two converters to <paramref name="options"/> (before it is first used) and returns it.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        options.Converters.Add(DoubleConverter);
        options.Converters.Add(SingleConverter);
        return options;
    }

    /// <summary>Writes <c>"name": value</c>, or <c>"name": null</c> when <paramref name="value"/> is not finite.</summary>
    public static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteNull(name);
    }

    /// <summary>The JSON text of <paramref name="value"/>: shortest round-trip form, or <c>null</c> when not finite.</summary>
    public static string Format(double value) =>
        double.IsFinite(value) ? value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "null";

    private sealed class NonFiniteDoubleConverter : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    private sealed class NonFiniteSingleConverter : JsonConverter<float>
    {
        public override bool HandleNull => true;

        public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? float.NaN : reader.GetSingle();

        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (float.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}
