using System.Globalization;
using System.IO.Compression;
using System.Text;
using CatPot.Chemistry;

namespace CatPot.IO;

/// <summary>
/// Writes structures as ASE-compatible extended XYZ: <c>Properties=species:S:1:pos:R:3[:forces:R:3][:extra columns]</c>,
/// then energy, charge, spin, every <see cref="Structure.Info"/> key and <c>pbc</c> (and <c>Lattice</c> when there is a cell).
/// Reals are written in shortest round-trip form, so reading the file back gives the same doubles.
/// </summary>
/// <remarks>
/// Files are written atomically (<see cref="CreateAtomic"/>, <see cref="WriteFile"/>): frames go to a temporary
/// file in the same directory that replaces the target only on <see cref="Commit"/>, so a crash never leaves a
/// half-written output and an input file being read is never clobbered mid-way. A path ending in <c>.gz</c> is gzip-compressed.
/// </remarks>
public sealed class ExtXyzWriter : IDisposable
{
    private static readonly System.Buffers.SearchValues<char> BadColumnNameChars = System.Buffers.SearchValues.Create(": \t\"'=");
    private static readonly System.Buffers.SearchValues<char> Whitespace = System.Buffers.SearchValues.Create(" \t\r\n");

    private readonly TextWriter _writer;
    private readonly bool _leaveOpen;
    private readonly ExtXyzWriterOptions _options;
    private readonly StringBuilder _header = new();
    private readonly char[] _row = new char[256];
    private readonly AtomicFile? _file;
    private bool _disposed;

    /// <summary>Writes to a text writer (which should use "\n" line ends; they are written explicitly).</summary>
    public ExtXyzWriter(TextWriter writer, ExtXyzWriterOptions? options = null, bool leaveOpen = false)
    {
        _writer = writer;
        _leaveOpen = leaveOpen;
        _options = options ?? ExtXyzWriterOptions.Default;
    }

    private ExtXyzWriter(AtomicFile file, TextWriter writer, ExtXyzWriterOptions? options)
        : this(writer, options)
    {
        _file = file;
    }

    /// <summary>
    /// Starts writing <paramref name="path"/> through a temporary file beside it. Call <see cref="Commit"/> when done;
    /// disposing without committing deletes the temporary file (even when the disk is full) and leaves
    /// <paramref name="path"/> untouched. The temporary file is an <see cref="AtomicFile"/>.
    /// </summary>
    /// <exception cref="OutputPathException"><paramref name="path"/> is a directory or its folder does not exist.</exception>
    public static ExtXyzWriter CreateAtomic(string path, ExtXyzWriterOptions? options = null)
    {
        var file = AtomicFile.Create(path);
        try
        {
            var content = file.ContentStream;
            Stream body = file.TargetPath.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(content, CompressionLevel.Optimal, leaveOpen: true)
                : content;
            // Disposing the text writer closes the gzip layer (completing it) but never the file itself.
            var text = new StreamWriter(body, new UTF8Encoding(false), 1 << 16, leaveOpen: body == content) { NewLine = "\n" };
            return new ExtXyzWriter(file, text, options);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Writes all frames to <paramref name="path"/> atomically.</summary>
    public static void WriteFile(string path, IEnumerable<Structure> frames, ExtXyzWriterOptions? options = null)
    {
        using var writer = CreateAtomic(path, options);
        foreach (var s in frames) writer.Write(s);
        writer.Commit();
    }

    /// <summary>One frame as extxyz text (handy for logs and tests).</summary>
    public static string ToText(Structure structure, ExtXyzWriterOptions? options = null)
    {
        using var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var w = new ExtXyzWriter(sw, options, leaveOpen: true)) w.Write(structure);
        return sw.ToString();
    }

    /// <summary>Appends one frame.</summary>
    /// <exception cref="ArgumentException">An Info key or per-atom column collides with a label name, has an
    /// unsupported type or the wrong length.</exception>
    public void Write(Structure structure)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var o = _options;
        int n = structure.AtomCount;
        var reservedKeys = new HashSet<string>(StringComparer.Ordinal) { "Properties", "Lattice", "pbc", o.EnergyKey, o.ChargeKey, o.SpinKey };
        foreach (var key in structure.Info.Keys)
            if (reservedKeys.Contains(key))
                throw new ArgumentException($"Info key '{key}' collides with a key the writer sets itself (Properties, Lattice, pbc, {o.EnergyKey}, {o.ChargeKey}, {o.SpinKey}); rename it.", nameof(structure));
        foreach (var (name, column) in structure.PerAtom)
        {
            if (name is "species" or "pos" or "Z" || name == o.ForcesKey)
                throw new ArgumentException($"Per-atom column '{name}' collides with species, pos, Z or {o.ForcesKey}; rename it.", nameof(structure));
            if (name.Length == 0 || name.AsSpan().IndexOfAny(BadColumnNameChars) >= 0)
                throw new ArgumentException($"Per-atom column name '{name}' must be non-empty without ':', quotes, '=' or whitespace.", nameof(structure));
            if (column.Width < 1 || column.Values.Length != n * column.Width)
                throw new ArgumentException($"Per-atom column '{name}' has {column.Values.Length} values; {n} atoms × width {column.Width} need {n * column.Width}.", nameof(structure));
        }
        if (structure.Forces is { } f && f.Length != 3 * n)
            throw new ArgumentException($"Forces has {f.Length} values; {n} atoms need {3 * n}.", nameof(structure));

        var h = _header.Clear();
        if (structure.Cell is { } cell)
        {
            if (cell.Length != 9) throw new ArgumentException($"Cell has {cell.Length} values; expected 9.", nameof(structure));
            ExtXyzCommentLine.AppendPair(h, "Lattice", cell);
            h.Append(' ');
        }
        h.Append("Properties=species:S:1:pos:R:3");
        if (structure.Forces is not null) h.Append(':').Append(o.ForcesKey).Append(":R:3");
        foreach (var (name, column) in structure.PerAtom)
            h.Append(':').Append(name).Append(':').Append(TypeCode(name, column.Values)).Append(':').Append(column.Width.ToString(CultureInfo.InvariantCulture));
        if (structure.Energy is double e) { h.Append(' '); ExtXyzCommentLine.AppendPair(h, o.EnergyKey, e); }
        h.Append(' '); ExtXyzCommentLine.AppendPair(h, o.ChargeKey, (long)structure.Charge);
        h.Append(' '); ExtXyzCommentLine.AppendPair(h, o.SpinKey, (long)structure.Spin);
        foreach (var (key, value) in structure.Info) { h.Append(' '); ExtXyzCommentLine.AppendPair(h, key, value); }
        h.Append(' '); ExtXyzCommentLine.AppendPair(h, "pbc", structure.Pbc);

        _writer.Write(n.ToString(CultureInfo.InvariantCulture));
        _writer.Write('\n');
        _writer.Write(h);
        _writer.Write('\n');

        Span<char> row = _row;
        for (int atom = 0; atom < n; atom++)
        {
            string symbol = Elements.Symbol(structure.Numbers[atom]);
            _writer.Write(symbol);
            for (int k = symbol.Length; k < 2; k++) _writer.Write(' ');
            WriteReals(structure.Positions.AsSpan(3 * atom, 3), row);
            if (structure.Forces is { } forces) WriteReals(forces.AsSpan(3 * atom, 3), row);
            foreach (var (name, column) in structure.PerAtom) WriteColumn(name, column, atom, row);
            _writer.Write('\n');
        }
    }

