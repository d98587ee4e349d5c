using System.Buffers;

namespace CatPot.IO;

/// <summary>
/// Python's <c>json</c> (and so ASE) writes non-finite floats as the bare tokens <c>NaN</c>, <c>Infinity</c>
/// and <c>-Infinity</c>, which are not JSON and which System.Text.Json rejects even with
/// <c>AllowNamedFloatingPointLiterals</c> (that option covers quoted strings only). This rewrites each bare
/// token into a marker string that cannot be confused with a real string value, and parses markers back.
/// </summary>
internal static class AseJsonNonFiniteLiterals
{
    // A leading U+0001 cannot appear in a real ASE string value by accident.
    private const string Marker = "\u0001";

    /// <summary>
    /// Returns <paramref name="json"/> unchanged when it has no bare non-finite tokens (the common case, one
    /// scan), or a rewritten copy.
    /// </summary>
    public static ReadOnlyMemory<byte> Rewrite(ReadOnlyMemory<byte> json)
    {
        var span = json.Span;
        // Vectorised fast path: most rows contain neither word anywhere.
        if (span.IndexOf("NaN"u8) < 0 && span.IndexOf("Infinity"u8) < 0)
            return json;
        int first = FindBareToken(span, 0);
        if (first < 0)
            return json;

        var output = new ArrayBufferWriter<byte>(span.Length + 64);
        int copied = 0;
        for (int at = first; at >= 0; at = FindBareToken(span, at))
        {
            output.Write(span[copied..at]);
            ReadOnlySpan<byte> token = span[at] == (byte)'N' ? "NaN"u8 : span[at] == (byte)'I' ? "Infinity"u8 : "-Infinity"u8;
            if (!span[at..].StartsWith(token))
                return json; // not a literal we know: leave it for the JSON parser to report
            output.Write("\"\\u0001"u8);
            output.Write(token);
            output.Write("\""u8);
            at += token.Length;
            copied = at;
        }
        output.Write(span[copied..]);
        return output.WrittenMemory;
    }

    /// <summary>Parses a marker string back into NaN or ±∞.</summary>
    public static bool TryParseMarker(string? text, out double value)
    {
        value = text switch
        {
            Marker + "NaN" => double.NaN,
            Marker + "Infinity" => double.PositiveInfinity,
            Marker + "-Infinity" => double.NegativeInfinity,
            _ => 0,
        };
        return text is Marker + "NaN" or Marker + "Infinity" or Marker + "-Infinity";
    }

    /// <summary>True when <paramref name="text"/> is a marker (so not a real string value).</summary>
    public static bool IsMarker(string? text) => text is not null && text.StartsWith(Marker, StringComparison.Ordinal);

    /// <summary>Index of the next bare N / I / -I outside strings at or after <paramref name="start"/>, or -1.</summary>
    private static int FindBareToken(ReadOnlySpan<byte> span, int start)
    {
        bool inString = false;
        // Callers always resume right after a token or at the start, never inside a string.
        for (int i = start; i < span.Length; i++)
        {
            byte b = span[i];
            if (inString)
            {
                if (b == (byte)'\\')
                    i++;
                else if (b == (byte)'"')
                    inString = false;
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (b == (byte)'N' || b == (byte)'I' || (b == (byte)'-' && i + 1 < span.Length && span[i + 1] == (byte)'I'))
            {
                return i;
            }
        }
        return -1;
    }
}
