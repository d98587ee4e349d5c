using System.Globalization;
using System.Text;
using System.Text.Json;
using CatPot.Chemistry;

namespace CatPot.IO;

/// <summary>
/// Streams the rows of an ASE JSON database (<c>ase db</c>'s <c>.json</c> files, <c>ase/db/jsondb.py</c>):
/// one JSON object whose keys <c>"1"</c>, <c>"2"</c>, … are rows (besides <c>ids</c>, <c>nextid</c> and
/// <c>metadata</c>). Rows are returned in file order — the order ASE writes and lists them — and only one
/// row's text is held at a time, so files larger than memory are read.
/// </summary>
/// <remarks>
/// A row holds what <c>ase.db.row.atoms2dict</c> makes (arrays as <c>{"__ndarray__": [shape, dtype, values]}</c>,
/// Python's bare <c>NaN</c>/<c>Infinity</c> allowed) plus <c>key_value_pairs</c> and <c>data</c>, and is decoded
/// exactly as an <c>.aselmdb</c> row (<see cref="AseJsonRowDecoder"/>). Every row is checked by
/// <see cref="StructureValidator"/>; errors name the file, the row's position (frame), its id and its line.
/// </remarks>
public sealed class AseJsonDatabaseReader
{
    // A row longer than this is refused (a corrupted file, or a bracket that never closes).
    internal const int MaxRowBytes = 512 * 1024 * 1024;

    private readonly string _path;
    private readonly ExtXyzReaderOptions _options;

    /// <summary>Prepares to read <paramref name="path"/>; nothing is opened until <see cref="ReadAll"/> is enumerated.</summary>
    public AseJsonDatabaseReader(string path, ExtXyzReaderOptions? options = null)
    {
        _path = path;
        _options = options ?? ExtXyzReaderOptions.Default;
    }

    /// <summary>
    /// True when the text looks like an ASE JSON database: an object whose first key is a row id or <c>ids</c>
    /// (whitespace allowed anywhere).
    /// </summary>
    public static bool LooksLikeAseJson(ReadOnlySpan<byte> head)
    {
        int i = SkipSpace(head, 0);
        if (i >= head.Length || head[i] != (byte)'{') return false;
        i = SkipSpace(head, i + 1);
        if (i >= head.Length || head[i] != (byte)'"') return false;
        int start = ++i;
        while (i < head.Length && head[i] != (byte)'"') i++;
        var key = head[start..Math.Min(i, head.Length)];
        if (key.SequenceEqual("ids"u8) || key.SequenceEqual("nextid"u8) || key.SequenceEqual("metadata"u8)) return true;
        if (key.IsEmpty) return false;
        foreach (byte b in key) if (b is < (byte)'0' or > (byte)'9') return false;
        return true;
    }

