using System.Globalization;
using System.Text;

namespace CatPot.Reporting;

/// <summary>Escaping and number formatting for hand-written SVG/XML.</summary>
public static class SvgText
{
    /// <summary>XML-escapes text and attribute values.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>A coordinate with two decimals, invariant culture.</summary>
    public static string N(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
}
