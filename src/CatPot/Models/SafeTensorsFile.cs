using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace CatPot.Models;

/// <summary>
/// A safetensors file in memory: named tensors plus the <c>__metadata__</c> string map.
/// Layout: u64 little-endian header length N, N bytes of UTF-8 JSON header, then the data buffer;
/// header entries are <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> with offsets relative to the buffer.
/// Reading validates the layout strictly; writing pads the header with spaces to a multiple of 8 bytes,
/// orders tensors by dtype alignment (largest first) then name, and replaces the target file atomically.
/// </summary>
public sealed class SafeTensorsFile
{
    /// <summary>The largest header accepted (as in the reference Rust implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Creates a file from tensors and metadata (both copied into new dictionaries).</summary>
    /// <exception cref="ArgumentException">A tensor name is empty or reserved.</exception>
    public SafeTensorsFile(IEnumerable<KeyValuePair<string, SafeTensorsEntry>> tensors, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        var t = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
        foreach (var (name, entry) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new ArgumentException($"'{name}' cannot be a tensor name.", nameof(tensors));
            if (!t.TryAdd(name, entry)) throw new ArgumentException($"Tensor '{name}' is given twice.", nameof(tensors));
        }
        Tensors = t;
        Metadata = metadata is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
    }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorsEntry> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Where the file was read from, if it was.</summary>
    public string? SourcePath { get; private init; }

    /// <summary>Reads and validates a safetensors file.</summary>
    /// <exception cref="ModelFileException">The file is missing, unreadable or violates the format.</exception>
    public static SafeTensorsFile Read(string path)
    {
        byte[] bytes;
        try
        {
            // Sizes are checked before anything large is allocated: a device such as /dev/urandom, or a header length
            // beyond the file, fails here instead of reading (or allocating) without bound.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (!stream.CanSeek)
                throw new ModelFileException(path, null, "is not a regular file (it cannot be sized); give a .safetensors model file.");
            long length = stream.Length;
            if (length > Array.MaxLength)
                throw new ModelFileException(path, null, $"is {length} bytes; model files above {Array.MaxLength} bytes are not supported.");
            bytes = new byte[length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ModelFileException(path, null, $"cannot read the file ({e.Message}).", e);
        }
        var f = Parse(bytes, path);
        return new SafeTensorsFile(f.Tensors, f.Metadata) { SourcePath = path };
    }

    /// <summary>Parses and validates a safetensors image; <paramref name="sourceName"/> appears in error messages.</summary>
    /// <exception cref="ModelFileException">The bytes violate the format.</exception>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes, string sourceName)
    {
        if (bytes.Length < 8)
            throw new ModelFileException(sourceName, null, $"expected at least 8 bytes (the header length), found {bytes.Length}. The file is truncated or not a safetensors file.");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > MaxHeaderBytes)
            throw new ModelFileException(sourceName, null, $"the header length is {n} bytes; at most {MaxHeaderBytes} is allowed. This is not a safetensors file, or it is corrupt.");
        if (8 + (long)n > bytes.Length)
            throw new ModelFileException(sourceName, null, $"the header length is {n} bytes but the file has only {bytes.Length - 8} bytes after the length field. The file is truncated.");
        var header = bytes.Slice(8, (int)n);
        if (header.Length == 0 || header[0] != (byte)'{')
            throw new ModelFileException(sourceName, null, $"the JSON header must start with '{{'; found {(header.Length == 0 ? "an empty header" : $"byte 0x{header[0]:X2}")}.");
        var buffer = bytes[(8 + (int)n)..];
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new ModelFileException(sourceName, null, $"the JSON header is not valid UTF-8 (first bad byte at offset {8 + FirstInvalidUtf8(header)}). The file is corrupt or not a safetensors file.");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new ModelFileException(sourceName, null, $"the header is not valid JSON ({e.Message}).", e);
        }

