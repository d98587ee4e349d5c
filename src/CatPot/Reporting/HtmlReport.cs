using System.Text;
using System.Text.RegularExpressions;

namespace CatPot.Reporting;

/// <summary>
/// A single self-contained HTML page: headings, the small markdown subset the experiment writes (paragraphs,
/// pipe tables, <c>**bold**</c>, <c>*italic*</c>), and inline SVG figures with captions. No scripts, fonts or other
/// external resources, so the page opens in a browser without a network.
/// </summary>
public sealed partial class HtmlReport
{
    private readonly StringBuilder _body = new();

    /// <summary>Page title.</summary>
    public required string Title { get; init; }

    /// <summary>Adds a heading of level 1–4.</summary>
    public void AddHeading(string text, int level = 2)
    {
        level = Math.Clamp(level, 1, 4);
        _body.Append($"<h{level}>{SvgText.Escape(text)}</h{level}>\n");
    }

    /// <summary>Adds markdown text (headings, paragraphs, pipe tables, bold/italic).</summary>
    public void AddMarkdown(string markdown)
    {
        var lines = markdown.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        int i = 0;
        while (i < lines.Length)
        {
            string line = lines[i].TrimEnd();
            if (line.Length == 0) { i++; continue; }
            if (line.StartsWith('#'))
            {
                int level = line.TakeWhile(c => c == '#').Count();
                _body.Append($"<h{Math.Min(level + 1, 4)}>{Inline(line[level..].Trim())}</h{Math.Min(level + 1, 4)}>\n");
                i++;
                continue;
            }
            if (line.StartsWith('|'))
            {
                var rows = new List<string[]>();
                while (i < lines.Length && lines[i].TrimStart().StartsWith('|'))
                {
                    var cells = lines[i].Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                    if (!cells.All(c => c.Length > 0 && c.All(ch => ch is '-' or ':'))) rows.Add(cells);
                    i++;
                }
                _body.Append("<div class=\"scroll\"><table>\n");
                for (int r = 0; r < rows.Count; r++)
                {
                    string tag = r == 0 ? "th" : "td";
                    _body.Append("<tr>");
                    foreach (var c in rows[r]) _body.Append($"<{tag}>{Inline(c)}</{tag}>");
                    _body.Append("</tr>\n");
                }
                _body.Append("</table></div>\n");
                continue;
            }
            var paragraph = new List<string>();
            while (i < lines.Length && lines[i].Trim().Length > 0 && !lines[i].StartsWith('#') && !lines[i].TrimStart().StartsWith('|'))
                paragraph.Add(lines[i++].Trim());
            _body.Append($"<p>{Inline(string.Join(' ', paragraph))}</p>\n");
        }
    }

    /// <summary>Adds an SVG document inline (its XML declaration and namespace attribute are dropped: HTML needs neither).</summary>
    public void AddFigure(string svg, string caption)
    {
        string inline = svg.Replace(" xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal);
        if (inline.StartsWith("<?xml", StringComparison.Ordinal)) inline = inline[(inline.IndexOf("?>", StringComparison.Ordinal) + 2)..];
        _body.Append("<figure>\n").Append(inline.Trim()).Append('\n');
        _body.Append($"<figcaption>{Inline(caption)}</figcaption>\n</figure>\n");
    }

    /// <summary>The page.</summary>
    public string ToHtml()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        sb.Append($"<title>{SvgText.Escape(Title)}</title>\n");
        sb.Append("<style>\nbody{font-family:DejaVu Sans,Arial,Helvetica,sans-serif;max-width:1500px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
            + "table{border-collapse:collapse;margin:1em 0;font-size:12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right;white-space:nowrap}.scroll{overflow-x:auto}"
            + "th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}\nfigure{margin:1.5em 0}figcaption{font-size:13px;color:#555;max-width:1000px}\n"
            + "svg{max-width:100%;height:auto}\n</style>\n</head>\n<body>\n");
        sb.Append($"<h1>{SvgText.Escape(Title)}</h1>\n");
        sb.Append(_body);
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static string Inline(string text)
    {
        string escaped = SvgText.Escape(text);
        escaped = Bold().Replace(escaped, "<b>$1</b>");
        escaped = Italic().Replace(escaped, "<i>$1</i>");
        escaped = Code().Replace(escaped, "<code>$1</code>");
        return escaped;
    }

    [GeneratedRegex(@"\*\*(.+?)\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex(@"\*(.+?)\*")]
    private static partial Regex Italic();

    [GeneratedRegex(@"`(.+?)`")]
    private static partial Regex Code();
}
