using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Compression;
using CatPot.Chemistry;


namespace CatPot.IO;

/// <summary>
/// Streams structures out of an extended XYZ file (ASE's format; plain XYZ too), one frame at a time,
/// never holding more than one frame. Gzip-compressed input is detected from its magic bytes.
/// Every problem is a <see cref="StructureFormatException"/> naming the file, frame and line.
/// </summary>
/// <remarks>
/// Energy, forces, charge and spin are taken from the keys in <see cref="ExtXyzReaderOptions.Keys"/>;
/// <c>Lattice</c> becomes <see cref="Structure.Cell"/> and <c>pbc</c> <see cref="Structure.Pbc"/>
/// (default: periodic when a Lattice is present); other comment-line keys go to
/// <see cref="Structure.Info"/> and other columns to <see cref="Structure.PerAtom"/>.
/// A comment line without any '=' is free text and is kept as <c>Info["comment"]</c>.
/// Blank lines between frames and at the end are ignored.
/// </remarks>
public sealed class ExtXyzReader : IDisposable
{
    private readonly ExtXyzLineSource _lines;
    private readonly ExtXyzReaderOptions _options;
    private ExtXyzProperties? _lastProperties;
    private int[] _tokenStarts = new int[16];
    private int[] _tokenEnds = new int[16];
    private int _previousCount;
    private long _previousCountLine;
    private bool _done;
    // A line read ahead while looking for VEC lines after a frame's atoms: the next frame's count line.
    private string? _pendingLine;
    private long _pendingLineNumber;

    /// <summary>Opens a file (plain or gzip).</summary>
    /// <exception cref="StructureFormatException">The file is empty or not a readable extxyz file.</exception>
    public ExtXyzReader(string path, ExtXyzReaderOptions? options = null)
        : this(File.OpenRead(path), path, options, leaveOpen: false)
    {
    }

    /// <summary>
    /// Reads from a stream; <paramref name="displayName"/> names it in errors. Gzip is detected only on seekable streams.
    /// </summary>
    public ExtXyzReader(Stream stream, string displayName, ExtXyzReaderOptions? options = null, bool leaveOpen = false)
    {
        FilePath = displayName;
        _options = options ?? ExtXyzReaderOptions.Default;
        (Stream text, long? length) = Decompress(stream, leaveOpen);
        _lines = new ExtXyzLineSource(text, leaveOpen: leaveOpen && ReferenceEquals(text, stream), length);
    }

    /// <summary>The file (or display name) errors refer to.</summary>
    public string FilePath { get; }

    /// <summary>Frames returned so far; also the index of the next frame.</summary>
    public int FramesRead { get; private set; }

    /// <summary>Reads every frame of a file into a list; on any error throws and returns nothing.</summary>
    public static List<Structure> ReadAll(string path, ExtXyzReaderOptions? options = null)
    {
        using var reader = new ExtXyzReader(path, options);
        var frames = new List<Structure>();
        while (reader.TryRead(out var s)) frames.Add(s);
        return frames;
    }

    /// <summary>Lazily enumerates the frames of a file; the file is closed when enumeration ends.</summary>
    public static IEnumerable<Structure> ReadFrames(string path, ExtXyzReaderOptions? options = null)
    {
        using var reader = new ExtXyzReader(path, options);
        while (reader.TryRead(out var s)) yield return s;
    }

    /// <summary>
    /// Continues with frame <paramref name="frameIndex"/> at the stream's current position, after the caller moved the
    /// stream there (reading by index reuses one reader and its buffers for every frame); line numbers in errors then
    /// count from that position. <paramref name="remainingBytes"/> is the stream length from there.
    /// </summary>
    internal void Restart(int frameIndex, long remainingBytes)
    {
        _lines.Restart(remainingBytes);
        _done = false;
        _pendingLine = null;
        _pendingLineNumber = 0;
        _previousCount = 0;
        _previousCountLine = 0;
        FramesRead = frameIndex;
    }