    /// <summary>Streams every row in file order.</summary>
    /// <exception cref="StructureFormatException">The file is not an ASE JSON database, or a row is malformed or invalid.</exception>
    public IEnumerable<Structure> ReadAll()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var scanner = new Scanner(stream, _path);
        scanner.SkipSpace();
        if (scanner.Next() != '{')
            throw scanner.Fail(null, "expected an ASE JSON database: a JSON object ({\"1\": {…row…}, …, \"ids\": […], \"nextid\": N}).");
        int index = 0;
        scanner.SkipSpace();
        if (scanner.Peek() == '}') yield break;
        while (true)
        {
            scanner.SkipSpace();
            long keyLine = scanner.Line;
            string key = scanner.ReadKey(index);
            scanner.SkipSpace();
            if (scanner.Next() != ':')
                throw scanner.Fail(index, $"expected ':' after the key \"{key}\".");
            scanner.SkipSpace();
            long valueLine = scanner.Line;
            var value = scanner.ReadValue(index);
            if (IsRowId(key))
                yield return Decode(value, key, index++, valueLine);
            else if (key is not ("ids" or "nextid" or "metadata"))
                throw scanner.Fail(index, $"line {keyLine}: unexpected key \"{Shorten(key)}\"; an ASE JSON database holds row ids (\"1\", \"2\", …), \"ids\", \"nextid\" and \"metadata\".");
            scanner.SkipSpace();
            int separator = scanner.Next();
            if (separator == '}') break;
            if (separator != ',')
                throw scanner.Fail(index, separator < 0 ? "the file ends inside the top-level object (truncated?)." : $"expected ',' or '}}' after a value but found '{(char)separator}'.");
        }
        scanner.SkipSpace();
        if (scanner.Peek() >= 0)
            throw scanner.Fail(null, "unexpected text after the end of the top-level object.");
    }

    private Structure Decode(ReadOnlyMemory<byte> row, string id, int index, long line)
    {
        try
        {
            var structure = AseJsonRowDecoder.Decode(row);
            structure.Info["row_id"] = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out long rowId) ? rowId : id;
            LabelUnit.Convert(structure, _options.EnergyUnit, _options.ForceUnit);
            StructureValidator.Validate(structure, _path, index, minDistance: _options.MinInteratomicDistance);
            StructureValidator.ValidateLabelsAndDomain(structure, _path, index, _options.RequireModelInputs, _options.RequireEnergy);
            return structure;
        }
        catch (StructureFormatException e)
        {
            throw new StructureFormatException(_path, index, line, $"row id {id}: {e.Detail}", e);
        }
        catch (InvalidDataException e)
        {
            throw new StructureFormatException(_path, index, line, $"row id {id}: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new StructureFormatException(_path, index, line, $"row id {id}: the row is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // A JSON value of an unexpected kind (a string where a number belongs) that the decoder's checks missed.
            throw new StructureFormatException(_path, index, line, $"row id {id}: a value has an unexpected JSON type: {e.Message}", e);
        }
    }

    private static bool IsRowId(string key)
    {
        if (key.Length == 0 || key.Length > 18) return false;
        foreach (char c in key) if (c is < '0' or > '9') return false;
        return true;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    private static int SkipSpace(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return i;
    }

    /// <summary>
    /// A byte-level scanner over the top-level object: finds where each value ends (brackets, strings and escapes),
    /// without parsing it, so Python's bare NaN and Infinity pass and only one row is buffered.
    /// </summary>
    private sealed class Scanner(Stream stream, string path)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _start, _end;
        private byte[] _value = new byte[4096];

        public long Line { get; private set; } = 1;

        public int Peek()
        {
            if (_start == _end && !Fill()) return -1;
            return _buffer[_start];
        }

        public int Next()
        {
            int b = Peek();
            if (b < 0) return -1;
            _start++;
            if (b == '\n') Line++;
            return b;
        }

        public void SkipSpace()
        {
            while (Peek() is ' ' or '\t' or '\r' or '\n') Next();
        }

        public string ReadKey(int index)
        {
            if (Next() != '"')
                throw Fail(index, "expected a quoted key (a row id such as \"1\", or \"ids\", \"nextid\", \"metadata\").");
            var key = new StringBuilder();
            while (true)
            {
                int b = Next();
                if (b < 0) throw Fail(index, "the file ends inside a key (truncated?).");
                if (b == '"') return key.ToString();
                if (b == '\\') b = Next();
                if (b < 0) throw Fail(index, "the file ends inside a key (truncated?).");
                if (key.Length >= 256) throw Fail(index, "a top-level key is longer than 256 characters; this is not an ASE JSON database.");
                key.Append((char)b);
            }
        }

        /// <summary>The bytes of the next JSON value (valid only until the next call).</summary>
        public ReadOnlyMemory<byte> ReadValue(int index)
        {
            int length = 0, depth = 0;
            bool inString = false, escaped = false;
            while (true)
            {
                int b = Peek();
                if (b < 0)
                {
                    if (depth == 0 && !inString && length > 0) break;
                    throw Fail(index, "the file ends inside a row (truncated?).");
                }
                if (!inString && depth == 0 && length > 0 && b is ',' or '}' or ' ' or '\t' or '\r' or '\n')
                    break;
                Next();
                Append(ref length, (byte)b, index);
                if (inString)
                {
                    if (escaped) escaped = false;
                    else if (b == '\\') escaped = true;
                    else if (b == '"') { inString = false; if (depth == 0) break; }
                    continue;
                }
                switch (b)
                {
                    case '"': inString = true; break;
                    case '{' or '[': depth++; break;
                    case '}' or ']':
                        if (--depth < 0) throw Fail(index, $"unbalanced '{(char)b}' in a value.");
                        if (depth == 0) return _value.AsMemory(0, length);
                        break;
                    default:
                        if (depth > 64) throw Fail(index, "a value is nested more than 64 levels deep.");
                        break;
                }
                if (depth > 64) throw Fail(index, "a value is nested more than 64 levels deep.");
            }
            return _value.AsMemory(0, length);
        }

        private void Append(ref int length, byte b, int index)
        {
            if (length == _value.Length)
            {
                if (length >= MaxRowBytes)
                    throw Fail(index, $"a row is longer than {MaxRowBytes} bytes; the file is corrupted (a bracket that never closes?).");
                Array.Resize(ref _value, (int)Math.Min((long)length * 2, MaxRowBytes));
            }
            _value[length++] = b;
        }

        private bool Fill()
        {
            _start = 0;
            _end = stream.Read(_buffer, 0, _buffer.Length);
            return _end > 0;
        }

        public StructureFormatException Fail(int? index, string message) => new(path, index, Line, message);
    }
}
