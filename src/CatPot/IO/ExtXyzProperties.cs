namespace CatPot.IO;

/// <summary>One column group of a <c>Properties=</c> declaration, e.g. <c>forces:R:3</c>.</summary>
/// <param name="Name">Column name as in the file.</param>
/// <param name="Type">R (real), I (integer), S (string) or L (logical).</param>
/// <param name="Width">Values per atom.</param>
/// <param name="FirstToken">Index of its first whitespace-separated token in an atom line.</param>
internal sealed record ExtXyzColumn(string Name, char Type, int Width, int FirstToken);

/// <summary>A parsed <c>Properties=name:type:width:…</c> declaration.</summary>
internal sealed class ExtXyzProperties
{
    /// <summary>What a file without <c>Properties=</c> (plain XYZ) has.</summary>
    public const string PlainXyz = "species:S:1:pos:R:3";

    private ExtXyzProperties(string text, ExtXyzColumn[] columns)
    {
        Text = text;
        Columns = columns;
        TokenCount = columns.Sum(c => c.Width);
    }

    /// <summary>The declaration as written.</summary>
    public string Text { get; }

    /// <summary>Column groups in file order.</summary>
    public ExtXyzColumn[] Columns { get; }

    /// <summary>Tokens each atom line must have.</summary>
    public int TokenCount { get; }

    /// <summary>The column group with this name, or null.</summary>
    public ExtXyzColumn? Find(string name) => Array.Find(Columns, c => c.Name == name);

    /// <summary>Parses the declaration; on failure returns null and says what is wrong.</summary>
    public static ExtXyzProperties? TryParse(string text, out string? error)
    {
        error = null;
        var fields = text.Split(':');
        if (fields.Length % 3 != 0)
        {
            error = $"expected Properties as name:type:width triples but found '{text}' ({fields.Length} fields, not a multiple of 3).";
            return null;
        }
        var columns = new ExtXyzColumn[fields.Length / 3];
        int token = 0;
        for (int k = 0; k < columns.Length; k++)
        {
            string name = fields[3 * k], type = fields[3 * k + 1], width = fields[3 * k + 2];
            if (name.Length == 0)
            {
                error = $"expected a column name in Properties triple {k + 1} but found an empty one in '{text}'.";
                return null;
            }
            if (type is not ("R" or "I" or "S" or "L"))
            {
                error = $"expected column type R, I, S or L for '{name}' in Properties but found '{type}'.";
                return null;
            }
            if (!int.TryParse(width, out int w) || w < 1 || w > 1_000_000)
            {
                error = $"expected a positive column width for '{name}' in Properties but found '{width}'.";
                return null;
            }
            if (Array.Exists(columns, c => c is not null && c.Name == name))
            {
                error = $"column '{name}' appears twice in Properties '{text}'.";
                return null;
            }
            columns[k] = new ExtXyzColumn(name, type[0], w, token);
            token += w;
        }
        return new ExtXyzProperties(text, columns);
    }
}
