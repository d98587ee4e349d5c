using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CatPot.Chemistry;
using Microsoft.Data.Sqlite;

namespace CatPot.IO;

/// <summary>
/// Streams the rows of an ASE SQLite database (<c>ase db</c>'s <c>.db</c> files, schema versions 4–9) as
/// structures, in id order, one row in memory at a time.
/// </summary>
/// <remarks>
/// Each row is read as <c>ase/db/sqlite.py</c> stores it: arrays are raw little-endian blobs (numbers and tags
/// int32, everything else float64; positions, momenta and forces N×3, the cell 3×3), pbc a bit mask
/// (1, 2, 4), key-value pairs JSON text, and <c>data</c> JSON text (before version 9) or ASE's binary
/// encoding (an int64 offset, the array bytes, then JSON whose <c>__ndarray__</c> entries point into the
/// bytes). The row is then decoded exactly as an <c>.aselmdb</c> row (<see cref="AseJsonRowDecoder"/>):
/// charge from <c>data.charge</c>, <c>key_value_pairs.charge</c> or the sum of <c>initial_charges</c>,
/// spin from <c>data.spin</c> or <c>key_value_pairs.spin</c>, key-value pairs and data into
/// <see cref="Structure.Info"/> (plus <c>row_id</c>). ASE's derived <c>charge</c> column is not read
/// (ASE 3.22 always stores 0 there). Every row is checked by <see cref="StructureValidator"/>.
/// </remarks>
public sealed class AseSqliteReader
{
    /// <summary>The first 16 bytes of every SQLite 3 database file.</summary>
    public static ReadOnlySpan<byte> Magic => "SQLite format 3\0"u8;

    // A blob larger than this is refused before it is decoded (a corrupted length or a hostile file).
    private const long MaxBlobBytes = 1L << 30;

    private readonly string _path;
    private readonly ExtXyzReaderOptions _options;

    /// <summary>Prepares to read <paramref name="path"/>; nothing is opened until <see cref="ReadAll"/> is enumerated.</summary>
    public AseSqliteReader(string path, ExtXyzReaderOptions? options = null)
    {
        _path = path;
        _options = options ?? ExtXyzReaderOptions.Default;
    }

    /// <summary>True when the bytes start with the SQLite 3 file header.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> head) => head.StartsWith(Magic);

