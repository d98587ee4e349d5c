using System.Security.Cryptography;
using System.Text;
using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.Data;

/// <summary>
/// Datasets read by index instead of into memory: <c>.aselmdb</c> files or directories of shards (rows located through
/// the LMDB), and uncompressed extended XYZ through a byte-offset index built once and cached beside the file
/// (<c>FILE.catpot-index</c>, or in the temporary directory when the file's directory is read-only). Each access reads
/// and decodes one structure; the few most recent are kept, so building a batch reads each structure once.
/// </summary>
public static class IndexedStructures
{
    /// <summary>Opens <paramref name="path"/> for reading by index.</summary>
    /// <exception cref="StructurePathException">The path is not an <c>.aselmdb</c> file or directory or an uncompressed extxyz file.</exception>
    public static IIndexedStructures Open(string path, ExtXyzReaderOptions? options = null)
    {
        var format = StructureFiles.DetectFormat(path);
        if (format == StructureFileFormat.ExtXyz && !path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            return new ExtXyzIndexed(path, options);
        if (format is StructureFileFormat.ExtXyz or StructureFileFormat.Sample)
            throw new StructurePathException(path, "reading by index needs an uncompressed extxyz file or .aselmdb shards (a compressed file or the built-in sample cannot be read by offset); decompress it or drop the option.");
        return new AseLmdbIndexed(path, options ?? ExtXyzReaderOptions.Default);
    }

    /// <summary>The index file of an extxyz file: where each frame starts.</summary>
    internal static string IndexPathOf(string path) => path + ".catpot-index";

    private abstract class Indexed : IIndexedStructures
    {
        private const int Recent = 64;
        private readonly (int Index, Structure? Structure)[] _recent = new (int, Structure?)[Recent];
        private readonly Lock _gate = new();

        public abstract int Count { get; }

        public Structure this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
                int slot = index % Recent;
                lock (_gate)
                {
                    var (i, s) = _recent[slot];
                    if (s is not null && i == index) return s;
                }
                var read = Read(index);
                lock (_gate) _recent[slot] = (index, read);
                return read;
            }
        }

        protected abstract Structure Read(int index);

        public virtual void Dispose()
        {
        }