    /// <summary>Reads the next frame; false at the end of the file.</summary>
    /// <exception cref="StructureFormatException">The frame is malformed or physically invalid.</exception>
    public bool TryRead([NotNullWhen(true)] out Structure? structure)
    {
        structure = null;
        if (_done) return false;
        int frame = FramesRead;

        // Count line (blank lines between frames are skipped).
        ReadOnlySpan<char> line;
        do
        {
            if (!NextLineOrPending(frame, out line))
            {
                _done = true;
                if (frame == 0)
                    throw Fail(null, null, "the file is empty; expected an extxyz frame: an atom-count line, a comment line, then one line per atom.");
                return false;
            }
        }
        while (line.IsWhiteSpace());
        long countLine = _pendingLineNumber > 0 ? _pendingLineNumber : _lines.LineNumber;
        _pendingLineNumber = 0;
        int count = ParseCount(line, frame, countLine);

        // Comment line.
        if (!NextLine(frame, out line))
            throw Fail(frame, countLine + 1, Invariant($"the file ends after the count line; expected a comment line and {count} atom lines."));
        long commentLine = _lines.LineNumber;
        var header = ParseComment(line.ToString(), frame, commentLine);
        var props = header.Properties;

        long? remaining = _lines.RemainingBytesUpperBound;
        if (remaining is long r && (long)count * (2L * props.TokenCount) - 1 > r)
            throw Fail(frame, countLine, Invariant(
                $"the count line declares {count} atoms, but at {props.TokenCount} columns per atom line that needs at least {(long)count * 2 * props.TokenCount - 1} more bytes and only about {r} remain; the count line is corrupt."));

        var structure0 = BuildFrame(count, frame, countLine, commentLine, header);
        ReadCellVectorLines(structure0, frame);
        LabelUnit.Convert(structure0, _options.EnergyUnit, _options.ForceUnit);
        StructureValidator.Validate(structure0, FilePath, frame, commentLine, commentLine + 1, _options.MinInteratomicDistance);
        if (_options.RequireModelInputs || _options.RequireEnergy)
            StructureValidator.ValidateLabelsAndDomain(structure0, FilePath, frame, _options.RequireModelInputs, _options.RequireEnergy, commentLine, commentLine + 1);
        _previousCount = count;
        _previousCountLine = countLine;
        FramesRead++;
        structure = structure0;
        return true;
    }

    private Structure BuildFrame(int count, int frame, long countLine, long commentLine, FrameHeader header)
    {
        var props = header.Properties;
        var numbers = new int[count];
        var positions = new double[3 * count];
        double[]? forces = header.ForcesColumn is null ? null : new double[3 * count];
        var extras = new Array[props.Columns.Length];
        foreach (var c in header.ExtraColumns)
        {
            int k = Array.IndexOf(props.Columns, c);
            extras[k] = c.Type switch
            {
                'R' => new double[count * c.Width],
                'I' => new long[count * c.Width],
                'L' => new bool[count * c.Width],
                _ => new string[count * c.Width],
            };
        }

        for (int atom = 0; atom < count; atom++)
        {
            if (!NextLine(frame, out var line))
                throw Fail(frame, _lines.LineNumber + 1, Invariant(
                    $"the file ends inside the frame: the count line (line {countLine}) declares {count} atoms but only {atom} atom lines follow. Fix the count or restore the missing lines."));
            long lineNo = _lines.LineNumber;
            int found = Tokenize(line, props.TokenCount);
            if (found != props.TokenCount)
            {
                string hint = found == 1 && ExtXyzNumber.TryParseLong(line.Trim(), out _)
                    ? Invariant($" This looks like the count line of the next frame: the frame has only {atom} atom lines but its count line (line {countLine}) declares {count}.")
                    : "";
                throw Fail(frame, lineNo, Invariant(
                    $"expected {props.TokenCount} columns (Properties={props.Text}) but found {found}: '{Excerpt(line)}'.{hint}"));
            }

            var species = line[_tokenStarts[header.SpeciesColumn.FirstToken].._tokenEnds[header.SpeciesColumn.FirstToken]];
            if (header.SpeciesColumn.Type == 'S')
            {
                if (!Elements.TryGetAtomicNumber(species, out numbers[atom]))
                    throw Fail(frame, lineNo, $"atom {atom}: expected an element symbol (H, He, …, Og) but found '{species}'.");
            }
            else
            {
                if (!ExtXyzNumber.TryParseLong(species, out long z) || z < 1 || z > Elements.MaxAtomicNumber)
                    throw Fail(frame, lineNo, $"atom {atom}: expected an atomic number 1..118 in column Z but found '{species}'.");
                numbers[atom] = (int)z;
            }

            ParseReals(line, header.PositionColumn, positions.AsSpan(3 * atom, 3), frame, lineNo, atom, requireFinite: true);
            if (forces is not null)
                ParseReals(line, header.ForcesColumn!, forces.AsSpan(3 * atom, 3), frame, lineNo, atom, requireFinite: true);

            foreach (var c in header.ExtraColumns)
            {
                var target = extras[Array.IndexOf(props.Columns, c)];
                switch (target)
                {
                    case double[] d: ParseReals(line, c, d.AsSpan(atom * c.Width, c.Width), frame, lineNo, atom, requireFinite: false); break;
                    case long[] l:
                        for (int w = 0; w < c.Width; w++)
                        {
                            var tok = Token(line, c.FirstToken + w);
                            if (!ExtXyzNumber.TryParseLong(tok, out l[atom * c.Width + w]))
                                throw Fail(frame, lineNo, $"atom {atom}: expected an integer in column '{c.Name}' but found '{tok}'.");
                        }
                        break;
                    case bool[] b:
                        for (int w = 0; w < c.Width; w++)
                        {
                            var tok = Token(line, c.FirstToken + w);
                            if (!ExtXyzCommentLine.TryParseBool(tok, out b[atom * c.Width + w]))
                                throw Fail(frame, lineNo, $"atom {atom}: expected T or F in column '{c.Name}' but found '{tok}'.");
                        }
                        break;
                    case string[] s:
                        for (int w = 0; w < c.Width; w++) s[atom * c.Width + w] = Token(line, c.FirstToken + w).ToString();
                        break;
                }
            }
        }

        var structure = new Structure(numbers, positions, header.Charge, header.Spin)
        {
            Cell = header.Cell,
            Pbc = header.Pbc,
            Energy = header.Energy,
            Forces = forces,
        };
        foreach (var (key, value) in header.Info) structure.Info[key] = value;
        foreach (var c in header.ExtraColumns)
            structure.PerAtom[c.Name] = new PerAtomColumn(extras[Array.IndexOf(props.Columns, c)], c.Width);
        return structure;
    }

