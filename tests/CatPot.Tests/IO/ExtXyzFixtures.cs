using System.Text;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.IO;

/// <summary>Locates the committed extxyz fixtures and compares CatPot structures with ASE's JSON readback.</summary>
internal static class ExtXyzFixtures
{
    public static string Dir { get; } = Find();

    public static string PathOf(string name) => System.IO.Path.Combine(Dir, name);

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = System.IO.Path.Combine(d.FullName, "tests", "CatPot.Tests", "Fixtures", "extxyz");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/CatPot.Tests/Fixtures/extxyz not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Reads text as if it were a file called <paramref name="name"/>.</summary>
    public static List<Structure> ReadText(string text, string name = "bad.extxyz", ExtXyzReaderOptions? options = null)
    {
        using var reader = new ExtXyzReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), name, options);
        var frames = new List<Structure>();
        while (reader.TryRead(out var s)) frames.Add(s);
        return frames;
    }

    /// <summary>
    /// Asserts that CatPot's frames hold exactly what ASE read: numbers, positions, cell, pbc, energy, forces,
    /// charge/spin (under <paramref name="keys"/>), every other info key with the same type and value, and
    /// every other per-atom array.
    /// </summary>
    public static void AssertMatchesAse(IReadOnlyList<Structure> frames, string aseJsonPath, ExtXyzKeys? keys = null)
    {
        keys ??= ExtXyzKeys.Default;
        using var doc = JsonDocument.Parse(File.ReadAllText(aseJsonPath));
        var ase = doc.RootElement.GetProperty("frames");
        Assert.Equal(ase.GetArrayLength(), frames.Count);
        for (int f = 0; f < frames.Count; f++)
        {
            var s = frames[f];
            var a = ase[f];
            Assert.Equal(a.GetProperty("numbers").EnumerateArray().Select(x => x.GetInt32()), s.Numbers);
            Assert.Equal(Flatten(a.GetProperty("positions")), s.Positions);
            var cell = a.GetProperty("cell");
            if (cell.ValueKind == JsonValueKind.Null) Assert.Null(s.Cell);
            else Assert.Equal(Flatten(cell), s.Cell);
            Assert.Equal(a.GetProperty("pbc").EnumerateArray().Select(x => x.GetBoolean()), s.Pbc);

            var info = a.GetProperty("info");
            var arrays = a.GetProperty("arrays");
            var expectedInfo = info.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
            string? energyKey = keys.Energy.FirstOrDefault(expectedInfo.ContainsKey);
            string? chargeKey = keys.Charge.FirstOrDefault(expectedInfo.ContainsKey);
            string? spinKey = keys.Spin.FirstOrDefault(expectedInfo.ContainsKey);
            string? forcesKey = keys.Forces.FirstOrDefault(k => arrays.TryGetProperty(k, out _));

            if (energyKey is null) Assert.Null(s.Energy);
            else Assert.Equal(expectedInfo[energyKey].GetDouble(), s.Energy);
            Assert.Equal(chargeKey is null ? 0 : expectedInfo[chargeKey].GetInt32(), s.Charge);
            Assert.Equal(spinKey is null ? 1 : expectedInfo[spinKey].GetInt32(), s.Spin);
            if (forcesKey is null) Assert.Null(s.Forces);
            else Assert.Equal(Flatten(arrays.GetProperty(forcesKey)), s.Forces);

            var rest = expectedInfo.Where(p => p.Key != energyKey && p.Key != chargeKey && p.Key != spinKey).ToList();
            Assert.Equal(rest.Select(p => p.Key).Order(StringComparer.Ordinal), s.Info.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, value) in rest) AssertSameValue(value, s.Info[key], key);

            var restArrays = arrays.EnumerateObject().Where(p => p.Name != forcesKey).ToList();
            Assert.Equal(restArrays.Select(p => p.Name).Order(StringComparer.Ordinal), s.PerAtom.Keys.Order(StringComparer.Ordinal));
            foreach (var p in restArrays)
            {
                var column = s.PerAtom[p.Name];
                var flat = p.Value.EnumerateArray().SelectMany(x => x.ValueKind == JsonValueKind.Array ? x.EnumerateArray().ToList() : new List<JsonElement> { x }).ToList();
                Assert.Equal(flat.Count, column.Values.Length);
                for (int k = 0; k < flat.Count; k++) AssertSameValue(flat[k], column.Values.GetValue(k)!, p.Name);
            }
        }
    }

    public static double[] Flatten(JsonElement rows) =>
        rows.EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(x => x.GetDouble()).ToArray();

    /// <summary>Same value and same kind: JSON ints (no '.'/'e') must be long, JSON floats double.</summary>
    public static void AssertSameValue(JsonElement expected, object actual, string key)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Number when IsJsonInteger(expected):
                Assert.True(actual is long, $"{key}: expected a long, got {actual.GetType().Name}");
                Assert.Equal(expected.GetInt64(), (long)actual);
                break;
            case JsonValueKind.Number:
                Assert.True(actual is double, $"{key}: expected a double, got {actual.GetType().Name}");
                Assert.Equal(expected.GetDouble(), (double)actual);
                break;
            case JsonValueKind.True or JsonValueKind.False:
                Assert.Equal(expected.GetBoolean(), Assert.IsType<bool>(actual));
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), Assert.IsType<string>(actual));
                break;
            case JsonValueKind.Array:
                var items = expected.EnumerateArray().ToList();
                var array = Assert.IsAssignableFrom<Array>(actual);
                Assert.Equal(items.Count, array.Length);
                for (int i = 0; i < items.Count; i++) AssertSameValue(items[i], array.GetValue(i)!, key);
                break;
            default:
                Assert.Fail($"{key}: unexpected JSON {expected.ValueKind}");
                break;
        }
    }

    private static bool IsJsonInteger(JsonElement e) => e.GetRawText().AsSpan().IndexOfAny(".eE") < 0;
}
