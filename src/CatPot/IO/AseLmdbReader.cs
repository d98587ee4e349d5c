using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.IO.Lmdb;

namespace CatPot.IO;

/// <summary>
/// Reads ASE database rows from OMol25-style <c>.aselmdb</c> files (LMDB, one zlib-compressed JSON row per
/// decimal id key) as <see cref="Structure"/>s: one file, or a directory whose <c>*.aselmdb</c> files,
/// sorted by name, form one dataset.
/// </summary>
/// <remarks>
/// Rows are the ids 1..<c>nextid</c>−1 that are not in <c>deleted_ids</c>, in numeric order (not LMDB's
/// bytewise cursor order, which would put "10" before "2"), file after file. Each structure gets
/// <c>Info["row_id"]</c> (the id in its file); see <see cref="AseJsonRowDecoder"/> for how the row's
/// fields, <c>data</c> and <c>key_value_pairs</c> are mapped. <see cref="Read(int)"/> and
/// <see cref="ReadAll"/> may run on several threads at once; nothing is cached.
/// </remarks>
public sealed class AseLmdbReader : IDisposable
{
    // No ASE row comes near this; the cap keeps a corrupted stream from exhausting memory.
    private const int MaxRowBytes = 1 << 30;

    private readonly Shard[] _shards;

    /// <summary>One file of the dataset: its LMDB, its live-id layout and where its rows start in the dataset.</summary>
    private sealed record Shard(LmdbFile File, long NextId, long[] Deleted, int Count, int FirstIndex);