    /// <summary>
    /// Reads the <c>VEC1</c>…<c>VEC3</c> lines ASE writes after the atoms with <c>write(..., vec_cell=True)</c>:
    /// line k sets lattice vector k and makes that direction periodic (as <c>ase.io.extxyz</c> reads them).
    /// The first line that is not a VEC line is kept for the next frame.
    /// </summary>
    private void ReadCellVectorLines(Structure structure, int frame)
    {
        int vectors = 0;
        while (NextLine(frame, out var line))
        {
            var trimmed = line.TrimStart();
            if (!trimmed.StartsWith("VEC", StringComparison.Ordinal))
            {
                _pendingLine = line.ToString();
                _pendingLineNumber = _lines.LineNumber;
                break;
            }
            long lineNo = _lines.LineNumber;
            if (vectors == 3)
                throw Fail(frame, lineNo, "expected at most three cell-vector lines (VEC1, VEC2, VEC3) after the atoms but found a fourth.");
            int found = Tokenize(trimmed, 4);
            var name = Token(trimmed, 0);
            if (!name.SequenceEqual(Invariant($"VEC{vectors + 1}")))
                throw Fail(frame, lineNo, Invariant($"expected the cell-vector line VEC{vectors + 1} but found '{Excerpt(name)}'."));
            if (found != 4)
                throw Fail(frame, lineNo, Invariant($"expected VEC{vectors + 1} followed by three numbers but found {found - 1} value(s): '{Excerpt(trimmed)}'."));
            var cell = structure.Cell ?? new double[9];
            for (int k = 0; k < 3; k++)
            {
                var tok = Token(trimmed, k + 1);
                if (!ExtXyzNumber.TryParseDouble(tok, out cell[3 * vectors + k]) || !double.IsFinite(cell[3 * vectors + k]))
                    throw Fail(frame, lineNo, Invariant($"expected a finite number in VEC{vectors + 1} but found '{Excerpt(tok)}'."));
            }
            if (structure.Cell is null)
            {
                structure.Cell = cell;
                structure.Pbc = new bool[3];
            }
            structure.Pbc[vectors] = true;
            vectors++;
        }
        if (vectors > 0 && structure.Pbc.Count(p => p) != vectors)
            throw Fail(frame, _lines.LineNumber, Invariant(
                $"the frame has {vectors} VEC line(s) but its comment line makes {structure.Pbc.Count(p => p)} direction(s) periodic; ASE needs one VEC line per periodic direction."));
    }

