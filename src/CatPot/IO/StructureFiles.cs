using System.Buffers.Binary;
using System.Globalization;
using CatPot.Chemistry;
using CatPot.Data;
using CatPot.IO.Lmdb;

namespace CatPot.IO;

/// <summary>
/// Opens any structure source the project reads, by one path: an extended XYZ file (<c>.extxyz</c>, <c>.xyz</c>,
/// optionally gzip-compressed), an ASE LMDB file (<c>.aselmdb</c>), a directory of <c>.aselmdb</c> shards,
/// an ASE database (<c>.db</c> SQLite or <c>.json</c>), or a built-in sample split (<c>sample:train</c>, <c>sample:val</c>, <c>sample:test</c>).
/// Every frame is validated by the underlying reader (<see cref="StructureValidator"/>).
/// </summary>
/// <remarks>
/// The format is chosen from the file's first bytes when they are conclusive (gzip magic → extxyz,
/// LMDB meta-page magic → aselmdb, SQLite header → ASE database), else from the extension, else extxyz when
/// the first non-blank line is an atom count, else ASE JSON database when the text is an object keyed by row ids.
/// <see cref="ExtXyzReaderOptions"/> applies to every source: its units, close-contact limit and model/energy
/// checks to all formats, its label keys to extxyz.
/// </remarks>
public static class StructureFiles
{
    /// <summary>Prefix of the built-in sample paths.</summary>
    public const string SamplePrefix = "sample:";

    /// <summary>One line listing what a path may name; error messages end with it.</summary>
    public const string AcceptedFormats =
        "accepted: an extxyz/xyz file (.extxyz, .xyz, optionally .gz), an ASE LMDB file (.aselmdb), "
        + "a directory of .aselmdb files, an ASE database (.db SQLite or .json), or sample:train, sample:val, sample:test (the built-in sample)";

    // Enough of the head of a file to see the LMDB meta page magic and the first few text lines.
    private const int SniffBytes = 4096;

    /// <summary>The names accepted after <see cref="SamplePrefix"/>, in the order train, val, test.</summary>
    public static IReadOnlyList<string> SampleNames { get; } = ["train", "val", "test"];

