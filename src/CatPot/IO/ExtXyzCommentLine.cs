using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CatPot.IO;

/// <summary>
/// The key=value syntax of an extended XYZ comment line, read and written the way ASE's
/// <c>extxyz</c> module does: values may be delimited by <c>"…"</c>, <c>'…'</c>, <c>{…}</c> or
/// <c>[…]</c>; a backslash takes the next character literally; a bare key means <c>true</c>;
/// spaces around '=' are allowed. Values are typed in ASE's order: integers (or an array of them),
/// then reals, then booleans (<c>T</c>/<c>F</c>/<c>True</c>/<c>False</c>), then <c>_JSON …</c>,
/// else the string itself. Array items are separated by spaces or commas.
/// </summary>
public static class ExtXyzCommentLine
{
    private static readonly System.Buffers.SearchValues<char> Separators = System.Buffers.SearchValues.Create(" \t\r\n\v\f,");
    private static readonly System.Buffers.SearchValues<char> NeedsQuotes = System.Buffers.SearchValues.Create(" \t\"'{}[]\\=,");

    /// <summary>
    /// Parses a comment line into typed key/value pairs in file order. Values are <see cref="long"/>,
    /// <see cref="double"/>, <see cref="bool"/>, <see cref="string"/> or arrays of those.
    /// </summary>
    /// <exception cref="FormatException">An unterminated quote or bracket, or '=' without a key.</exception>
    public static List<KeyValuePair<string, object>> Parse(string line)
    {
        var pairs = new List<ExtXyzRawPair>();
        if (!TrySplit(line, pairs, out string? error)) throw new FormatException(error);
        var result = new List<KeyValuePair<string, object>>(pairs.Count);
        foreach (var p in pairs) result.Add(new(p.Key, p.HasValue ? ParseValue(p.Value) : true));
        return result;
    }

    /// <summary>Types one raw value as ASE does (see the type remarks).</summary>
    public static object ParseValue(string raw)
    {
        var trimmed = raw.AsSpan().Trim();
        if (trimmed.Length > 0 && trimmed.IndexOfAny(Separators) < 0)
        {
            // One token, the common case: no arrays to allocate.
            if (ExtXyzNumber.TryParseLong(trimmed, out long l)) return l;
            if (ExtXyzNumber.TryParseDouble(trimmed, out double d)) return d;
            if (TryParseBool(trimmed, out bool b)) return b;
            return raw;
        }
        var tokens = Tokens(raw);
        if (tokens.Count == 0) return raw;

        var longs = new long[tokens.Count];
        bool allLong = true;
        for (int i = 0; i < tokens.Count && allLong; i++) allLong = ExtXyzNumber.TryParseLong(raw.AsSpan(tokens[i]), out longs[i]);
        if (allLong) return longs.Length == 1 ? longs[0] : longs;

        var doubles = new double[tokens.Count];
        bool allDouble = true;
        for (int i = 0; i < tokens.Count && allDouble; i++) allDouble = ExtXyzNumber.TryParseDouble(raw.AsSpan(tokens[i]), out doubles[i]);
        if (allDouble) return doubles.Length == 1 ? doubles[0] : doubles;

        var bools = new bool[tokens.Count];
        bool allBool = true;
        for (int i = 0; i < tokens.Count && allBool; i++) allBool = TryParseBool(raw.AsSpan(tokens[i]), out bools[i]);
        if (allBool) return bools.Length == 1 ? bools[0] : bools;

        if (raw.StartsWith("_JSON ", StringComparison.Ordinal) && TryParseJson(raw.AsSpan(6), out object? json) && json is not null) return json;
        return raw;
    }

    /// <summary>Parses <c>T</c>, <c>F</c>, <c>True</c>, <c>False</c> (exact case, as ASE).</summary>
    public static bool TryParseBool(ReadOnlySpan<char> s, out bool value)
    {
        if (s.SequenceEqual("T") || s.SequenceEqual("True")) { value = true; return true; }
        if (s.SequenceEqual("F") || s.SequenceEqual("False")) { value = false; return true; }
        value = false;
        return false;
    }

