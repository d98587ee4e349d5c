using System.Text.Json;
using CatPot.Chemistry;
using CatPot.IO;
using CatPot.IO.Lmdb;
using Xunit;

namespace CatPot.Tests.IO;

public class AseLmdbReaderTests
{
    private static void AssertClose(double expected, double actual, string what)
    {
        double tolerance = 1e-12 * Math.Max(1.0, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }

    private static void AssertArrayClose(JsonElement expected, double[]? actual, string what)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GetArrayLength(), actual.Length);
        int i = 0;
        foreach (var e in expected.EnumerateArray())
        {
            AssertClose(e.GetDouble(), actual[i], $"{what}[{i}]");
            i++;
        }
    }

    /// <summary>Checks one structure against one row of the expected JSON written by the fixtures script from ASE's decoding.</summary>
    private static void AssertRowMatches(JsonElement row, Structure s, bool checkExtras)
    {
        long id = row.GetProperty("id").GetInt64();
        Assert.Equal(id, s.Info["row_id"]);
        Assert.Equal(row.GetProperty("numbers").EnumerateArray().Select(e => e.GetInt32()).ToArray(), s.Numbers);
        AssertArrayClose(row.GetProperty("positions"), s.Positions, $"row {id} positions");
        AssertClose(row.GetProperty("energy").GetDouble(), s.Energy!.Value, $"row {id} energy");
        AssertArrayClose(row.GetProperty("forces"), s.Forces, $"row {id} forces");
        Assert.Equal(row.GetProperty("charge").GetInt32(), s.Charge);
        Assert.Equal(row.GetProperty("spin").GetInt32(), s.Spin);
        if (!checkExtras)
            return;
        Assert.Equal(row.GetProperty("pbc").EnumerateArray().Select(e => e.GetBoolean()).ToArray(), s.Pbc);
        var cell = row.GetProperty("cell").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        if (cell.All(v => v == 0))
            Assert.Null(s.Cell);
        else
            Assert.Equal(cell, s.Cell);
        Assert.Equal(row.GetProperty("charge_defaulted").GetBoolean(), s.Info.ContainsKey("charge_defaulted"));
        Assert.Equal(row.GetProperty("spin_defaulted").GetBoolean(), s.Info.ContainsKey("spin_defaulted"));
        foreach (var entry in row.GetProperty("info").EnumerateObject())
        {
            Assert.True(s.Info.TryGetValue(entry.Name, out var value), $"row {id}: Info lacks '{entry.Name}'");
            switch (entry.Value.ValueKind)
            {
                case JsonValueKind.String:
                    Assert.Equal(entry.Value.GetString(), value);
                    break;
                case JsonValueKind.Number when entry.Value.TryGetInt64(out long l):
                    Assert.Equal(l, value);
                    break;
                default:
                    AssertClose(entry.Value.GetDouble(), (double)value, $"row {id} info {entry.Name}");
                    break;
            }
        }
    }

    private static void AssertFileMatches(string fixture, string expectedJson)
    {
        using var expected = AseLmdbFixtures.Expected(expectedJson);
        using var reader = new AseLmdbReader(AseLmdbFixtures.PathOf(fixture));
        var rows = expected.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        var structures = reader.ReadAll().ToArray();
        Assert.Equal(expected.RootElement.GetProperty("count").GetInt32(), reader.Count);
        Assert.Equal(rows.Length, structures.Length);
        for (int i = 0; i < rows.Length; i++)
            AssertRowMatches(rows[i], structures[i], checkExtras: true);
    }

    [Fact]
    public void Small_MatchesAseDecoding_InNumericIdOrder_SkippingDeletedIds()
    {
        AssertFileMatches("small.aselmdb", "small.expected.json");

        using var expected = AseLmdbFixtures.Expected("small.expected.json");
        var root = expected.RootElement;
        var deleted = root.GetProperty("deleted_ids").EnumerateArray().Select(e => e.GetInt64()).ToHashSet();
        var cursorIds = root.GetProperty("cursor_order").EnumerateArray().Select(e => e.GetString()!)
            .Where(k => char.IsAsciiDigit(k[0])).Select(long.Parse).ToArray();
        using var reader = new AseLmdbReader(AseLmdbFixtures.PathOf("small.aselmdb"));
        var ids = reader.ReadAll().Select(s => (long)s.Info["row_id"]).ToArray();

        Assert.NotEmpty(deleted);
        Assert.NotEqual(cursorIds, ids); // the fixture does distinguish cursor order from numeric order
        Assert.Equal(cursorIds.Order().ToArray(), ids);
        Assert.DoesNotContain(ids, deleted.Contains);
        long nextId = root.GetProperty("nextid").GetInt64();
        Assert.Equal(nextId - 1 - deleted.Count, reader.Count);
    }

    [Fact]
    public void Read_ByIndex_EqualsStreamingOrder()
    {
        using var reader = new AseLmdbReader(AseLmdbFixtures.PathOf("small.aselmdb"));
        var streamed = reader.ReadAll().ToArray();
        for (int i = reader.Count - 1; i >= 0; i--)
        {
            var s = reader.Read(i);
            Assert.Equal(streamed[i].Info["row_id"], s.Info["row_id"]);
            Assert.Equal(streamed[i].Positions, s.Positions);
            Assert.Equal((AseLmdbFixtures.PathOf("small.aselmdb"), (long)s.Info["row_id"]), reader.RowAt(i));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(reader.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(-1));
    }

    [Fact]
    public void Small_CarriesDataExtrasNonFiniteValuesAndCell()
    {
        using var reader = new AseLmdbReader(AseLmdbFixtures.PathOf("small.aselmdb"));
        var byId = reader.ReadAll().ToDictionary(s => (long)s.Info["row_id"]);

        // Row 7's data holds a bare NaN token (Python's json) and a per-atom list.
        Assert.True(double.IsNaN((double)byId[7].Info["homo_lumo_gap"]));
        var mulliken = Assert.IsType<double[]>(byId[7].Info["mulliken_charges"]);
        Assert.Equal(byId[7].AtomCount, mulliken.Length);

        // Row 4 is periodic: ASE stores its cell as an {"__ase_objtype__": "cell"} object.
        Assert.Equal([true, true, false], byId[4].Pbc);
        Assert.Equal([5.0, 0, 0, 0.5, 6.0, 0, 0, 0, 7.0], byId[4].Cell!);

        Assert.Equal(3L, byId[6].Info["config"]);
        Assert.Equal("md", byId[6].Info["sampling"]);
        Assert.False(byId[1].Info.ContainsKey("charge"));
    }

    [Fact]
    public void Overflow_RowsLargerThanAPage_MatchAseDecoding()
    {
        AssertFileMatches("overflow.aselmdb", "overflow.expected.json");
        using var db = LmdbFile.Open(AseLmdbFixtures.PathOf("overflow.aselmdb"));
        Assert.True(db.Get("1"u8)!.Length > db.PageSize, "row 1 should need overflow pages");
        using var reader = new AseLmdbReader(AseLmdbFixtures.PathOf("overflow.aselmdb"));
        Assert.Equal(300, reader.Read(0).AtomCount);
    }

    [Fact]
    public void Legacy_PlainListArrays_MatchAseDecoding() => AssertFileMatches("legacy.aselmdb", "legacy.expected.json");

    [Fact]
    public void Fallback_ChargeAndSpin_FromKeyValuePairsInitialChargesOrDefaults()
    {
        AssertFileMatches("fallback.aselmdb", "fallback.expected.json");
        using var reader = new AseLmdbReader(AseLmdbFixtures.PathOf("fallback.aselmdb"));
        var rows = reader.ReadAll().ToArray();
        Assert.Equal((-2, 3), (rows[0].Charge, rows[0].Spin));
        Assert.Equal(-1, rows[1].Charge);
        Assert.True(rows[1].PerAtom.ContainsKey("initial_charges"));
        Assert.Equal(true, rows[1].Info["spin_defaulted"]);
        Assert.Equal((0, 1), (rows[2].Charge, rows[2].Spin));
        Assert.Equal(true, rows[2].Info["charge_defaulted"]);
    }

    [Fact]
    public void Directory_OfShards_IsOneDatasetInFileNameOrder()
    {
        using var expected = AseLmdbFixtures.Expected("shards.expected.json");
        using var reader = new AseLmdbReader(AseLmdbFixtures.PathOf("shards"));
        var shards = expected.RootElement.GetProperty("shards").EnumerateArray().ToArray();
        Assert.Equal(shards.Select(s => s.GetProperty("file").GetString()), reader.Files.Select(Path.GetFileName));

        var all = reader.ReadAll().ToArray();
        Assert.Equal(shards.Sum(s => s.GetProperty("count").GetInt32()), reader.Count);
        Assert.Equal(reader.Count, all.Length);
        int index = 0;
        foreach (var shard in shards)
        {
            foreach (var row in shard.GetProperty("rows").EnumerateArray())
            {
                AssertRowMatches(row, all[index], checkExtras: true);
                AssertRowMatches(row, reader.Read(index), checkExtras: false);
                Assert.Equal(shard.GetProperty("file").GetString(), Path.GetFileName(reader.RowAt(index).FilePath));
                index++;
            }
        }
    }

    [Theory]
    [InlineData("shared_modern.aselmdb")]
    [InlineData("shared_legacy.aselmdb")]
    public void SharedXtbSample_MatchesExpectedExtxyzAsReadByAse(string fixture)
    {
        using var expected = AseLmdbFixtures.Expected("shared.expected.json");
        using var reader = new AseLmdbReader(AseLmdbFixtures.PathOf(fixture));
        var rows = expected.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(rows.Length, reader.Count);
        int i = 0;
        foreach (var s in reader.ReadAll())
        {
            AssertRowMatches(rows[i], s, checkExtras: false);
            Assert.Equal(s.Info["row_id"], reader.Read(i).Info["row_id"]);
            i++;
        }
        Assert.Equal(rows.Length, i);
    }

    [Fact]
    public void NotLmdb_GivesStructureFormatExceptionNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"catpot-{Guid.NewGuid():N}.aselmdb");
        File.WriteAllText(path, "Properties=species:S:1:pos:R:3\n" + new string('x', 9000));
        try
        {
            var e = Assert.ThrowsAny<StructureFormatException>(() => new AseLmdbReader(path));
            Assert.Equal(path, e.FilePath);
            Assert.Contains("not an LMDB file", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PlainLmdbWithoutNextId_IsRejectedAsNotAnAseDatabase()
    {
        var e = Assert.ThrowsAny<StructureFormatException>(() => new AseLmdbReader(AseLmdbFixtures.PathOf("deep.lmdb")));
        Assert.Contains("no 'nextid' key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPathOrEmptyDirectory_GivesFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => new AseLmdbReader(Path.Combine(Path.GetTempPath(), $"catpot-missing-{Guid.NewGuid():N}")));
        var dir = Directory.CreateTempSubdirectory("catpot-empty-");
        try
        {
            Assert.Throws<FileNotFoundException>(() => new AseLmdbReader(dir.FullName));
        }
        finally
        {
            dir.Delete();
        }
    }

    [Fact]
    public void Corruption_FlipsAndTruncation_GiveOnlyTypedErrorsOrRows()
    {
        var image = File.ReadAllBytes(AseLmdbFixtures.PathOf("small.aselmdb"));
        var random = new Random(2024);
        var copy = new byte[image.Length];
        int typed = 0, trials = 0;
        for (int t = 0; t < 1500; t++)
        {
            image.CopyTo(copy, 0);
            copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
            typed += ReadEverything(copy) ? 0 : 1;
            trials++;
        }
        for (int t = 0; t < 60; t++)
        {
            typed += ReadEverything(image.AsSpan(0, random.Next(image.Length)).ToArray()) ? 0 : 1;
            trials++;
        }
        Assert.True(typed >= 60, $"only {typed} of {trials} corruptions were detected");
    }

    /// <summary>Reads every row; true when all rows came back, false on a typed error. Any other exception fails the test.</summary>
    private static bool ReadEverything(byte[] image)
    {
        try
        {
            using var reader = new AseLmdbReader([LmdbFile.FromBytes(image, "corrupt.aselmdb")]);
            foreach (var s in reader.ReadAll())
                Assert.Equal(3 * s.AtomCount, s.Positions.Length);
            if (reader.Count > 0)
                reader.Read(reader.Count / 2);
            return true;
        }
        catch (StructureFormatException e)
        {
            Assert.Equal("corrupt.aselmdb", e.FilePath);
            return false;
        }
    }
}
