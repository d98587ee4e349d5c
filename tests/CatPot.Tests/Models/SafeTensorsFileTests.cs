using System.Buffers.Binary;
using System.Text;
using CatPot.Models;
using CatPot.Tests.Cli;
using Xunit;

namespace CatPot.Tests.Models;

public class SafeTensorsFileTests
{
    private static SafeTensorsFile Sample() => new(
        new Dictionary<string, SafeTensorsEntry>
        {
            ["b.weight"] = SafeTensorsEntry.FromFloat32([2, 3], [1, 2, 3, 4, 5, -6.5f]),
            ["a.bias"] = SafeTensorsEntry.FromFloat32([3], [0.1f, 0.2f, float.Epsilon]),
            ["z.double"] = SafeTensorsEntry.FromFloat64([2], [Math.PI, -1e300]),
            ["idx"] = SafeTensorsEntry.FromInt64([1, 2], [long.MinValue, 42]),
            ["scalar"] = SafeTensorsEntry.FromFloat32([], [7f]),
            ["empty"] = SafeTensorsEntry.FromFloat32([0, 4], []),
        },
        new Dictionary<string, string> { ["catpot"] = "{\"head\":\"mae\"}", ["note"] = "ünïcode ✓" });

    /// <summary>A file image from a hand-written header and data length (the data bytes are zero).</summary>
    private static byte[] Image(string header, int dataBytes, int extra = 0)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var b = new byte[8 + h.Length + dataBytes + extra];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)h.Length);
        h.CopyTo(b, 8);
        return b;
    }

    private static ModelFileException Rejects(byte[] bytes) =>
        Assert.Throws<ModelFileException>(() => SafeTensorsFile.Parse(bytes, "test.safetensors"));

    [Fact]
    public void Round_trip_keeps_every_tensor_and_the_metadata()
    {
        var f = Sample();
        var back = SafeTensorsFile.Parse(f.ToBytes(), "mem");
        Assert.Equal(f.Tensors.Keys.Order(), back.Tensors.Keys.Order());
        foreach (var (name, t) in f.Tensors)
        {
            var u = back.Tensors[name];
            Assert.Equal(t.DType, u.DType);
            Assert.Equal(t.Shape, u.Shape);
            Assert.Equal(t.Float32, u.Float32);
            Assert.Equal(t.Float64, u.Float64);
            Assert.Equal(t.Int64, u.Int64);
        }
        Assert.Equal(f.Metadata["note"], back.Metadata["note"]);
        Assert.Equal(2, back.Metadata.Count);
    }

    [Fact]
    public void Writer_pads_the_header_to_8_bytes_and_orders_by_alignment_then_name()
    {
        var bytes = Sample().ToBytes();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", header, StringComparison.Ordinal);
        Assert.EndsWith("}", header.TrimEnd(' '), StringComparison.Ordinal);
        // 8-byte types first (idx, z.double by name), then the 4-byte ones by name
        int[] pos = new[] { "\"idx\"", "\"z.double\"", "\"a.bias\"", "\"b.weight\"", "\"empty\"", "\"scalar\"" }
            .Select(k => header.IndexOf(k, StringComparison.Ordinal)).ToArray();
        Assert.All(pos, p => Assert.True(p > 0));
        Assert.Equal(pos.Order().ToArray(), pos);
        Assert.Contains("\"data_offsets\":[0,16]", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_replaces_the_file_atomically_and_leaves_no_temporary_files()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");
        File.WriteAllText(path, "old contents");
        Sample().Write(path);
        var back = SafeTensorsFile.Read(path);
        Assert.Equal(6, back.Tensors.Count);
        Assert.Equal(path, back.SourcePath);
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Missing_file_is_a_ModelFileException_naming_it()
    {
        var e = Assert.Throws<ModelFileException>(() => SafeTensorsFile.Read("/nonexistent/dir/x.safetensors"));
        Assert.Contains("x.safetensors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_file_and_oversized_header_are_rejected()
    {
        Assert.Contains("at least 8 bytes", Rejects([1, 2, 3]).Message, StringComparison.Ordinal);
        var b = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(b, 200_000_000);
        Assert.Contains("at most", Rejects(b).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteUInt64LittleEndian(b, 100);
        Assert.Contains("truncated", Rejects(b).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_must_start_with_a_brace_and_be_json()
    {
        Assert.Contains("start with '{'", Rejects(Image(" {}", 0)).Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", Rejects(Image("{\"a\":", 0)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_mismatch_names_the_tensor_with_expected_and_found_bytes()
    {
        var e = Rejects(Image("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12));
        Assert.Equal("w", e.TensorName);
        Assert.Contains("needs 16 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("span 12", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Holes_overlaps_and_trailing_bytes_are_rejected()
    {
        var hole = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12));
        Assert.Equal("b", hole.TensorName);
        Assert.Contains("hole", hole.Message, StringComparison.Ordinal);
        var overlap = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        Assert.Contains("overlap", overlap.Message, StringComparison.Ordinal);
        var trailing = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, extra: 3));
        Assert.Contains("trailing", trailing.Message, StringComparison.Ordinal);
        var start = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        Assert.Equal("a", start.TensorName);
    }

    [Fact]
    public void Duplicate_names_unknown_dtypes_and_bad_fields_are_rejected()
    {
        var dup = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        Assert.Contains("twice", dup.Message, StringComparison.Ordinal);
        var bf16 = Rejects(Image("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
        Assert.Contains("BF16", bf16.Message, StringComparison.Ordinal);
        var neg = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4));
        Assert.Contains("non-negative", neg.Message, StringComparison.Ordinal);
        var missing = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4));
        Assert.Contains("missing shape", missing.Message, StringComparison.Ordinal);
        var extra = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4));
        Assert.Contains("'x'", extra.Message, StringComparison.Ordinal);
        var backwards = Rejects(Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4));
        Assert.Contains("end before", backwards.Message, StringComparison.Ordinal);
        var meta = Rejects(Image("{\"__metadata__\":{\"k\":1}}", 0));
        Assert.Contains("must be a string", meta.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_that_are_empty_or_reserved_cannot_be_written()
    {
        Assert.Throws<ArgumentException>(() => new SafeTensorsFile(new Dictionary<string, SafeTensorsEntry> { ["__metadata__"] = SafeTensorsEntry.FromFloat32([1], [1]) }));
        Assert.Throws<ArgumentException>(() => SafeTensorsEntry.FromFloat32([2, 2], [1, 2, 3]));
    }
}