    /// <summary>
    /// Splits a line into raw pairs. Returns false with a message on an unterminated delimiter or a '='
    /// with no key before it.
    /// </summary>
    internal static bool TrySplit(string line, List<ExtXyzRawPair> pairs, out string? error)
    {
        error = null;
        var parts = new List<string>(2);
        var current = new StringBuilder();
        bool currentHasContent = false; // a quoted empty value still counts as a value
        bool escaped = false;
        char closing = '\0';
        int openedAt = -1;

        void EndPart()
        {
            parts.Add(current.ToString());
            current.Clear();
            currentHasContent = false;
        }

        void EndPair()
        {
            if (currentHasContent || parts.Count > 0) EndPart();
            if (parts.Count == 0) return;
            pairs.Add(parts.Count == 1
                ? new ExtXyzRawPair(parts[0], "", false)
                : new ExtXyzRawPair(parts[0], string.Join('=', parts.Skip(1)), true));
            parts.Clear();
        }

        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (escaped) { current.Append(c); currentHasContent = true; escaped = false; }
            else if (c == '\\') escaped = true;
            else if (closing != '\0')
            {
                if (c == closing) closing = '\0';
                else current.Append(c);
            }
            else if (c is '"' or '\'' or '{' or '[')
            {
                closing = c switch { '{' => '}', '[' => ']', _ => c };
                openedAt = i;
                currentHasContent = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                // Whitespace right after '=' (or between pairs) separates nothing.
                if (!currentHasContent) continue;
                EndPair();
            }
            else if (c == '=')
            {
                if (parts.Count == 0 && !currentHasContent)
                {
                    // "key = value": the key was already closed by the space; reopen it.
                    if (pairs.Count == 0)
                    {
                        error = $"expected a key before '=' at column {i + 1} but found nothing.";
                        return false;
                    }
                    var last = pairs[^1];
                    pairs.RemoveAt(pairs.Count - 1);
                    parts.Add(last.Key);
                    if (last.HasValue) parts.Add(last.Value);
                }
                else EndPart();
                // The value part starts now and may stay empty ("key=").
                currentHasContent = false;
            }
            else { current.Append(c); currentHasContent = true; }
        }
        if (closing != '\0')
        {
            error = $"unterminated {line[openedAt]} opened at column {openedAt + 1}: expected a closing {closing} before the end of the line.";
            return false;
        }
        if (parts.Count == 1 && !currentHasContent)
        {
            // "key=" at the end of the line: an empty value, as ASE reads it.
            parts.Add("");
            pairs.Add(new ExtXyzRawPair(parts[0], "", true));
            return true;
        }
        EndPair();
        return true;
    }

    private static List<Range> Tokens(string raw)
    {
        var tokens = new List<Range>();
        int start = -1;
        for (int i = 0; i <= raw.Length; i++)
        {
            bool sep = i == raw.Length || raw[i] == ',' || char.IsWhiteSpace(raw[i]);
            if (sep && start >= 0) { tokens.Add(start..i); start = -1; }
            else if (!sep && start < 0) start = i;
        }
        return tokens;
    }

    private static bool TryParseJson(ReadOnlySpan<char> text, out object? value)
    {
        value = null;
        try
        {
            using var doc = JsonDocument.Parse(text.ToString());
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                // A dict (ASE writes dict-valued info as _JSON): kept as the JSON value.
                value = root.Clone();
                return true;
            }
            if (root.ValueKind != JsonValueKind.Array)
            {
                value = Scalar(root);
                return value is not null;
            }
            var items = root.EnumerateArray().Select(Scalar).ToArray();
            if (items.Length == 0) return false;
            if (items.Any(x => x is null))
            {
                // Nested or mixed lists (ASE writes any JSON-able info value this way): kept as the JSON value.
                value = root.Clone();
                return true;
            }
            if (items.All(x => x is long)) value = items.Cast<long>().ToArray();
            else if (items.All(x => x is long or double)) value = items.Select(x => Convert.ToDouble(x, CultureInfo.InvariantCulture)).ToArray();
            else if (items.All(x => x is bool)) value = items.Cast<bool>().ToArray();
            else if (items.All(x => x is string)) value = items.Cast<string>().ToArray();
            else value = root.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static object? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        _ => null,
    };

    /// <summary>Appends <c>key=value</c> with the value formatted and quoted so ASE and CatPot read it back.</summary>
    /// <exception cref="ArgumentException">The value type is not supported or a string holds a line break.</exception>
    internal static void AppendPair(StringBuilder sb, string key, object value)
    {
        AppendQuotedIfNeeded(sb, key, nameof(key));
        sb.Append('=');
        switch (value)
        {
            case string s: AppendQuotedIfNeeded(sb, s, key, quoteEmpty: true); break;
            case bool b: sb.Append(b ? 'T' : 'F'); break;
            case long or int or short or sbyte or byte or ushort or uint:
                sb.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)); break;
            case double or float: sb.Append(ExtXyzNumber.Format(Convert.ToDouble(value, CultureInfo.InvariantCulture))); break;
            case long[] a: AppendArray(sb, a, x => x.ToString(CultureInfo.InvariantCulture)); break;
            case int[] a: AppendArray(sb, a, x => x.ToString(CultureInfo.InvariantCulture)); break;
            case double[] a: AppendArray(sb, a, ExtXyzNumber.Format); break;
            case float[] a: AppendArray(sb, a, x => ExtXyzNumber.Format(x)); break;
            case bool[] a: AppendArray(sb, a, x => x ? "T" : "F"); break;
            case string[] a: AppendQuotedIfNeeded(sb, "_JSON " + JsonSerializer.Serialize(a), key); break;
            case JsonElement json: AppendQuotedIfNeeded(sb, "_JSON " + json.GetRawText().ReplaceLineEndings(" "), key); break;
            default:
                throw new ArgumentException($"Info key '{key}' holds a {value.GetType().Name}; extxyz can store string, long, double, bool, arrays of those and JSON values (JsonElement).", nameof(value));
        }
    }

    private static void AppendArray<T>(StringBuilder sb, T[] values, Func<T, string> format)
    {
        if (values.Length == 1) { sb.Append(format(values[0])); return; }
        sb.Append('"');
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(format(values[i]));
        }
        sb.Append('"');
    }

    private static void AppendQuotedIfNeeded(StringBuilder sb, string s, string what, bool quoteEmpty = false)
    {
        if (s.AsSpan().IndexOfAny('\n', '\r') >= 0)
            throw new ArgumentException($"'{what}' contains a line break, which an extxyz comment line cannot hold.", nameof(s));
        bool quote = (quoteEmpty && s.Length == 0) || s.AsSpan().IndexOfAny(NeedsQuotes) >= 0;
        if (!quote) { sb.Append(s); return; }
        sb.Append('"');
        foreach (char c in s)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        sb.Append('"');
    }
}

/// <summary>One key and its undelimited, unescaped value text; <see cref="HasValue"/> is false for a bare key.</summary>
internal readonly record struct ExtXyzRawPair(string Key, string Value, bool HasValue);
