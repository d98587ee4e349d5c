using System.Text.Json;
using CatPot.Chemistry;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.IO;

/// <summary>
/// Files written by ASE 3.22 (tools/make_ase_write_fixtures.py) read back as ASE reads them: extxyz with VEC cell lines,
/// every pbc combination, _JSON info values, extra arrays, stress and charges; and ase.db rows from SQLite and JSON.
/// </summary>
public class AseWriteCompatibilityTests
{
    private static string Dir { get; } = Path.Combine(Path.GetDirectoryName(ExtXyzFixtures.Dir)!, "ase_write");

    private static string PathOf(string name) => Path.Combine(Dir, name);

    [Theory]
    [InlineData("vec_cell.extxyz")]
    [InlineData("vec_cell_mixed_pbc.extxyz")]
    [InlineData("pbc_all.extxyz")]
    [InlineData("json_keys.extxyz")]
    [InlineData("arrays_stress_charges.extxyz")]
    public void ExtXyzWrittenByAse_ReadsAsAseReadsIt(string name)
    {
        var frames = StructureFiles.ReadAll(PathOf(name));
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf(name + ".ase.json")));
        var ase = doc.RootElement.GetProperty("frames");
        Assert.Equal(ase.GetArrayLength(), frames.Count);
        for (int f = 0; f < frames.Count; f++)
        {
            var s = frames[f];
            var a = ase[f];
            Assert.Equal(a.GetProperty("numbers").EnumerateArray().Select(x => x.GetInt32()), s.Numbers);
            Assert.Equal(ExtXyzFixtures.Flatten(a.GetProperty("positions")), s.Positions);
            var cell = a.GetProperty("cell");
            if (cell.ValueKind == JsonValueKind.Null) Assert.True(s.Cell is null || s.Cell.All(c => c == 0));
            else Assert.Equal(ExtXyzFixtures.Flatten(cell), s.Cell);
            Assert.Equal(a.GetProperty("pbc").EnumerateArray().Select(x => x.GetBoolean()), s.Pbc);

            var calc = a.GetProperty("calc");
            if (calc.TryGetProperty("energy", out var energy)) Assert.Equal(energy.GetDouble(), s.Energy);
            else Assert.Null(s.Energy);
            if (calc.TryGetProperty("forces", out var forces)) Assert.Equal(ExtXyzFixtures.Flatten(forces), s.Forces);
            else Assert.Null(s.Forces);

            var info = a.GetProperty("info");
            foreach (var p in info.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "energy": Assert.Equal(p.Value.GetDouble(), s.Energy); break;
                    case "charge": Assert.Equal(p.Value.GetInt32(), s.Charge); break;
                    case "spin": Assert.Equal(p.Value.GetInt32(), s.Spin); break;
                    // ASE keeps an empty comment line as comment=''; CatPot keeps no key for it.
                    case "comment" when p.Value.GetString() == "": Assert.False(s.Info.ContainsKey("comment")); break;
                    default: AssertSameJson(p.Value, s.Info[p.Name], p.Name); break;
                }
            }
            Assert.Equal(info.EnumerateObject().Count(p => p.Name is not ("energy" or "charge" or "spin") && !(p.Name == "comment" && p.Value.GetString() == "")), s.Info.Count);

            // ASE renames the per-atom "charge" column (calculated charges) to initial_charges on reading;
            // CatPot keeps the column name. Values must agree.
            var arrays = a.GetProperty("arrays");
            foreach (var p in arrays.EnumerateObject().Where(p => p.Name != "forces"))
            {
                string column = p.Name == "initial_charges" && !s.PerAtom.ContainsKey("initial_charges") ? "charge" : p.Name;
                Assert.True(s.PerAtom.ContainsKey(column), $"frame {f}: per-atom array '{p.Name}' missing");
                AssertSameJson(p.Value, s.PerAtom[column].Values, p.Name);
            }
            Assert.Equal(arrays.EnumerateObject().Count(p => p.Name != "forces"), s.PerAtom.Count);
        }
    }

    [Theory]
    [InlineData("rows.db", StructureFileFormat.AseSqlite)]
    [InlineData("rows.json", StructureFileFormat.AseJson)]
    public void AseDatabase_ReadsAsAseDbReadsIt(string name, StructureFileFormat format)
    {
        Assert.Equal(format, StructureFiles.DetectFormat(PathOf(name)));
        var rows = StructureFiles.ReadAll(PathOf(name));
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf("rows.expected.json")));
        var expected = doc.RootElement.GetProperty("rows");
        Assert.Equal(expected.GetArrayLength(), rows.Count);
        for (int r = 0; r < rows.Count; r++)
        {
            var s = rows[r];
            var e = expected[r];
            Assert.Equal(e.GetProperty("id").GetInt64(), s.Info["row_id"]);
            Assert.Equal(e.GetProperty("numbers").EnumerateArray().Select(x => x.GetInt32()), s.Numbers);
            Assert.Equal(ExtXyzFixtures.Flatten(e.GetProperty("positions")), s.Positions);
            var cell = ExtXyzFixtures.Flatten(e.GetProperty("cell"));
            if (cell.All(c => c == 0)) Assert.True(s.Cell is null || s.Cell.All(c => c == 0));
            else Assert.Equal(cell, s.Cell);
            Assert.Equal(e.GetProperty("pbc").EnumerateArray().Select(x => x.GetBoolean()), s.Pbc);
            var energy = e.GetProperty("energy");
            Assert.Equal(energy.ValueKind == JsonValueKind.Null ? null : energy.GetDouble(), s.Energy);
            var forces = e.GetProperty("forces");
            if (forces.ValueKind == JsonValueKind.Null) Assert.Null(s.Forces);
            else Assert.Equal(ExtXyzFixtures.Flatten(forces), s.Forces);

            // Charge and spin as CatPot documents for ASE rows: data, then key_value_pairs, then the sum of initial charges.
            var kvp = e.GetProperty("key_value_pairs");
            var data = e.GetProperty("data");
            var initial = e.GetProperty("initial_charges");
            int charge = data.TryGetProperty("charge", out var dc) ? (int)dc.GetDouble()
                : kvp.TryGetProperty("charge", out var kc) ? (int)kc.GetDouble()
                : initial.ValueKind == JsonValueKind.Array ? (int)Math.Round(initial.EnumerateArray().Sum(x => x.GetDouble())) : 0;
            int spin = data.TryGetProperty("spin", out var ds) ? ds.GetInt32() : kvp.TryGetProperty("spin", out var ks) ? ks.GetInt32() : 1;
            Assert.Equal(charge, s.Charge);
            Assert.Equal(spin, s.Spin);
            if (initial.ValueKind == JsonValueKind.Array) AssertSameJson(initial, s.PerAtom["initial_charges"].Values, "initial_charges");
            if (e.GetProperty("charges") is { ValueKind: JsonValueKind.Array } charges) AssertSameJson(charges, s.PerAtom["charges"].Values, "charges");
            if (e.GetProperty("stress") is { ValueKind: JsonValueKind.Array } stress) AssertSameJson(stress, s.Info["stress"], "stress");

            foreach (var p in kvp.EnumerateObject().Where(p => p.Name is not ("charge" or "spin")))
                AssertSameJson(p.Value, s.Info[p.Name], p.Name);
            foreach (var p in data.EnumerateObject().Where(p => p.Name is not ("charge" or "spin")))
                AssertSameJson(p.Value, s.Info[p.Name], p.Name);
        }
    }

    [Fact]
    public void AseJsonDatabase_TruncatedRow_NamesFileRowAndLine()
    {
        string text = File.ReadAllText(PathOf("rows.json"));
        using var dir = new Cli.TempDirectory();
        string path = Path.Combine(dir.Path, "cut.json");
        File.WriteAllText(path, text[..(text.Length / 2)]);
        var e = Assert.Throws<StructureFormatException>(() => StructureFiles.ReadAll(path));
        Assert.Equal(path, e.FilePath);
        Assert.NotNull(e.FrameIndex);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData("\"__ndarray__\": [[3, 3]", "\"__ndarray__\": [[\"3\", 3]")]
    [InlineData("\"__ndarray__\": [[3, 3], \"float64\", [", "\"__ndarray__\": [[3, 3], \"float64\", [\"x\", ")]
    [InlineData("\"energy\": -14.25", "\"energy\": \"-14.25\"")]
    public void AseJsonDatabase_ValueOfTheWrongJsonType_IsAStructureFormatError(string from, string to)
    {
        // Found by the fuzz harness: a string where ASE writes a number ended as an internal error.
        string text = File.ReadAllText(PathOf("rows.json"));
        int at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0);
        using var dir = new Cli.TempDirectory();
        string path = Path.Combine(dir.Path, "typed.json");
        File.WriteAllText(path, string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length)));
        var e = Assert.Throws<StructureFormatException>(() => StructureFiles.ReadAll(path));
        Assert.Equal(0, e.FrameIndex);
        Assert.Contains("row id 1", e.Message);
    }

    [Fact]
    public void AseSqliteDatabase_DamagedBlob_IsAStructureFormatError()
    {
        using var dir = new Cli.TempDirectory();
        string path = Path.Combine(dir.Path, "bad.db");
        File.Copy(PathOf("rows.db"), path);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE systems SET positions = x'0102030405' WHERE id = 2";
            command.ExecuteNonQuery();
        }
        var e = Assert.Throws<StructureFormatException>(() => StructureFiles.ReadAll(path));
        Assert.Equal(1, e.FrameIndex);
        Assert.Contains("row id 2", e.Message);
        Assert.Contains("positions", e.Message);
    }

    [Fact]
    public void NotAnAseDatabase_DbExtensionWithoutSqliteHeader_IsAPathError()
    {
        using var dir = new Cli.TempDirectory();
        string path = Path.Combine(dir.Path, "x.db");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<StructurePathException>(() => StructureFiles.DetectFormat(path));
        Assert.Contains("SQLite", e.Message);
    }

    /// <summary>Equal values, with nested JSON lists compared against CatPot's flat arrays and JSON objects against JsonElement.</summary>
    private static void AssertSameJson(JsonElement expected, object actual, string key)
    {
        if (actual is JsonElement json)
        {
            Assert.True(JsonElement.DeepEquals(expected, json), $"{key}: expected {expected.GetRawText()} but found {json.GetRawText()}");
            return;
        }
        if (expected.ValueKind == JsonValueKind.Array && actual is Array array)
        {
            var flat = FlattenJson(expected).ToList();
            Assert.Equal(flat.Count, array.Length);
            for (int i = 0; i < flat.Count; i++) AssertSameJson(flat[i], array.GetValue(i)!, key);
            return;
        }
        switch (expected.ValueKind)
        {
            case JsonValueKind.Number: Assert.Equal(expected.GetDouble(), Convert.ToDouble(actual, System.Globalization.CultureInfo.InvariantCulture)); break;
            case JsonValueKind.True or JsonValueKind.False: Assert.Equal(expected.GetBoolean(), Assert.IsType<bool>(actual)); break;
            case JsonValueKind.String: Assert.Equal(expected.GetString(), Assert.IsType<string>(actual)); break;
            default: Assert.Fail($"{key}: expected {expected.GetRawText()} but found {actual}"); break;
        }
    }

    private static IEnumerable<JsonElement> FlattenJson(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(FlattenJson) : [e];
}
