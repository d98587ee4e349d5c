using System.Text.Json;

namespace CatPot.IO;

/// <summary>
/// Decodes arrays and numbers as ASE writes them in JSON: either <c>{"__ndarray__": [shape, dtype, flat]}</c>
/// (<c>ase.io.jsonio</c>) or plain nested lists (older orjson-based writers, which also write NaN as null).
/// Non-finite literals arrive as the marker strings made by <see cref="AseJsonNonFiniteLiterals"/>.
/// </summary>
/// <remarks>Malformed input throws <see cref="InvalidDataException"/>; the caller adds file and row.</remarks>
internal static class AseJsonArray
{
    /// <summary>A numeric/bool array flattened row-major, with its shape.</summary>
    public readonly record struct Flat(List<JsonElement> Items, int[] Shape);

    /// <summary>True when <paramref name="e"/> is an array in either encoding.</summary>
    public static bool IsArray(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array || (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("__ndarray__", out _));

    /// <summary>Flattens an ndarray object or a rectangular nested list.</summary>
    public static Flat Flatten(JsonElement e, string name)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("__ndarray__", out var nd))
        {
            if (nd.ValueKind != JsonValueKind.Array || nd.GetArrayLength() != 3)
                throw new InvalidDataException($"'{name}': expected {{\"__ndarray__\": [shape, dtype, data]}} but the value has {Describe(nd)}.");
            var shapeElement = nd[0];
            var dtype = nd[1].ValueKind == JsonValueKind.String ? nd[1].GetString() ?? "" : "";
            if (dtype.StartsWith("complex", StringComparison.Ordinal))
                throw new InvalidDataException($"'{name}': complex arrays (dtype {dtype}) are not supported here.");
            if (shapeElement.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"'{name}': the ndarray shape should be a list of integers but is {Describe(shapeElement)}.");
            var shape = new int[shapeElement.GetArrayLength()];
            long expected = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                if (shapeElement[i].ValueKind != JsonValueKind.Number || !shapeElement[i].TryGetInt32(out shape[i]) || shape[i] < 0)
                    throw new InvalidDataException($"'{name}': ndarray shape entry {i} is {shapeElement[i].GetRawText()}, expected a non-negative integer.");
                expected *= shape[i];
                if (expected > int.MaxValue)
                    throw new InvalidDataException($"'{name}': ndarray shape is too large.");
            }
            var data = nd[2];
            if (data.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"'{name}': ndarray data should be a flat list but is {Describe(data)}.");
            var items = new List<JsonElement>(data.GetArrayLength());
            foreach (var item in data.EnumerateArray())
                items.Add(item);
            if (items.Count != expected)
                throw new InvalidDataException($"'{name}': ndarray shape [{string.Join(", ", shape)}] needs {expected} values but the data list has {items.Count}.");
            return new Flat(items, shape);
        }

        if (e.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"'{name}': expected an array (a list or an __ndarray__ object) but found {Describe(e)}.");
        var dims = new List<int>();
        for (var probe = e; probe.ValueKind == JsonValueKind.Array; probe = probe.GetArrayLength() > 0 ? probe[0] : default)
        {
            dims.Add(probe.GetArrayLength());
            if (probe.GetArrayLength() == 0)
                break;
        }
        var flat = new List<JsonElement>();
        Collect(e, dims, 0, flat, name);
        return new Flat(flat, dims.ToArray());
    }

    private static void Collect(JsonElement e, List<int> dims, int depth, List<JsonElement> into, string name)
    {
        if (depth == dims.Count)
        {
            if (e.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
                throw new InvalidDataException($"'{name}': nested list is ragged (found {Describe(e)} where a scalar was expected at depth {depth}).");
            into.Add(e);
            return;
        }
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != dims[depth])
            throw new InvalidDataException($"'{name}': nested list is ragged (expected a list of {dims[depth]} at depth {depth}, found {Describe(e)}).");
        foreach (var item in e.EnumerateArray())
            Collect(item, dims, depth + 1, into, name);
    }

    /// <summary>Reads a float array; null entries (orjson's NaN) become NaN.</summary>
    public static double[] Doubles(JsonElement e, string name, out int[] shape)
    {
        // Hot path (positions, forces): a flat ndarray of plain numbers, read without a staging list.
        if (TryFlatNdarray(e, out shape, out var data))
        {
            var direct = new double[data.GetArrayLength()];
            int k = 0;
            foreach (var item in data.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out direct[k]))
                    goto general;
                k++;
            }
            if (k == ElementCount(shape))
                return direct;
        }
    general:
        var flat = Flatten(e, name);
        shape = flat.Shape;
        var values = new double[flat.Items.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (!TryDouble(flat.Items[i], out values[i], nullIsNaN: true))
                throw new InvalidDataException($"'{name}': element {i} is {Describe(flat.Items[i])}, expected a number.");
        }
        return values;
    }

    private static bool TryFlatNdarray(JsonElement e, out int[] shape, out JsonElement data)
    {
        shape = [];
        data = default;
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("__ndarray__", out var nd)
            || nd.ValueKind != JsonValueKind.Array || nd.GetArrayLength() != 3)
            return false;
        var shapeElement = nd[0];
        data = nd[2];
        if (shapeElement.ValueKind != JsonValueKind.Array || data.ValueKind != JsonValueKind.Array
            || nd[1].ValueKind != JsonValueKind.String || nd[1].ValueEquals("complex128"u8))
            return false;
        shape = new int[shapeElement.GetArrayLength()];
        for (int i = 0; i < shape.Length; i++)
        {
            if (shapeElement[i].ValueKind != JsonValueKind.Number || !shapeElement[i].TryGetInt32(out shape[i]) || shape[i] < 0)
                return false;
        }
        return true;
    }

    private static long ElementCount(int[] shape)
    {
        long count = 1;
        foreach (int d in shape)
            count *= d;
        return count;
    }

    /// <summary>Reads an integer array; integral floats such as <c>6.0</c> are accepted.</summary>
    public static long[] Integers(JsonElement e, string name, out int[] shape)
    {
        var flat = Flatten(e, name);
        shape = flat.Shape;
        var values = new long[flat.Items.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (!TryInteger(flat.Items[i], out values[i]))
                throw new InvalidDataException($"'{name}': element {i} is {Describe(flat.Items[i])}, expected an integer.");
        }
        return values;
    }

    /// <summary>Reads a bool array; 0/1 numbers are accepted.</summary>
    public static bool[] Bools(JsonElement e, string name, out int[] shape)
    {
        var flat = Flatten(e, name);
        shape = flat.Shape;
        var values = new bool[flat.Items.Count];
        for (int i = 0; i < values.Length; i++)
        {
            var item = flat.Items[i];
            if (item.ValueKind is JsonValueKind.True or JsonValueKind.False)
                values[i] = item.GetBoolean();
            else if (TryInteger(item, out long v) && v is 0 or 1)
                values[i] = v == 1;
            else
                throw new InvalidDataException($"'{name}': element {i} is {Describe(item)}, expected true or false.");
        }
        return values;
    }

    /// <summary>A number, a non-finite marker string, or (when allowed) null as NaN.</summary>
    public static bool TryDouble(JsonElement e, out double value, bool nullIsNaN)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                return e.TryGetDouble(out value);
            case JsonValueKind.String:
                return AseJsonNonFiniteLiterals.TryParseMarker(e.GetString(), out value);
            case JsonValueKind.Null when nullIsNaN:
                value = double.NaN;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>An integer token, or a float token with an integral value.</summary>
    public static bool TryInteger(JsonElement e, out long value)
    {
        value = 0;
        if (e.ValueKind != JsonValueKind.Number)
            return false;
        if (e.TryGetInt64(out value))
            return true;
        if (e.TryGetDouble(out double d) && Math.Floor(d) == d && Math.Abs(d) < 9.0e15)
        {
            value = (long)d;
            return true;
        }
        return false;
    }

    /// <summary>A short description of a JSON value for error messages.</summary>
    public static string Describe(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Undefined)
            return "nothing";
        string raw = e.GetRawText();
        return raw.Length <= 40 ? $"{e.ValueKind.ToString().ToLowerInvariant()} {raw}" : $"{e.ValueKind.ToString().ToLowerInvariant()} {raw[..37]}...";
    }
}
