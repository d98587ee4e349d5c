using System.Text.Json;
using CatPot.Chemistry;

namespace CatPot.IO;

/// <summary>
/// Turns one ASE database row, as JSON (the dict <c>ase.db.row.atoms2dict</c> makes plus <c>data</c> and
/// <c>key_value_pairs</c>), into a <see cref="Structure"/>. Follows the OMol25 layout: energy and forces at
/// the top level, total charge and spin multiplicity in <c>data</c>.
/// </summary>
/// <remarks>
/// Charge comes from <c>data.charge</c>, else <c>key_value_pairs.charge</c>, else a top-level <c>charge</c>,
/// else the rounded sum of <c>initial_charges</c>, else 0 with <c>Info["charge_defaulted"] = true</c>.
/// Spin comes from <c>data.spin</c>, else <c>key_value_pairs.spin</c>, else a top-level <c>spin</c>, else 1
/// with <c>Info["spin_defaulted"] = true</c>. Other <c>data</c> entries and all <c>key_value_pairs</c> go
/// into <see cref="Structure.Info"/> (nested dicts as <c>outer.inner</c>, nulls and mixed lists skipped);
/// ASE's per-atom arrays go into <see cref="Structure.PerAtom"/>. Malformed rows throw
/// <see cref="InvalidDataException"/>; the caller adds the file and row.
/// </remarks>
internal static class AseJsonRowDecoder
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    // ASE per-atom arrays other than numbers/positions/forces (atoms2dict and calculator results).
    private static readonly string[] PerAtomArrays = ["initial_charges", "initial_magmoms", "masses", "tags", "momenta", "charges", "magmoms"];

    // Calculator results with no Structure property.
    private static readonly string[] ExtraResults = ["free_energy", "stress", "dipole", "magmom"];

    /// <summary>Decodes one row.</summary>
    public static Structure Decode(ReadOnlyMemory<byte> utf8Json)
    {
        // System.Text.Json parses invalid UTF-8 inside strings but fails later, reading them, with an
        // InvalidOperationException; check the whole row first.
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json.Span))
            throw new InvalidDataException("the row is not valid UTF-8 text (a damaged file?).");
        using var document = JsonDocument.Parse(AseJsonNonFiniteLiterals.Rewrite(utf8Json), Options);
        var row = document.RootElement;
        if (row.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"a row should be a JSON object but is {AseJsonArray.Describe(row)}.");

        var numbers = ReadNumbers(Required(row, "numbers"));
        int n = numbers.Length;
        var positions = ReadVectors(Required(row, "positions"), "positions", n);
        var data = OptionalObject(row, "data");
        var kvp = OptionalObject(row, "key_value_pairs");

        var (charge, chargeDefaulted) = ReadCharge(row, data, kvp);
        var (spin, spinDefaulted) = ReadSpin(row, data, kvp);
        var structure = new Structure(numbers, positions, charge, spin);
        if (chargeDefaulted)
            structure.Info["charge_defaulted"] = true;
        if (spinDefaulted)
            structure.Info["spin_defaulted"] = true;

        if (row.TryGetProperty("energy", out var energy) && energy.ValueKind != JsonValueKind.Null)
        {
            if (!AseJsonArray.TryDouble(energy, out double e, nullIsNaN: false))
                throw new InvalidDataException($"'energy' is {AseJsonArray.Describe(energy)}, expected a number.");
            if (!double.IsFinite(e))
                throw new InvalidDataException($"'energy' is {e}; expected a finite number (drop the label or fix the row).");
            structure.Energy = e;
        }
        if (row.TryGetProperty("forces", out var forces) && forces.ValueKind != JsonValueKind.Null)
            structure.Forces = ReadVectors(forces, "forces", n);

        structure.Pbc = ReadPbc(row);
        structure.Cell = ReadCell(row);

        foreach (var name in PerAtomArrays)
        {
            if (row.TryGetProperty(name, out var column) && column.ValueKind != JsonValueKind.Null)
                structure.PerAtom[name] = ReadPerAtom(column, name, n);
        }
        foreach (var name in ExtraResults)
        {
            if (row.TryGetProperty(name, out var value) && ToInfoValue(value) is { } converted)
                structure.Info[name] = converted;
        }
        if (data.ValueKind == JsonValueKind.Object)
            AddInfo(structure.Info, data, prefix: "", skipChargeAndSpin: true);
        if (kvp.ValueKind == JsonValueKind.Object)
            AddInfo(structure.Info, kvp, prefix: "", skipChargeAndSpin: false);
        return structure;
    }

    private static JsonElement Required(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new InvalidDataException($"the row has no '{name}' entry; every ASE row needs 'numbers' and 'positions'.");

    private static JsonElement OptionalObject(JsonElement row, string name)
    {
        if (!row.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return default;
        return value.ValueKind == JsonValueKind.Object
            ? value
            : throw new InvalidDataException($"'{name}' should be a JSON object but is {AseJsonArray.Describe(value)}.");
    }

    private static int[] ReadNumbers(JsonElement e)
    {
        var raw = AseJsonArray.Integers(e, "numbers", out var shape);
        if (shape.Length != 1)
            throw new InvalidDataException($"'numbers' should be one-dimensional but has shape [{string.Join(", ", shape)}].");
        var numbers = new int[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] < 1 || raw[i] > Elements.MaxAtomicNumber)
                throw new InvalidDataException($"atom {i} has atomic number {raw[i]}; expected 1..{Elements.MaxAtomicNumber}.");
            numbers[i] = (int)raw[i];
        }
        return numbers;
    }

    /// <summary>An N×3 array (or a flat 3N one) of finite numbers.</summary>
    private static double[] ReadVectors(JsonElement e, string name, int atoms)
    {
        var values = AseJsonArray.Doubles(e, name, out var shape);
        bool shapeOk = (shape.Length == 2 && shape[0] == atoms && shape[1] == 3) || (shape.Length == 1 && shape[0] == 3 * atoms)
                       || (atoms == 0 && values.Length == 0);
        if (!shapeOk)
            throw new InvalidDataException($"'{name}' has shape [{string.Join(", ", shape)}]; {atoms} atoms need [{atoms}, 3].");
        RequireFinite(values, name);
        return values;
    }

    private static void RequireFinite(double[] values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new InvalidDataException($"'{name}' value {i} (atom {i / 3}, component {"xyz"[i % 3]}) is {values[i]}; expected a finite number.");
        }
    }

    private static (int Value, bool Defaulted) ReadCharge(JsonElement row, JsonElement data, JsonElement kvp)
    {
        if (TryIntegerEntry(data, "charge", out int charge) || TryIntegerEntry(kvp, "charge", out charge) || TryIntegerEntry(row, "charge", out charge))
            return (charge, false);
        if (row.TryGetProperty("initial_charges", out var initial) && initial.ValueKind != JsonValueKind.Null)
        {
            var values = AseJsonArray.Doubles(initial, "initial_charges", out _);
            double sum = 0;
            foreach (var v in values)
                sum += v;
            double rounded = Math.Round(sum);
            if (!double.IsFinite(sum) || Math.Abs(sum - rounded) > 1e-6 || Math.Abs(rounded) > 1000)
                throw new InvalidDataException($"'initial_charges' sum to {sum}, not an integer total charge; store the total charge as data['charge'].");
            return ((int)rounded, false);
        }
        return (0, true);
    }

    private static (int Value, bool Defaulted) ReadSpin(JsonElement row, JsonElement data, JsonElement kvp)
    {
        if (TryIntegerEntry(data, "spin", out int spin) || TryIntegerEntry(kvp, "spin", out spin) || TryIntegerEntry(row, "spin", out spin))
        {
            if (spin < 1)
                throw new InvalidDataException($"spin is {spin}; expected a spin multiplicity 2S+1 >= 1 (OMol25 convention).");
            return (spin, false);
        }
        return (1, true);
    }

    private static bool TryIntegerEntry(JsonElement owner, string name, out int value)
    {
        value = 0;
        if (owner.ValueKind != JsonValueKind.Object || !owner.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            return false;
        if (!AseJsonArray.TryInteger(e, out long v) || v < -1000 || v > 1000)
            throw new InvalidDataException($"'{name}' is {AseJsonArray.Describe(e)}; expected an integer.");
        value = (int)v;
        return true;
    }

    private static bool[] ReadPbc(JsonElement row)
    {
        if (!row.TryGetProperty("pbc", out var e) || e.ValueKind == JsonValueKind.Null)
            return new bool[3];
        if (e.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return [e.GetBoolean(), e.GetBoolean(), e.GetBoolean()];
        var pbc = AseJsonArray.Bools(e, "pbc", out _);
        return pbc.Length == 3 ? pbc : throw new InvalidDataException($"'pbc' has {pbc.Length} values; expected 3.");
    }

    /// <summary>The 3×3 cell, or null when absent or all zero (a molecule).</summary>
    private static double[]? ReadCell(JsonElement row)
    {
        if (!row.TryGetProperty("cell", out var e) || e.ValueKind == JsonValueKind.Null)
            return null;
        // ASE encodes a Cell object as {"array": ..., "__ase_objtype__": "cell"}.
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("__ase_objtype__", out _))
        {
            if (!e.TryGetProperty("array", out e))
                throw new InvalidDataException("'cell' is an ASE object without an 'array' entry.");
        }
        var cell = AseJsonArray.Doubles(e, "cell", out _);
        if (cell.Length != 9)
            throw new InvalidDataException($"'cell' has {cell.Length} values; expected 9 (3 lattice vectors).");
        for (int i = 0; i < 9; i++)
        {
            if (!double.IsFinite(cell[i]))
                throw new InvalidDataException($"'cell' value {i} is {cell[i]}; expected a finite number.");
        }
        return Array.TrueForAll(cell, v => v == 0) ? null : cell;
    }

    private static PerAtomColumn ReadPerAtom(JsonElement e, string name, int atoms)
    {
        var flat = AseJsonArray.Flatten(e, name);
        if (flat.Shape.Length == 0 || flat.Shape[0] != atoms)
            throw new InvalidDataException($"'{name}' has shape [{string.Join(", ", flat.Shape)}]; expected one row per atom ({atoms}).");
        int width = atoms == 0 ? 1 : flat.Items.Count / atoms;
        bool integral = flat.Items.TrueForAll(i => i.ValueKind == JsonValueKind.Number && i.TryGetInt64(out _));
        Array values = integral ? AseJsonArray.Integers(e, name, out _) : AseJsonArray.Doubles(e, name, out _);
        return new PerAtomColumn(values, width);
    }

    private static void AddInfo(Dictionary<string, object> info, JsonElement owner, string prefix, bool skipChargeAndSpin)
    {
        foreach (var property in owner.EnumerateObject())
        {
            if (skipChargeAndSpin && prefix.Length == 0 && property.Name is "charge" or "spin")
                continue;
            string key = prefix + property.Name;
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object && !value.TryGetProperty("__ndarray__", out _))
                AddInfo(info, value, key + ".", skipChargeAndSpin: false);
            else if (ToInfoValue(value) is { } converted)
                info[key] = converted;
        }
    }

    /// <summary>string, long, double, bool, or a flat array of one of those; null for nothing usable.</summary>
    private static object? ToInfoValue(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                string? s = value.GetString();
                return AseJsonNonFiniteLiterals.TryParseMarker(s, out double special) ? (object)special : s;
            case JsonValueKind.Number:
                return value.TryGetInt64(out long l) ? l : (object)value.GetDouble(); // the cast keeps long from widening to double
            case JsonValueKind.True:
            case JsonValueKind.False:
                return value.GetBoolean();
            case JsonValueKind.Array:
            case JsonValueKind.Object:
                return ToInfoArray(value);
            default:
                return null;
        }
    }

    private static Array? ToInfoArray(JsonElement value)
    {
        AseJsonArray.Flat flat;
        try
        {
            flat = AseJsonArray.Flatten(value, "info");
        }
        catch (InvalidDataException)
        {
            return null; // ragged or odd lists carry no model input; leave them out rather than fail the row
        }
        var items = flat.Items;
        if (items.TrueForAll(i => i.ValueKind is JsonValueKind.True or JsonValueKind.False))
            return items.ConvertAll(i => i.GetBoolean()).ToArray();
        if (items.TrueForAll(i => i.ValueKind == JsonValueKind.Number && i.TryGetInt64(out _)))
            return items.ConvertAll(i => i.GetInt64()).ToArray();
        if (items.TrueForAll(i => AseJsonArray.TryDouble(i, out _, nullIsNaN: true)))
            return items.ConvertAll(i => AseJsonArray.TryDouble(i, out double d, nullIsNaN: true) ? d : double.NaN).ToArray();
        if (items.TrueForAll(i => i.ValueKind == JsonValueKind.String))
            return items.ConvertAll(i => i.GetString() ?? "").ToArray();
        return null;
    }
}