    /// <summary>Streams every row, in ascending id order.</summary>
    /// <exception cref="StructureFormatException">The file is not an ASE database, or a row is malformed or invalid.</exception>
    public IEnumerable<Structure> ReadAll()
    {
        using var connection = Open();
        int version = SchemaVersion(connection);
        var columns = Columns(connection);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM systems ORDER BY id";
        SqliteDataReader reader;
        try
        {
            reader = command.ExecuteReader();
        }
        catch (SqliteException e)
        {
            throw Fail(null, $"the systems table cannot be read: {e.Message}", e);
        }
        using (reader)
        {
            var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < reader.FieldCount; i++) ordinals[reader.GetName(i)] = i;
            int index = 0;
            while (true)
            {
                bool more;
                try
                {
                    more = reader.Read();
                }
                catch (SqliteException e)
                {
                    throw Fail(index, $"the row cannot be read (a damaged database?): {e.Message}", e);
                }
                if (!more) yield break;
                yield return ReadRow(reader, ordinals, version, index++);
            }
        }
    }

    private SqliteConnection Open()
    {
        // Pooling off: the file handle is released when the enumeration ends.
        var builder = new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'systems'";
            if (Convert.ToInt64(check.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
                throw Fail(null, "the SQLite file has no 'systems' table; it is not an ASE database (ase.db) file.");
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Fail(null, $"the file cannot be opened as an SQLite database: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private int SchemaVersion(SqliteConnection connection)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'information'";
            if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 0) return 1;
            command.CommandText = "SELECT value FROM information WHERE name = 'version'";
            return command.ExecuteScalar() is { } v && int.TryParse(Convert.ToString(v, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out int version)
                ? version : 1;
        }
        catch (SqliteException e)
        {
            throw Fail(null, $"the information table cannot be read: {e.Message}", e);
        }
    }

    private HashSet<string> Columns(SqliteConnection connection)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA table_info(systems)";
            using var reader = command.ExecuteReader();
            while (reader.Read()) names.Add(reader.GetString(1));
        }
        catch (SqliteException e)
        {
            throw Fail(null, $"the systems table cannot be read: {e.Message}", e);
        }
        foreach (var required in (string[])["id", "numbers", "positions"])
            if (!names.Contains(required))
                throw Fail(null, $"the systems table has no '{required}' column; it is not an ASE database (ase.db) file.");
        return names;
    }

    private Structure ReadRow(SqliteDataReader reader, Dictionary<string, int> ordinals, int version, int index)
    {
        long id = 0;
        try
        {
            id = reader.GetInt64(ordinals["id"]);
            var json = new ArrayBufferWriter<byte>(4096);
            using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { SkipValidation = true }))
            {
                writer.WriteStartObject();
                int atoms = WriteArray(writer, reader, ordinals, "numbers", "int32", columns: 0)
                    ?? throw new InvalidDataException("the row has no 'numbers'; every ASE row needs 'numbers' and 'positions'.");
                WriteArray(writer, reader, ordinals, "positions", "float64", columns: 3, atoms);
                WriteArray(writer, reader, ordinals, "cell", "float64", columns: 3, rows: 3);
                if (Value(reader, ordinals, "pbc") is { } pbcValue)
                {
                    long mask = Convert.ToInt64(pbcValue, CultureInfo.InvariantCulture);
                    writer.WriteStartArray("pbc");
                    for (int k = 0; k < 3; k++) writer.WriteBooleanValue((mask & (1L << k)) != 0);
                    writer.WriteEndArray();
                }
                WriteArray(writer, reader, ordinals, "initial_magmoms", "float64", columns: 0);
                WriteArray(writer, reader, ordinals, "initial_charges", "float64", columns: 0);
                WriteArray(writer, reader, ordinals, "masses", "float64", columns: 0);
                WriteArray(writer, reader, ordinals, "tags", "int32", columns: 0);
                WriteArray(writer, reader, ordinals, "momenta", "float64", columns: 3, atoms);
                WriteReal(writer, reader, ordinals, "energy");
                WriteReal(writer, reader, ordinals, "free_energy");
                WriteArray(writer, reader, ordinals, "forces", "float64", columns: 3, atoms);
                WriteArray(writer, reader, ordinals, "stress", "float64", columns: 0);
                WriteArray(writer, reader, ordinals, "dipole", "float64", columns: 0);
                WriteArray(writer, reader, ordinals, "magmoms", "float64", columns: 0);
                WriteReal(writer, reader, ordinals, "magmom");
                WriteArray(writer, reader, ordinals, "charges", "float64", columns: 0);
                if (Value(reader, ordinals, "key_value_pairs") is string kvp && kvp != "{}")
                {
                    writer.WritePropertyName("key_value_pairs");
                    writer.WriteRawValue(kvp, skipInputValidation: true);
                }
                switch (Value(reader, ordinals, "data"))
                {
                    case string text when text is not ("null" or "{}" or ""):
                        writer.WritePropertyName("data");
                        writer.WriteRawValue(text, skipInputValidation: true);
                        break;
                    case byte[] bytes when bytes.Length > 0:
                        writer.WritePropertyName("data");
                        AseBinaryObject.WriteAsJson(bytes, writer);
                        break;
                }
                writer.WriteEndObject();
            }
            var structure = AseJsonRowDecoder.Decode(json.WrittenMemory);
            structure.Info["row_id"] = id;
            LabelUnit.Convert(structure, _options.EnergyUnit, _options.ForceUnit);
            StructureValidator.Validate(structure, _path, index, minDistance: _options.MinInteratomicDistance);
            StructureValidator.ValidateLabelsAndDomain(structure, _path, index, _options.RequireModelInputs, _options.RequireEnergy);
            return structure;
        }
        catch (StructureFormatException e) when (e.FilePath == _path && e.Detail is { } detail && !detail.StartsWith("row id", StringComparison.Ordinal))
        {
            throw Fail(index, $"row id {id}: {detail}", e);
        }
        catch (InvalidDataException e)
        {
            throw Fail(index, $"row id {id}: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw Fail(index, $"row id {id}: a JSON column (key_value_pairs or data) is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // A JSON value of an unexpected kind (a string where a number belongs) that a check above missed.
            throw Fail(index, $"row id {id}: a value has an unexpected JSON type: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or SqliteException)
        {
            throw Fail(index, $"row id {id}: a column has an unexpected type or value: {e.Message}", e);
        }
    }

    private static object? Value(SqliteDataReader reader, Dictionary<string, int> ordinals, string name) =>
        ordinals.TryGetValue(name, out int k) && !reader.IsDBNull(k) ? reader.GetValue(k) : null;

    private static void WriteReal(Utf8JsonWriter writer, SqliteDataReader reader, Dictionary<string, int> ordinals, string name)
    {
        switch (Value(reader, ordinals, name))
        {
            case null: return;
            case double d: writer.WritePropertyName(name); WriteDouble(writer, d); return;
            case long l: writer.WriteNumber(name, l); return;
            case var other: throw new InvalidDataException($"'{name}' is {Describe(other)}; expected a number.");
        }
    }

    /// <summary>
    /// Writes a blob column as an <c>__ndarray__</c> object; returns its number of rows (atoms for N×3 arrays, the length
    /// for flat ones), or null when the column is absent or NULL. <paramref name="columns"/> is 3 for an N×3 array and
    /// 0 for a flat one; <paramref name="rows"/> the expected number of rows, when known.
    /// </summary>
    private static int? WriteArray(Utf8JsonWriter writer, SqliteDataReader reader, Dictionary<string, int> ordinals,
        string name, string dtype, int columns, int? rows = null)
    {
        var value = Value(reader, ordinals, name);
        if (value is null) return null;
        if (value is not byte[] blob)
            throw new InvalidDataException($"'{name}' is {Describe(value)}; expected a blob of {dtype} values (ASE's array encoding).");
        if (blob.LongLength > MaxBlobBytes)
            throw new InvalidDataException(Invariant($"'{name}' is a blob of {blob.LongLength} bytes; more than the {MaxBlobBytes} bytes accepted."));
        int itemSize = dtype == "int32" ? 4 : 8;
        // ASE stores an empty array as zero bytes (of float64), whatever the dtype.
        if (blob.Length % itemSize != 0)
            throw new InvalidDataException(Invariant($"'{name}' is a blob of {blob.Length} bytes, not a whole number of {itemSize}-byte {dtype} values."));
        int count = blob.Length / itemSize;
        int width = columns == 0 ? 1 : columns;
        if (count % width != 0)
            throw new InvalidDataException(Invariant($"'{name}' holds {count} values, not a whole number of rows of {width}."));
        int n = count / width;
        if (rows is int expected && n != expected && !(count == 0 && expected == 0))
            throw new InvalidDataException(Invariant($"'{name}' has {n} rows of {width} values; expected {expected}."));

        writer.WritePropertyName(name);
        writer.WriteStartObject();
        writer.WriteStartArray("__ndarray__");
        writer.WriteStartArray();
        writer.WriteNumberValue(n);
        if (columns != 0) writer.WriteNumberValue(columns);
        writer.WriteEndArray();
        writer.WriteStringValue(dtype);
        writer.WriteStartArray();
        for (int i = 0; i < count; i++)
        {
            if (itemSize == 4) writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(4 * i)));
            else WriteDouble(writer, BinaryPrimitives.ReadDoubleLittleEndian(blob.AsSpan(8 * i)));
        }
        writer.WriteEndArray();
        writer.WriteEndArray();
        writer.WriteEndObject();
        return n;
    }

    /// <summary>A double as JSON; NaN and ±∞ as Python's bare literals, which the row decoder understands.</summary>
    internal static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteRawValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity", skipInputValidation: true);
    }

    private static string Describe(object value) => value switch
    {
        string s => "text '" + (s.Length > 40 ? s[..40] + "…" : s) + "'",
        byte[] b => Invariant($"a blob of {b.Length} bytes"),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };

    private StructureFormatException Fail(int? index, string message, Exception? inner = null) => new(_path, index, null, message, inner);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// ASE's binary object encoding (<c>ase.db.core.object_to_bytes</c>, the <c>data</c> column of SQLite databases