    private bool NextLineOrPending(int frame, out ReadOnlySpan<char> line)
    {
        if (_pendingLine is { } pending)
        {
            _pendingLine = null;
            line = pending;
            return true;
        }
        _pendingLineNumber = 0;
        return NextLine(frame, out line);
    }

    private void ParseReals(ReadOnlySpan<char> line, ExtXyzColumn column, Span<double> target, int frame, long lineNo, int atom, bool requireFinite)
    {
        for (int w = 0; w < target.Length; w++)
        {
            var tok = Token(line, column.FirstToken + w);
            if (!ExtXyzNumber.TryParseDouble(tok, out target[w]))
                throw Fail(frame, lineNo, $"atom {atom}: expected a real number in column '{column.Name}' but found '{tok}'.");
            if (requireFinite && !double.IsFinite(target[w]))
                throw Fail(frame, lineNo, $"atom {atom}: expected a finite number in column '{column.Name}' but found '{tok}'.");
        }
    }

    private ReadOnlySpan<char> Token(ReadOnlySpan<char> line, int k) => line[_tokenStarts[k].._tokenEnds[k]];

    /// <summary>Splits on whitespace, storing up to <paramref name="expected"/> tokens; returns how many there are.</summary>
    private int Tokenize(ReadOnlySpan<char> line, int expected)
    {
        if (_tokenStarts.Length < expected)
        {
            _tokenStarts = new int[expected];
            _tokenEnds = new int[expected];
        }
        int count = 0, i = 0, n = line.Length;
        while (true)
        {
            while (i < n && line[i] <= ' ') i++;
            if (i >= n) return count;
            int start = i;
            while (i < n && line[i] > ' ') i++;
            if (count < expected) { _tokenStarts[count] = start; _tokenEnds[count] = i; }
            count++;
        }
    }

    private int ParseCount(ReadOnlySpan<char> line, int frame, long lineNo)
    {
        var trimmed = line.Trim();
        if (!ExtXyzNumber.TryParseLong(trimmed, out long count))
        {
            if (frame > 0 && LooksLikeAtomLine(trimmed))
                throw Fail(frame - 1, lineNo, Invariant(
                    $"frame {frame - 1} has more atom lines than its count line (line {_previousCountLine}) declares ({_previousCount}): expected the atom count of frame {frame} here but found an atom line '{Excerpt(trimmed)}'. Fix the count or remove the extra lines."));
            throw Fail(frame, lineNo, $"expected the atom count (a positive integer) on the first line of a frame but found '{Excerpt(trimmed)}'.");
        }
        if (count < 1)
            throw Fail(frame, lineNo, Invariant($"expected a positive atom count but found {count}."));
        if (count > _options.MaxAtomsPerFrame)
            throw Fail(frame, lineNo, Invariant(
                $"expected at most {_options.MaxAtomsPerFrame} atoms per frame but the count line says {count}; the count line is probably corrupt."));
        return (int)count;
    }