    /// <summary>Opens a <c>.aselmdb</c> file, or a directory of them (all <c>*.aselmdb</c> sorted by name).</summary>
    /// <param name="path">A file or directory.</param>
    /// <exception cref="StructureFormatException">A file is not LMDB, is corrupted, or lacks ASE's <c>nextid</c>.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>, or a directory holds no <c>.aselmdb</c> file.</exception>
    public AseLmdbReader(string path)
    {
        string[] files;
        if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, "*.aselmdb");
            Array.Sort(files, StringComparer.Ordinal);
            if (files.Length == 0)
                throw new FileNotFoundException($"The directory '{path}' holds no *.aselmdb files; pass a .aselmdb file or a directory of them.", path);
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new FileNotFoundException($"No .aselmdb file or directory at '{path}'.", path);
        }

        var opened = new List<LmdbFile>();
        try
        {
            foreach (var file in files)
                opened.Add(LmdbFile.Open(file));
            _shards = Index(opened);
        }
        catch
        {
            foreach (var file in opened)
                file.Dispose();
            throw;
        }
        Files = files;
    }

    /// <summary>Reads already-opened LMDB files as one dataset, in the order given (tests use in-memory images). Takes ownership.</summary>
    internal AseLmdbReader(IReadOnlyList<LmdbFile> files)
    {
        try
        {
            _shards = Index(files);
        }
        catch
        {
            foreach (var file in files)
                file.Dispose();
            throw;
        }
        Files = files.Select(f => f.FilePath).ToArray();
    }

    /// <summary>The files of the dataset, in the order their rows are numbered.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Number of live rows in all files.</summary>
    public int Count { get; private set; }

    /// <summary>Reads the structure at a dataset index (0 ≤ index &lt; <see cref="Count"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the dataset.</exception>
    /// <exception cref="StructureFormatException">The row is missing, cannot be inflated or decoded, or fails validation.</exception>
    public Structure Read(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var (shard, id) = Locate(index);
        return ReadRow(shard, id, index);
    }

    /// <summary>Which file and row id hold the structure at a dataset index.</summary>
    public (string FilePath, long RowId) RowAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var (shard, id) = Locate(index);
        return (shard.File.FilePath, id);
    }

    /// <summary>Streams every structure in dataset order (files by name, ids ascending numerically).</summary>
    public IEnumerable<Structure> ReadAll()
    {
        int index = 0;
        foreach (var shard in _shards)
        {
            int d = 0;
            for (long id = 1; id < shard.NextId; id++)
            {
                if (d < shard.Deleted.Length && shard.Deleted[d] == id)
                {
                    d++;
                    continue;
                }
                yield return ReadRow(shard, id, index++);
            }
        }
    }

    /// <summary>Drops the process's mapping of the files' pages (see <see cref="LmdbFile.ReleaseResidentPages"/>).</summary>
    internal void ReleaseResidentPages()
    {
        foreach (var shard in _shards)
            shard.File.ReleaseResidentPages();
    }

    /// <summary>Closes the files.</summary>
    public void Dispose()
    {
        foreach (var shard in _shards)
            shard.File.Dispose();
    }

    private Shard[] Index(IReadOnlyList<LmdbFile> files)
    {
        var shards = new Shard[files.Count];
        long total = 0;
        for (int i = 0; i < files.Count; i++)
        {
            var file = files[i];
            long nextId = ReadNextId(file);
            long[] deleted = ReadDeletedIds(file, nextId);
            long count = nextId - 1 - deleted.Length;
            if (total + count > int.MaxValue)
                throw new StructureFormatException(file.FilePath, null, null, $"the dataset holds more than {int.MaxValue} rows; split it into smaller datasets.");
            shards[i] = new Shard(file, nextId, deleted, (int)count, (int)total);
            total += count;
        }
        Count = (int)total;
        return shards;
    }

    private static long ReadNextId(LmdbFile file)
    {
        var json = ReadReservedKey(file, "nextid"u8, "nextid");
        if (json is null)
        {
            // ASE treats a database without nextid as empty; anything else in it means this is not ASE's layout.
            if (file.EntryCount == 0)
                return 1;
            throw new StructureFormatException(file.FilePath, null, null, $"the LMDB file holds {file.EntryCount} entries but no 'nextid' key; it is not an ASE database (.aselmdb).");
        }
        using var document = Parse(file, json, "nextid");
        if (!AseJsonArray.TryInteger(document.RootElement, out long nextId) || nextId < 1 || nextId > int.MaxValue)
            throw new StructureFormatException(file.FilePath, null, null, $"'nextid' is {AseJsonArray.Describe(document.RootElement)}; expected a positive integer.");
        return nextId;
    }

    /// <summary>The deleted ids below nextid, sorted, without duplicates.</summary>
    private static long[] ReadDeletedIds(LmdbFile file, long nextId)
    {
        var json = ReadReservedKey(file, "deleted_ids"u8, "deleted_ids");
        if (json is null)
            return [];
        using var document = Parse(file, json, "deleted_ids");
        long[] ids;
        try
        {
            ids = AseJsonArray.Integers(document.RootElement, "deleted_ids", out _);
        }
        catch (InvalidDataException e)
        {
            throw new StructureFormatException(file.FilePath, null, null, $"'deleted_ids' is not a list of integer row ids: {e.Message}", e);
        }
        return ids.Where(id => id >= 1 && id < nextId).Distinct().Order().ToArray();
    }

    private static byte[]? ReadReservedKey(LmdbFile file, ReadOnlySpan<byte> key, string name)
    {
        if (!file.TryGetSpan(key, out var compressed))
            return null;
        try
        {
            var buffer = Inflate(compressed, out int length);
            var copy = buffer.AsSpan(0, length).ToArray();
            ArrayPool<byte>.Shared.Return(buffer);
            return copy;
        }
        catch (InvalidDataException e)
        {
            throw new StructureFormatException(file.FilePath, null, null, $"the value of key '{name}' is not zlib-compressed data: {e.Message}", e);
        }
    }

    private static JsonDocument Parse(LmdbFile file, byte[] json, string name)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new StructureFormatException(file.FilePath, null, null, $"the value of key '{name}' is not valid JSON: {e.Message}", e);
        }
    }

    private (Shard Shard, long Id) Locate(int index)
    {
        int lo = 0, hi = _shards.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_shards[mid].FirstIndex <= index)
                lo = mid;
            else
                hi = mid - 1;
        }
        // Skip empty shards that share a FirstIndex with the one that holds the row.
        while (_shards[lo].Count <= index - _shards[lo].FirstIndex)
            lo++;
        var shard = _shards[lo];
        long k = index - shard.FirstIndex;
        // Live ids below deleted id D[j] number D[j]-1-j (non-decreasing in j); the (k+1)-th live id is
        // k+1 plus the number of deleted ids that have at most k live ids below them.
        var deleted = shard.Deleted;
        int a = 0, b = deleted.Length;
        while (a < b)
        {
            int mid = (a + b) >>> 1;
            if (deleted[mid] - 1 - mid <= k)
                a = mid + 1;
            else
                b = mid;
        }
        return (shard, k + 1 + a);
    }

    private static Structure ReadRow(Shard shard, long id, int index)
    {
        var file = shard.File;
        Span<byte> key = stackalloc byte[20];
        id.TryFormat(key, out int keyLength, default, CultureInfo.InvariantCulture);
        byte[]? buffer = null;
        try
        {
            if (!file.TryGetSpan(key[..keyLength], out var compressed))
                throw Error(file, index, id, $"row id {id} is below nextid {shard.NextId} and not in deleted_ids, but the file has no key \"{id}\" (corrupted or inconsistent database).");
            buffer = Inflate(compressed, out int length);
            var structure = AseJsonRowDecoder.Decode(buffer.AsMemory(0, length));
            structure.Info["row_id"] = id;
            Validate(structure, file, index, id);
            return structure;
        }
        catch (InvalidDataException e)
        {
            throw Error(file, index, id, e.Message, e);
        }
        catch (JsonException e)
        {
            throw Error(file, index, id, $"the row is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // A JSON value of an unexpected kind (a string where a number belongs) that the decoder's checks missed.
            throw Error(file, index, id, $"a value has an unexpected JSON type: {e.Message}", e);
        }
        finally
        {
            if (buffer is not null)
                ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The same physical checks extxyz frames get, so a dataset is equally trustworthy in either format.</summary>
    private static void Validate(Structure structure, LmdbFile file, int index, long id)
    {
        try
        {
            StructureValidator.Validate(structure, file.FilePath, index);
        }
        catch (StructureFormatException e)
        {
            throw Error(file, index, id, e.Detail, e);
        }
    }

    private static StructureFormatException Error(LmdbFile file, int index, long id, string message, Exception? inner = null) =>
        new(file.FilePath, index, null, $"row id {id}: {message}", inner);

    /// <summary>zlib-inflates into a pooled buffer (return it to <see cref="ArrayPool{T}.Shared"/>).</summary>
    private static unsafe byte[] Inflate(ReadOnlySpan<byte> compressed, out int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(4096, compressed.Length * 4));
        length = 0;
        try
        {
            fixed (byte* source = compressed)
            {
                using var input = new UnmanagedMemoryStream(source, compressed.Length);
                using var zlib = new ZLibStream(input, CompressionMode.Decompress);
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (length >= MaxRowBytes)
                            throw new InvalidDataException($"the value inflates to more than {MaxRowBytes} bytes; a corrupted zlib stream?");
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    int read = zlib.Read(buffer, length, buffer.Length - length);
                    if (read == 0)
                        break;
                    length += read;
                }
            }
            return buffer;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