        public IEnumerator<Structure> GetEnumerator()
        {
            for (int i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class AseLmdbIndexed(string path, ExtXyzReaderOptions options) : Indexed
    {
        // The reader stays open for the life of the process (a training run); LMDB maps the files read-only. Every
        // 1024 rows the mapped pages are released from the resident set (they stay in the page cache), so reading a
        // dataset larger than memory does not grow the process's RSS towards the size of the files.
        private const int ReleaseEvery = 1024;
        private readonly AseLmdbReader _reader = new(path);
        private int _reads;

        public override int Count => _reader.Count;

        // The same label units and model-input checks as a full read (StructureFiles), row by row as batches need them.
        protected override Structure Read(int index)
        {
            if (Interlocked.Increment(ref _reads) % ReleaseEvery == 0) _reader.ReleaseResidentPages();
            var structure = _reader.Read(index);
            string file = _reader.RowAt(index).FilePath;
            LabelUnit.Convert(structure, options.EnergyUnit, options.ForceUnit);
            if (!options.EnergyUnit.IsIdentity || !options.ForceUnit.IsIdentity)
                StructureValidator.Validate(structure, file, index, minDistance: 0);
            StructureValidator.ValidateLabelsAndDomain(structure, file, index, options.RequireModelInputs, options.RequireEnergy);
            return structure;
        }

        public override void Dispose()
        {
            _reader.Dispose();
            base.Dispose();
        }
    }

    private sealed class ExtXyzIndexed : Indexed
    {
        private readonly string _path;
        private readonly ExtXyzReaderOptions? _options;
        private readonly long[] _offsets;

        public ExtXyzIndexed(string path, ExtXyzReaderOptions? options)
        {
            _path = path;
            _options = options;
            _offsets = LoadOrBuildIndex(path);
        }

        public override int Count => _offsets.Length;

        // One open file handle, one buffer and one reader for every frame: a read is one positioned read of the frame's
        // bytes and a parse, with no file opened and no reader buffers allocated.
        private readonly Lock _gate = new();
        private Microsoft.Win32.SafeHandles.SafeFileHandle? _file;
        private long _length;
        private readonly MemoryStream _frame = new();
        private ExtXyzReader? _reader;

        protected override Structure Read(int index)
        {
            lock (_gate)
            {
                if (_file is null)
                {
                    _file = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read);
                    _length = RandomAccess.GetLength(_file);
                }
                long start = _offsets[index], end = index + 1 < _offsets.Length ? _offsets[index + 1] : _length;
                int length = checked((int)Math.Max(0, end - start));
                _frame.SetLength(length);
                var buffer = _frame.GetBuffer();
                int read = 0;
                while (read < length)
                {
                    int r = RandomAccess.Read(_file, buffer.AsSpan(read, length - read), start + read);
                    if (r == 0) break;
                    read += r;
                }
                _frame.Position = 0;
                _reader ??= new ExtXyzReader(_frame, $"{_path} (line numbers counted from the frame's count line)", _options, leaveOpen: true);
                _reader.Restart(index, read);
                if (read < length || !_reader.TryRead(out var s))
                    throw new StructureFormatException(_path, index, null, $"frame {index} at byte {_offsets[index]} is missing; the file changed after its index was built (delete {IndexPathOf(_path)}).");
                return s;
            }
        }

        public override void Dispose()
        {
            _reader?.Dispose();
            _file?.Dispose();
            base.Dispose();
        }

        private static long[] LoadOrBuildIndex(string path)
        {
            var info = new FileInfo(path);
            foreach (string candidate in new[] { IndexPathOf(path), FallbackIndexPath(info.FullName) })
            {
                if (TryLoad(candidate, info) is { } loaded) return loaded;
            }
            var offsets = Build(path);
            foreach (string candidate in new[] { IndexPathOf(path), FallbackIndexPath(info.FullName) })
            {
                try
                {
                    Save(candidate, info, offsets);
                    break;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // read-only directory: try the next place; the index is rebuilt next time if none works
                }
            }
            return offsets;
        }

        private static string FallbackIndexPath(string fullPath) =>
            Path.Combine(Path.GetTempPath(), "catpot-index-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(fullPath)))[..16] + ".catpot-index");

        private const long Magic = 0x3158444E49544350; // "PCTINDX1"

        private static long[]? TryLoad(string indexPath, FileInfo data)
        {
            if (!File.Exists(indexPath)) return null;
            try
            {
                using var r = new BinaryReader(File.OpenRead(indexPath));
                if (r.ReadInt64() != Magic || r.ReadInt64() != data.Length || r.ReadInt64() != data.LastWriteTimeUtc.Ticks) return null;
                var offsets = new long[r.ReadInt32()];
                for (int i = 0; i < offsets.Length; i++) offsets[i] = r.ReadInt64();
                return offsets;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static void Save(string indexPath, FileInfo data, long[] offsets)
        {
            string tmp = indexPath + "." + Environment.ProcessId + ".tmp";
            using (var w = new BinaryWriter(File.Create(tmp)))
            {
                w.Write(Magic);
                w.Write(data.Length);
                w.Write(data.LastWriteTimeUtc.Ticks);
                w.Write(offsets.Length);
                foreach (long o in offsets) w.Write(o);
            }
            File.Move(tmp, indexPath, overwrite: true);
        }

        /// <summary>Frame start offsets: a frame is a count line N, a comment line and N atom lines.</summary>
        private static long[] Build(string path)
        {
            var offsets = new List<long>();
            using var stream = new BufferedStream(File.OpenRead(path), 1 << 20);
            long position = 0;
            var line = new List<byte>(128);
            long lineStart = 0;
            long skip = 0; // lines still belonging to the current frame
            int b;
            while (true)
            {
                b = stream.ReadByte();
                if (b == '\n' || b < 0)
                {
                    if (skip > 0) skip--;
                    else if (Encoding.ASCII.GetString([.. line]).Trim() is { Length: > 0 } text)
                    {
                        if (!long.TryParse(text, out long n) || n < 0)
                            throw new StructureFormatException(path, offsets.Count, null, $"expected an atom count at byte {lineStart}, found '{(text.Length > 40 ? text[..40] : text)}'.");
                        offsets.Add(lineStart);
                        skip = n + 1;
                    }
                    if (b < 0) break;
                    line.Clear();
                    position++;
                    lineStart = position;
                    continue;
                }
                if (skip == 0) line.Add((byte)b);
                position++;
            }
            return [.. offsets];
        }
    }
}