/// from version 9): an int64 little-endian offset, the raw bytes of every array, then at that offset a JSON
/// text in which each array is <c>{"__ndarray__": [shape, dtype, byte offset]}</c>.
/// </summary>
internal static class AseBinaryObject
{
    /// <summary>Rewrites the object as plain JSON (arrays as <c>__ndarray__</c> objects with their values inline).</summary>
    /// <exception cref="InvalidDataException">The bytes do not follow the encoding.</exception>
    public static void WriteAsJson(byte[] bytes, Utf8JsonWriter writer)
    {
        if (bytes.Length < 8)
            throw new InvalidDataException($"'data' is a blob of {bytes.Length} bytes; ASE's binary encoding starts with an 8-byte offset.");
        long offset = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (offset < 8 || offset > bytes.Length)
            throw new InvalidDataException($"'data' says its JSON starts at byte {offset} but the blob has {bytes.Length} bytes.");
        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan((int)offset)))
            throw new InvalidDataException("'data' holds JSON that is not valid UTF-8 text (a damaged file?).");
        var text = AseJsonNonFiniteLiterals.Rewrite(bytes.AsMemory((int)offset));
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
        Write(document.RootElement, bytes, writer);
    }

    private static void Write(JsonElement e, byte[] bytes, Utf8JsonWriter writer)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object when e.TryGetProperty("__ndarray__", out var nd):
                WriteArray(nd, bytes, writer);
                return;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var p in e.EnumerateObject())
                {
                    writer.WritePropertyName(p.Name);
                    Write(p.Value, bytes, writer);
                }
                writer.WriteEndObject();
                return;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in e.EnumerateArray()) Write(item, bytes, writer);
                writer.WriteEndArray();
                return;
            default:
                e.WriteTo(writer);
                return;
        }
    }

    private static void WriteArray(JsonElement nd, byte[] bytes, Utf8JsonWriter writer)
    {
        if (nd.ValueKind != JsonValueKind.Array || nd.GetArrayLength() != 3 || nd[0].ValueKind != JsonValueKind.Array
            || nd[1].ValueKind != JsonValueKind.String || nd[2].ValueKind != JsonValueKind.Number || !nd[2].TryGetInt64(out long offset))
        {
            // Not the binary form (perhaps inline values): leave it for the row decoder to judge.
            writer.WriteStartObject();
            writer.WritePropertyName("__ndarray__");
            nd.WriteTo(writer);
            writer.WriteEndObject();
            return;
        }
        string dtype = nd[1].GetString()!;
        long count = 1;
        foreach (var s in nd[0].EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.Number || !s.TryGetInt64(out long dim) || dim < 0 || (count *= Math.Max(dim, 1)) > int.MaxValue)
                throw new InvalidDataException($"'data': an array has the invalid shape {nd[0].GetRawText()}.");
            if (dim == 0) count = 0;
        }
        int size = dtype switch
        {
            "float64" or "int64" or "uint64" => 8,
            "float32" or "int32" or "uint32" => 4,
            "int16" or "uint16" => 2,
            "int8" or "uint8" or "bool" => 1,
            _ => throw new InvalidDataException($"'data': arrays of dtype '{dtype}' are not supported."),
        };
        if (offset < 8 || offset + count * size > bytes.Length)
            throw new InvalidDataException($"'data': an array of {count} {dtype} values at byte {offset} runs past the end of the {bytes.Length}-byte blob.");
        var span = bytes.AsSpan((int)offset, (int)(count * size));
        writer.WriteStartObject();
        writer.WriteStartArray("__ndarray__");
        nd[0].WriteTo(writer);
        writer.WriteStringValue(dtype);
        writer.WriteStartArray();
        for (int i = 0; i < count; i++)
        {
            var item = span.Slice(i * size, size);
            switch (dtype)
            {
                case "float64": AseSqliteReader.WriteDouble(writer, BinaryPrimitives.ReadDoubleLittleEndian(item)); break;
                case "float32": AseSqliteReader.WriteDouble(writer, BinaryPrimitives.ReadSingleLittleEndian(item)); break;
                case "int64": writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(item)); break;
                case "uint64": writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(item)); break;
                case "int32": writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(item)); break;
                case "uint32": writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(item)); break;
                case "int16": writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(item)); break;
                case "uint16": writer.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(item)); break;
                case "int8": writer.WriteNumberValue((sbyte)item[0]); break;
                case "uint8": writer.WriteNumberValue(item[0]); break;
                default: writer.WriteBooleanValue(item[0] != 0); break;
            }
        }
        writer.WriteEndArray();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