    /// <summary>Recognises what <paramref name="path"/> names, without reading any frame.</summary>
    /// <exception cref="StructurePathException">The path does not exist or is not a recognised format.</exception>
    public static StructureFileFormat DetectFormat(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.StartsWith(SamplePrefix, StringComparison.Ordinal))
        {
            SampleStream(path).Dispose();
            return StructureFileFormat.Sample;
        }
        if (Directory.Exists(path))
        {
            if (Directory.EnumerateFiles(path, "*.aselmdb").Any())
                return StructureFileFormat.AseLmdbDirectory;
            throw new StructurePathException(path, $"the directory holds no *.aselmdb files; {AcceptedFormats}.");
        }
        if (!File.Exists(path))
            throw new StructurePathException(path, $"no such file or directory; {AcceptedFormats}.");
        return DetectFileFormat(path);
    }

    /// <summary>
    /// Lazily enumerates the structures at <paramref name="path"/>; the path is checked and its format recognised
    /// before this returns, the frames are read (and the file kept open) only while enumerating.
    /// </summary>
    /// <param name="path">A file, a directory of <c>.aselmdb</c> shards, or <c>sample:train|val|test</c>.</param>
    /// <param name="options">extxyz reader settings (label keys, close-contact limit).</param>
    /// <param name="progress">Receives the fraction read so far (0..1) after each frame; approximate for compressed files.</param>
    /// <exception cref="StructurePathException">The path does not exist or is not a recognised format.</exception>
    /// <exception cref="StructureFormatException">(While enumerating) a frame is malformed or fails validation.</exception>
    public static IEnumerable<Structure> Read(string path, ExtXyzReaderOptions? options = null, IProgress<double>? progress = null)
    {
        var format = DetectFormat(path);
        return format switch
        {
            StructureFileFormat.ExtXyz => ReadExtXyz(() => File.OpenRead(path), path, options, progress),
            StructureFileFormat.Sample => ReadExtXyz(() => SampleStream(path), path, options, progress),
            StructureFileFormat.AseSqlite => ReadRows(new AseSqliteReader(path, options).ReadAll(), progress),
            StructureFileFormat.AseJson => ReadRows(new AseJsonDatabaseReader(path, options).ReadAll(), progress),
            _ => ReadLmdb(path, options ?? ExtXyzReaderOptions.Default, progress),
        };
    }

    /// <summary>Reads every structure at <paramref name="path"/> into a list (see <see cref="Read"/>).</summary>
    /// <exception cref="StructurePathException">The path does not exist or is not a recognised format.</exception>
    /// <exception cref="StructureFormatException">A frame is malformed or fails validation.</exception>
    public static List<Structure> ReadAll(string path, ExtXyzReaderOptions? options = null) => [.. Read(path, options)];

    private static IEnumerable<Structure> ReadExtXyz(Func<Stream> open, string displayName, ExtXyzReaderOptions? options, IProgress<double>? progress)
    {
        using var stream = open();
        // The position of the (possibly compressed) source stream measures progress because the reader
        // pulls from it in buffer-sized reads.
        using var reader = new ExtXyzReader(stream, displayName, options, leaveOpen: true);
        long length = stream.CanSeek ? stream.Length : 0;
        while (reader.TryRead(out var structure))
        {
            if (progress is not null && length > 0)
                progress.Report(Math.Min(1.0, (double)stream.Position / length));
            yield return structure;
        }
        progress?.Report(1.0);
    }

    private static IEnumerable<Structure> ReadLmdb(string path, ExtXyzReaderOptions options, IProgress<double>? progress)
    {
        using var reader = OpenLmdb(path);
        int count = reader.Count, done = 0;
        foreach (var structure in reader.ReadAll())
        {
            // The LMDB reader validates with the default settings; the units and model checks are applied here.
            LabelUnit.Convert(structure, options.EnergyUnit, options.ForceUnit);
            if (!options.EnergyUnit.IsIdentity || !options.ForceUnit.IsIdentity)
                StructureValidator.Validate(structure, reader.RowAt(done).FilePath, done, minDistance: 0);
            StructureValidator.ValidateLabelsAndDomain(structure, reader.RowAt(done).FilePath, done, options.RequireModelInputs, options.RequireEnergy);
            done++;
            progress?.Report((double)done / count);
            yield return structure;
        }
        progress?.Report(1.0);
    }

    private static IEnumerable<Structure> ReadRows(IEnumerable<Structure> rows, IProgress<double>? progress)
    {
        foreach (var structure in rows)
            yield return structure;
        progress?.Report(1.0);
    }

    private static AseLmdbReader OpenLmdb(string path)
    {
        try
        {
            return new AseLmdbReader(path);
        }
        catch (FileNotFoundException e)
        {
            // The path was checked moments ago; it vanished or a shard is unreadable.
            throw new StructurePathException(path, $"{e.Message} {AcceptedFormats}.", e);
        }
    }

    private static Stream SampleStream(string path)
    {
        string name = path[SamplePrefix.Length..];
        return name switch
        {
            "train" => SampleData.OpenTrain(),
            "val" or "validation" => SampleData.OpenValidation(),
            "test" => SampleData.OpenTest(),
            _ => throw new StructurePathException(path,
                $"unknown built-in sample '{name}'; expected one of {string.Join(", ", SampleNames.Select(n => SamplePrefix + n))}."),
        };
    }

    private static StructureFileFormat DetectFileFormat(string path)
    {
        var head = new byte[SniffBytes];
        int n;
        try
        {
            using var stream = File.OpenRead(path);
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StructurePathException(path, $"the file cannot be opened: {e.Message}", e);
        }
        var bytes = head.AsSpan(0, n);

        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
            return StructureFileFormat.ExtXyz;
        if (bytes.Length >= LmdbLayout.MetaMagicOffset + 4
            && BinaryPrimitives.ReadUInt32LittleEndian(bytes[LmdbLayout.MetaMagicOffset..]) == LmdbLayout.Magic)
            return StructureFileFormat.AseLmdb;
        if (AseSqliteReader.HasMagic(bytes))
            return StructureFileFormat.AseSqlite;

        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".gz")
            extension = Path.GetExtension(Path.GetFileNameWithoutExtension(path)).ToLowerInvariant();
        switch (extension)
        {
            case ".extxyz" or ".xyz":
                return StructureFileFormat.ExtXyz;
            case ".aselmdb" or ".lmdb":
                return StructureFileFormat.AseLmdb;
            case ".json":
                return StructureFileFormat.AseJson;
            case ".db":
                // ASE writes .db as SQLite (the magic was not found above): a damaged or foreign file.
                throw new StructurePathException(path, n == 0
                    ? "the .db file is empty; an ASE SQLite database starts with the SQLite header."
                    : "the .db file does not start with the SQLite header ('SQLite format 3'); it is not an ASE SQLite database (damaged, or another database engine?).");
        }

        if (StartsWithAtomCount(bytes))
            return StructureFileFormat.ExtXyz;
        if (AseJsonDatabaseReader.LooksLikeAseJson(bytes))
            return StructureFileFormat.AseJson;
        string found = n == 0 ? "the file is empty" : "its content is neither extxyz text (an atom-count line first), LMDB, SQLite nor an ASE JSON database";
        throw new StructurePathException(path, string.Create(CultureInfo.InvariantCulture,
            $"cannot tell the format: the extension '{Path.GetExtension(path)}' is not known and {found}; {AcceptedFormats}."));
    }

    /// <summary>True when the first non-blank line of the text is a positive integer (an extxyz count line).</summary>
    private static bool StartsWithAtomCount(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length && (bytes[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) i++;
        int start = i;
        while (i < bytes.Length && bytes[i] is >= (byte)'0' and <= (byte)'9') i++;
        if (i == start || i - start > 9) return false;
        while (i < bytes.Length && (bytes[i] is (byte)' ' or (byte)'\t' or (byte)'\r')) i++;
        return i < bytes.Length && bytes[i] == (byte)'\n';
    }
}