    private static bool LooksLikeAtomLine(ReadOnlySpan<char> line)
    {
        var rest = line;
        int tokens = 0;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOfAny(' ', '\t');
            var tok = end < 0 ? rest : rest[..end];
            if (tokens == 0 ? !(Elements.TryGetAtomicNumber(tok, out _) || ExtXyzNumber.TryParseLong(tok, out _)) : tokens <= 3 && !ExtXyzNumber.TryParseDouble(tok, out _))
                return false;
            tokens++;
            rest = end < 0 ? default : rest[end..].TrimStart();
        }
        return tokens >= 4;
    }

    private sealed record FrameHeader(
        ExtXyzProperties Properties, ExtXyzColumn SpeciesColumn, ExtXyzColumn PositionColumn, ExtXyzColumn? ForcesColumn,
        ExtXyzColumn[] ExtraColumns, double? Energy, int Charge, int Spin, double[]? Cell, bool[] Pbc,
        List<KeyValuePair<string, object>> Info);

    private FrameHeader ParseComment(string comment, int frame, long lineNo)
    {
        var keys = _options.Keys;
        var info = new List<KeyValuePair<string, object>>();
        string propertiesText = ExtXyzProperties.PlainXyz;
        string? latticeRaw = null;
        object? pbcValue = null;
        var labels = new Dictionary<string, object>(StringComparer.Ordinal);

        if (comment.Contains('=', StringComparison.Ordinal))
        {
            var pairs = new List<ExtXyzRawPair>();
            if (!ExtXyzCommentLine.TrySplit(comment, pairs, out string? error))
                throw Fail(frame, lineNo, $"malformed comment line: {error}");
            foreach (var p in pairs)
            {
                switch (p.Key)
                {
                    case "Properties": propertiesText = p.Value; break;
                    case "Lattice": latticeRaw = p.Value; break;
                    case "pbc": pbcValue = p.HasValue ? ParsePbc(p.Value) : true; break;
                    default:
                        object value = p.HasValue ? ExtXyzCommentLine.ParseValue(p.Value) : true;
                        if (IsCandidate(keys, p.Key)) labels[p.Key] = value;
                        else AddOrReplace(info, p.Key, value);
                        break;
                }
            }
        }
        else if (!string.IsNullOrWhiteSpace(comment))
        {
            info.Add(new("comment", comment.Trim()));
        }

        // Labels: the first candidate present wins; the others stay in Info, in file order after the rest.
        double? energy = null;
        int charge = 0, spin = 1;
        if (First(keys.Energy, labels) is { } ek)
            energy = labels[ek] switch
            {
                long l => l,
                double d => d,
                var v => throw Fail(frame, lineNo, $"expected a number for {ek} but found '{Show(v)}'."),
            };
        if (First(keys.Charge, labels) is { } ck)
            charge = Integer(labels[ck], ck, "total charge", frame, lineNo, "(an integer number of elementary charges; fractional charges are not supported)");
        if (First(keys.Spin, labels) is { } sk)
        {
            spin = Integer(labels[sk], sk, "spin multiplicity", frame, lineNo, "(2S+1: 1 = singlet, 2 = doublet, …)");
            if (spin < 1)
                throw Fail(frame, lineNo, Invariant($"expected a spin multiplicity 2S+1 ≥ 1 for {sk} but found {spin} (1 = singlet, 2 = doublet, …)."));
        }
        foreach (var (key, value) in labels)
            if (key != First(keys.Energy, labels) && key != First(keys.Charge, labels) && key != First(keys.Spin, labels))
                AddOrReplace(info, key, value);

        double[]? cell = null;
        if (latticeRaw is not null)
        {
            cell = ExtXyzCommentLine.ParseValue(latticeRaw) switch
            {
                double[] { Length: 9 } d => d,
                long[] { Length: 9 } l => Array.ConvertAll(l, x => (double)x),
                _ => throw Fail(frame, lineNo, $"malformed Lattice: expected 9 numbers (three lattice vectors a, b, c in order) but found \"{latticeRaw}\"."),
            };
        }
        bool[] pbc = pbcValue switch
        {
            null => cell is null ? [false, false, false] : [true, true, true],
            bool b => [b, b, b],
            bool[] { Length: 3 } b => b,
            long[] { Length: 3 } l when l.All(x => x is 0 or 1) => Array.ConvertAll(l, x => x == 1),
            var v => throw Fail(frame, lineNo, $"malformed pbc: expected three flags like pbc=\"T T F\" but found '{Show(v)}'."),
        };

        var props = _lastProperties is not null && _lastProperties.Text == propertiesText
            ? _lastProperties
            : ExtXyzProperties.TryParse(propertiesText, out string? propError) ?? throw Fail(frame, lineNo, propError!);
        _lastProperties = props;

        var species = props.Find("Z") is { Type: 'I', Width: 1 } z ? z : props.Find("species");
        if (species is null || (species.Name == "species" && (species.Type != 'S' || species.Width != 1)))
            throw Fail(frame, lineNo, $"expected a species:S:1 (or Z:I:1) column in Properties={props.Text} but found none.");
        var pos = props.Find("pos") ?? throw Fail(frame, lineNo, $"expected a pos:R:3 position column in Properties={props.Text} but found none.");
        if (pos.Type != 'R' || pos.Width != 3)
            throw Fail(frame, lineNo, $"expected the position column as pos:R:3 but found pos:{pos.Type}:{pos.Width}.");
        ExtXyzColumn? forces = null;
        foreach (var name in keys.Forces)
        {
            if (props.Find(name) is not { } f) continue;
            if (f.Type != 'R' || f.Width != 3)
                throw Fail(frame, lineNo, $"expected the force column as {name}:R:3 but found {name}:{f.Type}:{f.Width}.");
            forces = f;
            break;
        }
        var extras = props.Columns.Where(c => c != pos && c != forces && c.Name is not ("species" or "Z")).ToArray();
        return new FrameHeader(props, species, pos, forces, extras, energy, charge, spin, cell, pbc, info);
    }

    /// <summary>
    /// The pbc value: three (or one) flags written as T/F, True/False in any case, or 0/1, separated by spaces or
    /// commas, optionally in brackets (current ASE reads all of these); anything else is returned as parsed.
    /// </summary>
    private static object ParsePbc(string raw)
    {
        var words = raw.Trim().TrimStart('[').TrimEnd(']').Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
        var flags = new bool[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            switch (words[i].ToUpperInvariant())
            {
                case "T" or "TRUE" or "1": flags[i] = true; break;
                case "F" or "FALSE" or "0": flags[i] = false; break;
                default: return ExtXyzCommentLine.ParseValue(raw);
            }
        }
        return flags.Length == 1 ? flags[0] : flags;
    }

    private int Integer(object value, string key, string what, int frame, long lineNo, string hint)
    {
        switch (value)
        {
            case long l when l is >= int.MinValue and <= int.MaxValue: return (int)l;
            case double d when double.IsFinite(d) && Math.Abs(d) < int.MaxValue && d == Math.Floor(d): return (int)d;
            case double d when double.IsFinite(d) && d != Math.Floor(d):
                throw Fail(frame, lineNo, Invariant($"expected an integer {what} for {key} but found the fractional value {d} {hint}."));
            default:
                throw Fail(frame, lineNo, $"expected an integer {what} for {key} but found '{Show(value)}' {hint}.");
        }
    }

    private static bool IsCandidate(ExtXyzKeys keys, string key) =>
        keys.Energy.Contains(key) || keys.Charge.Contains(key) || keys.Spin.Contains(key);

    private static string? First(IReadOnlyList<string> candidates, Dictionary<string, object> present)
    {
        foreach (var c in candidates) if (present.ContainsKey(c)) return c;
        return null;
    }

    private static void AddOrReplace(List<KeyValuePair<string, object>> info, string key, object value)
    {
        int i = info.FindIndex(p => p.Key == key);
        if (i >= 0) info[i] = new(key, value);
        else info.Add(new(key, value));
    }

    private static string Show(object value) => value switch
    {
        Array a => string.Join(' ', a.Cast<object>().Select(x => Convert.ToString(x, CultureInfo.InvariantCulture))),
        bool b => b ? "T" : "F",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private bool NextLine(int frame, out ReadOnlySpan<char> line)
    {
        bool ok;
        try
        {
            ok = _lines.TryReadLine(out line);
        }
        catch (InvalidDataException e)
        {
            throw Fail(frame, _lines.LineNumber + 1, "expected a text line but found binary data (no line break within 16 MB); is this a compressed or database file?", e);
        }
        catch (IOException e)
        {
            throw Fail(frame, _lines.LineNumber + 1, $"the file could not be read: {e.Message}", e);
        }
        if (ok)
        {
            int bad = line.IndexOfAny('\0', '\uFFFD');
            if (bad >= 0)
                throw Fail(frame, _lines.LineNumber, line[bad] == '\0'
                    ? Invariant($"expected text but found a NUL byte (column {bad + 1}); this is binary data, not an extxyz file (a database or an archive?).")
                    : Invariant($"expected UTF-8 text but found an invalid byte sequence (column {bad + 1}); this is binary data or a file in another encoding."));
        }
        return ok;
    }

    private static (Stream Text, long? Length) Decompress(Stream stream, bool leaveOpen)
    {
        // A stream that cannot seek cannot be peeked at: it is read as plain text.
        if (!stream.CanSeek) return (stream, null);
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int n = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            return (new GZipStream(stream, CompressionMode.Decompress, leaveOpen), null);
        return (stream, stream.Length - start);
    }

    private StructureFormatException Fail(int? frame, long? line, string message, Exception? inner = null) =>
        new(FilePath, frame, line, message, inner);

    private static string Excerpt(ReadOnlySpan<char> line) => line.Length <= 80 ? line.ToString() : string.Concat(line[..77], "...");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public void Dispose() => _lines.Dispose();
}
