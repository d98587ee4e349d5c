using System.Text;

namespace CatPot.Reporting;

/// <summary>Several charts side by side in one SVG, in rows of <see cref="Columns"/>.</summary>
public sealed class FigureGrid
{
    /// <summary>Charts per row.</summary>
    public int Columns { get; init; } = 2;

    /// <summary>The charts, placed row by row; each keeps its own size (cells take the largest).</summary>
    public IList<Chart> Charts { get; } = new List<Chart>();

    /// <summary>The figure as a standalone SVG document.</summary>
    public string ToSvg()
    {
        if (Charts.Count == 0) throw new InvalidOperationException("A figure grid needs at least one chart.");
        double cw = Charts.Max(c => c.Width), ch = Charts.Max(c => c.Height);
        int cols = Math.Min(Columns, Charts.Count), rows = (Charts.Count + cols - 1) / cols;
        double w = cols * cw, h = rows * ch;
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{SvgText.N(w)}\" height=\"{SvgText.N(h)}\" viewBox=\"0 0 {SvgText.N(w)} {SvgText.N(h)}\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n");
        sb.Append($"<rect x=\"0\" y=\"0\" width=\"{SvgText.N(w)}\" height=\"{SvgText.N(h)}\" fill=\"white\"/>\n");
        for (int i = 0; i < Charts.Count; i++)
        {
            double x = i % cols * cw, y = i / cols * ch;
            sb.Append($"<g transform=\"translate({SvgText.N(x)} {SvgText.N(y)})\">\n");
            Charts[i].WriteBody(sb);
            sb.Append("</g>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }
}