        using (doc)
        {
            var infos = new List<(string Name, SafeTensorsDType DType, int[] Shape, long Begin, long End)>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!names.Add(prop.Name))
                    throw new ModelFileException(sourceName, prop.Name, "the name appears twice in the header; names must be unique.");
                if (prop.Name == MetadataKey)
                {
                    ReadMetadata(prop.Value, metadata, sourceName);
                    continue;
                }
                infos.Add(ReadTensorInfo(prop.Name, prop.Value, sourceName));
            }

            // The tensors, ordered by position, must tile the buffer from 0 with no holes or overlaps.
            var order = infos.OrderBy(i => i.Begin).ThenBy(i => i.End).ToList();
            long pos = 0;
            foreach (var i in order)
            {
                if (i.Begin != pos)
                    throw new ModelFileException(sourceName, i.Name, i.Begin > pos
                        ? $"data_offsets begin at {i.Begin}, but the previous tensor ends at {pos}: a hole of {i.Begin - pos} bytes. Tensors must tile the data buffer contiguously."
                        : $"data_offsets begin at {i.Begin}, inside the previous tensor (which ends at {pos}): tensors overlap.");
                pos = i.End;
            }
            if (8 + (long)n + pos != bytes.Length)
                throw new ModelFileException(sourceName, null, $"the tensors cover {pos} data bytes, so the file should be 8 + {n} + {pos} = {8 + (long)n + pos} bytes long; it is {bytes.Length}. The file is truncated or has trailing bytes.");

            var tensors = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
            foreach (var i in infos)
                tensors[i.Name] = Decode(i.DType, i.Shape, buffer.Slice((int)i.Begin, (int)(i.End - i.Begin)));
            return new SafeTensorsFile(tensors, metadata);
        }
    }

    /// <summary>The complete file image: header padded with spaces to a multiple of 8 bytes, then the data.</summary>
    public byte[] ToBytes()
    {
        var ordered = Tensors.OrderByDescending(kv => kv.Value.ElementSize).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var headerStream = new MemoryStream();
        long offset = 0;
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            if (Metadata.Count > 0)
            {
                w.WriteStartObject(MetadataKey);
                foreach (var kv in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
            }
            foreach (var (name, t) in ordered)
            {
                long bytes = checked(t.ElementCount * t.ElementSize);
                w.WriteStartObject(name);
                w.WriteString("dtype", t.DType.ToString());
                w.WriteStartArray("shape");
                foreach (int d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int headerLength = (int)headerStream.Length;
        int padded = (headerLength + 7) / 8 * 8;
        var result = new byte[checked(8 + padded + offset)];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)padded);
        headerStream.GetBuffer().AsSpan(0, headerLength).CopyTo(result.AsSpan(8));
        result.AsSpan(8 + headerLength, padded - headerLength).Fill((byte)' ');
        var data = result.AsSpan(8 + padded);
        long pos = 0;
        foreach (var (_, t) in ordered)
        {
            int bytes = (int)(t.ElementCount * t.ElementSize);
            Encode(t, data.Slice((int)pos, bytes));
            pos += bytes;
        }
        return result;
    }

    /// <summary>Writes the file atomically (<see cref="CatPot.IO.AtomicFile"/>): a temporary file in the same folder, renamed over <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file cannot be written (a full disk; <see cref="CatPot.IO.OutputPathException"/> for a
    /// directory or missing folder). Not a <see cref="ModelFileException"/>: nothing is wrong with the model.</exception>
    public void Write(string path) => CatPot.IO.AtomicFile.WriteAllBytes(path, ToBytes());

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(text[i..], out _, out int used) != System.Buffers.OperationStatus.Done) return i;
            i += used;
        }
        return i;
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelFileException(source, MetadataKey, $"expected a JSON object of strings, found {value.ValueKind}.");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw new ModelFileException(source, MetadataKey, $"metadata value '{m.Name}' must be a string, found {m.Value.ValueKind}.");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                throw new ModelFileException(source, MetadataKey, $"metadata key '{m.Name}' appears twice.");
        }
    }

    private static (string, SafeTensorsDType, int[], long, long) ReadTensorInfo(string name, JsonElement v, string source)
    {
        if (v.ValueKind != JsonValueKind.Object)
            throw new ModelFileException(source, name, $"expected an object with dtype, shape and data_offsets, found {v.ValueKind}.");
        string? dtypeText = null;
        int[]? shape = null;
        long[]? offsets = null;
        foreach (var p in v.EnumerateObject())
        {
            switch (p.Name)
            {
                case "dtype" when dtypeText is null:
                    dtypeText = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()
                        : throw new ModelFileException(source, name, $"dtype must be a string, found {p.Value.ValueKind}.");
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(p.Value, "shape", name, source).Select(d => d <= int.MaxValue ? (int)d
                        : throw new ModelFileException(source, name, $"shape dimension {d} exceeds {int.MaxValue}.")).ToArray();
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(p.Value, "data_offsets", name, source);
                    break;
                default:
                    throw new ModelFileException(source, name, $"unexpected or repeated header field '{p.Name}'; expected exactly dtype, shape and data_offsets.");
            }
        }
        if (dtypeText is null || shape is null || offsets is null)
            throw new ModelFileException(source, name, $"missing {(dtypeText is null ? "dtype" : shape is null ? "shape" : "data_offsets")}; each tensor needs dtype, shape and data_offsets.");
        SafeTensorsDType dtype = dtypeText switch
        {
            "F32" => SafeTensorsDType.F32,
            "F64" => SafeTensorsDType.F64,
            "I64" => SafeTensorsDType.I64,
            _ => throw new ModelFileException(source, name, $"dtype '{dtypeText}' is not supported; expected F32, F64 or I64. Convert the weights to float32 before saving."),
        };
        if (offsets.Length != 2)
            throw new ModelFileException(source, name, $"data_offsets must be [begin, end], found {offsets.Length} numbers.");
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw new ModelFileException(source, name, $"data_offsets [{begin}, {end}] end before they begin.");
        long count;
        try
        {
            count = SafeTensorsEntry.ElementCountOf(shape);
            _ = checked(count * SafeTensorsEntry.SizeOf(dtype));
        }
        catch (OverflowException)
        {
            throw new ModelFileException(source, name, $"shape [{string.Join(", ", shape)}] has too many elements.");
        }
        long expected = count * SafeTensorsEntry.SizeOf(dtype);
        if (end - begin != expected)
            throw new ModelFileException(source, name, $"{dtypeText} shape [{string.Join(", ", shape)}] needs {expected} bytes, but data_offsets [{begin}, {end}] span {end - begin}.");
        if (count > Array.MaxLength)
            throw new ModelFileException(source, name, $"{count} elements exceed the largest array .NET can hold.");
        return (name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(JsonElement v, string field, string name, string source)
    {
        if (v.ValueKind != JsonValueKind.Array)
            throw new ModelFileException(source, name, $"{field} must be an array of non-negative integers, found {v.ValueKind}.");
        var r = new long[v.GetArrayLength()];
        int k = 0;
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long x) || x < 0)
                throw new ModelFileException(source, name, $"{field} must hold non-negative integers; found {e.GetRawText()}.");
            r[k++] = x;
        }
        return r;
    }

    private static SafeTensorsEntry Decode(SafeTensorsDType dtype, int[] shape, ReadOnlySpan<byte> bytes)
    {
        switch (dtype)
        {
            case SafeTensorsDType.F32:
            {
                var a = new float[bytes.Length / 4];
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(bytes).CopyTo(a);
                else for (int i = 0; i < a.Length; i++) a[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                return SafeTensorsEntry.FromFloat32(shape, a);
            }
            case SafeTensorsDType.F64:
            {
                var a = new double[bytes.Length / 8];
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, double>(bytes).CopyTo(a);
                else for (int i = 0; i < a.Length; i++) a[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                return SafeTensorsEntry.FromFloat64(shape, a);
            }
            default:
            {
                var a = new long[bytes.Length / 8];
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, long>(bytes).CopyTo(a);
                else for (int i = 0; i < a.Length; i++) a[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]);
                return SafeTensorsEntry.FromInt64(shape, a);
            }
        }
    }

    private static void Encode(SafeTensorsEntry t, Span<byte> dst)
    {
        if (t.Float32 is { } f)
        {
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(f.AsSpan()).CopyTo(dst);
            else for (int i = 0; i < f.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], f[i]);
        }
        else if (t.Float64 is { } d)
        {
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(d.AsSpan()).CopyTo(dst);
            else for (int i = 0; i < d.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(dst[(8 * i)..], d[i]);
        }
        else
        {
            var l = t.Int64!;
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(l.AsSpan()).CopyTo(dst);
            else for (int i = 0; i < l.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(dst[(8 * i)..], l[i]);
        }
    }

    /// <summary>A short description for messages: the source path, or "(in memory)".</summary>
    public override string ToString() => SourcePath ?? "(in memory)";

}