    private void WriteReals(ReadOnlySpan<double> values, Span<char> row)
    {
        foreach (double v in values)
        {
            row[0] = ' ';
            int len = ExtXyzNumber.Format(v, row[1..]);
            _writer.Write(row[..(len + 1)]);
        }
    }

    private void WriteColumn(string name, PerAtomColumn column, int atom, Span<char> row)
    {
        int w = column.Width, start = atom * w;
        for (int k = start; k < start + w; k++)
        {
            _writer.Write(' ');
            switch (column.Values)
            {
                case double[] d: _writer.Write(row[..ExtXyzNumber.Format(d[k], row)]); break;
                case float[] fl: _writer.Write(row[..ExtXyzNumber.Format(fl[k], row)]); break;
                case long[] l: _writer.Write(l[k].ToString(CultureInfo.InvariantCulture)); break;
                case int[] i: _writer.Write(i[k].ToString(CultureInfo.InvariantCulture)); break;
                case bool[] b: _writer.Write(b[k] ? 'T' : 'F'); break;
                case string[] s:
                    string text = s[k];
                    if (string.IsNullOrEmpty(text) || text.AsSpan().IndexOfAny(Whitespace) >= 0)
                        throw new ArgumentException($"Per-atom string column '{name}' value for atom {atom} is empty or contains whitespace.", nameof(column));
                    _writer.Write(text);
                    break;
            }
        }
    }

    private static char TypeCode(string name, Array values) => values switch
    {
        double[] or float[] => 'R',
        long[] or int[] => 'I',
        bool[] => 'L',
        string[] => 'S',
        _ => throw new ArgumentException($"Per-atom column '{name}' holds {values.GetType().Name}; use double[], float[], long[], int[], bool[] or string[].", nameof(values)),
    };

    /// <summary>
    /// Finishes an atomic write: flushes, syncs to disk and renames the temporary file over the target.
    /// For a writer over a <see cref="TextWriter"/> this only flushes.
    /// </summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _writer.Flush();
        if (_file is null) return;
        _writer.Dispose(); // completes the gzip stream, if any
        _file.Commit();
        _disposed = true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_file is not null)
        {
            try
            {
                _writer.Dispose();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The last buffered text could not be written (e.g. a full disk, or a Commit that failed half-way):
                // the temporary file is deleted below.
            }
            finally
            {
                _file.Dispose();
            }
        }
        else if (_leaveOpen) _writer.Flush();
        else _writer.Dispose();
    }
}
