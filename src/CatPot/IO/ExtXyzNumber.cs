using System.Globalization;

namespace CatPot.IO;

/// <summary>
/// Number parsing and formatting for extxyz: invariant culture, Python spellings of non-finite
/// values (<c>nan</c>, <c>inf</c>, <c>-inf</c>, <c>infinity</c>, any case) and shortest round-trip output.
/// </summary>
internal static class ExtXyzNumber
{
    /// <summary>Parses an integer as Python's <c>int()</c> would for ordinary input (optional sign, digits).</summary>
    public static bool TryParseLong(ReadOnlySpan<char> s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>Parses a real number as Python's <c>float()</c> would for ordinary input.</summary>
    public static bool TryParseDouble(ReadOnlySpan<char> s, out double value)
    {
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        var body = s;
        bool negative = false;
        if (body.Length > 0 && (body[0] == '+' || body[0] == '-')) { negative = body[0] == '-'; body = body[1..]; }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase)) { value = double.NaN; return true; }
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>
    /// Shortest text that parses back to exactly <paramref name="value"/>; always contains a '.' or an
    /// exponent so Python/ASE read it as a float, not an int. Non-finite values use Python's spelling.
    /// </summary>
    public static string Format(double value)
    {
        Span<char> buffer = stackalloc char[40];
        int n = Format(value, buffer);
        return new string(buffer[..n]);
    }

    /// <summary>Writes <see cref="Format(double)"/> into <paramref name="destination"/> (≥ 32 chars) and returns its length.</summary>
    public static int Format(double value, Span<char> destination)
    {
        if (double.IsNaN(value)) { "nan".CopyTo(destination); return 3; }
        if (double.IsPositiveInfinity(value)) { "inf".CopyTo(destination); return 3; }
        if (double.IsNegativeInfinity(value)) { "-inf".CopyTo(destination); return 4; }
        value.TryFormat(destination, out int n, "R", CultureInfo.InvariantCulture);
        if (destination[..n].IndexOfAny('.', 'E') < 0)
        {
            destination[n++] = '.';
            destination[n++] = '0';
        }
        return n;
    }
}
