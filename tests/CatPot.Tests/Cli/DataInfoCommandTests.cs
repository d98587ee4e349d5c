using System.Globalization;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.Cli;
using CatPot.Data;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.Cli;

public class DataInfoCommandTests
{
    private static void Close(double expected, JsonElement actual, string what) =>
        Assert.True(Math.Abs(expected - actual.GetDouble()) <= 1e-9 * Math.Max(1.0, Math.Abs(expected)),
            $"{what}: expected {expected.ToString("R", CultureInfo.InvariantCulture)}, got {actual.GetDouble().ToString("R", CultureInfo.InvariantCulture)}");

    /// <summary>Checks every count and statistic of the JSON report against values computed here, directly from the frames.</summary>
    private static void AssertReportDescribes(IReadOnlyList<Structure> frames, JsonElement json)
    {
        Assert.Equal("catpot.data-info/1", json.GetProperty("schema").GetString());
        Assert.Equal(frames.Count, json.GetProperty("frames").GetInt32());
        var atoms = json.GetProperty("atoms");
        Assert.Equal(frames.Sum(f => (long)f.AtomCount), atoms.GetProperty("total").GetInt64());
        Assert.Equal(frames.Min(f => f.AtomCount), atoms.GetProperty("min").GetInt32());
        Assert.Equal(frames.Max(f => f.AtomCount), atoms.GetProperty("max").GetInt32());
        Close(frames.Average(f => (double)f.AtomCount), atoms.GetProperty("mean"), "atoms.mean");

        var elements = json.GetProperty("elements").EnumerateArray().ToList();
        var expectedZ = frames.SelectMany(f => f.Numbers).Distinct().Order().ToList();
        Assert.Equal(expectedZ, elements.Select(e => e.GetProperty("z").GetInt32()).ToList());
        foreach (var e in elements)
        {
            int z = e.GetProperty("z").GetInt32();
            Assert.Equal(Elements.Symbol(z), e.GetProperty("symbol").GetString());
            Assert.Equal(frames.Sum(f => (long)f.Numbers.Count(n => n == z)), e.GetProperty("atoms").GetInt64());
            Assert.Equal(frames.Count(f => f.Numbers.Contains(z)), e.GetProperty("structures").GetInt32());
        }

        static List<(int, int)> Histogram(IEnumerable<int> values) =>
            values.GroupBy(v => v).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())).ToList();
        static List<(int, int)> FromJson(JsonElement array) =>
            array.EnumerateArray().Select(c => (c.GetProperty("value").GetInt32(), c.GetProperty("structures").GetInt32())).ToList();
        Assert.Equal(Histogram(frames.Select(f => f.Charge)), FromJson(json.GetProperty("charges")));
        Assert.Equal(Histogram(frames.Select(f => f.Spin)), FromJson(json.GetProperty("spins")));

        var domains = json.GetProperty("domains").EnumerateArray()
            .Select(d => (d.GetProperty("domain").ValueKind == JsonValueKind.Null ? null : d.GetProperty("domain").GetString(), d.GetProperty("frames").GetInt32()))
            .ToList();
        var expectedDomains = frames.GroupBy(f => f.Domain)
            .OrderBy(g => g.Key is null).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count())).ToList();
        Assert.Equal(expectedDomains, domains);

        var labelled = frames.Where(f => f.Energy is not null).ToList();
        var energy = json.GetProperty("energy");
        Assert.Equal(labelled.Count, energy.GetProperty("frames").GetInt32());
        if (labelled.Count > 0)
        {
            Close(labelled.Min(f => f.Energy!.Value), energy.GetProperty("total").GetProperty("min"), "energy.total.min");
            Close(labelled.Max(f => f.Energy!.Value), energy.GetProperty("total").GetProperty("max"), "energy.total.max");
            Close(labelled.Average(f => f.Energy!.Value), energy.GetProperty("total").GetProperty("mean"), "energy.total.mean");
            Close(labelled.Min(f => f.Energy!.Value / f.AtomCount), energy.GetProperty("per_atom").GetProperty("min"), "energy.per_atom.min");
            Close(labelled.Max(f => f.Energy!.Value / f.AtomCount), energy.GetProperty("per_atom").GetProperty("max"), "energy.per_atom.max");
        }

        var withForces = frames.Where(f => f.Forces is not null).ToList();
        var norms = withForces.SelectMany(f => Enumerable.Range(0, f.AtomCount)
            .Select(i => Math.Sqrt(f.Forces![3 * i] * f.Forces[3 * i] + f.Forces[3 * i + 1] * f.Forces[3 * i + 1] + f.Forces[3 * i + 2] * f.Forces[3 * i + 2]))).ToList();
        var forces = json.GetProperty("forces");
        Assert.Equal(withForces.Count, forces.GetProperty("frames").GetInt32());
        Assert.Equal(norms.Count, forces.GetProperty("atoms").GetInt64());
        if (norms.Count > 0)
        {
            Close(Math.Sqrt(withForces.SelectMany(f => f.Forces!).Average(c => c * c)), forces.GetProperty("rms_component"), "forces.rms_component");
            Close(norms.Average(), forces.GetProperty("mean_atom_norm"), "forces.mean_atom_norm");
            Close(norms.Max(), forces.GetProperty("max_atom_norm"), "forces.max_atom_norm");
        }
    }

    [Fact]
    public void Json_for_the_xtb4_fixture_matches_statistics_computed_from_its_frames()
    {
        string path = CliFixtures.ExtXyz("xtb4_train_head.extxyz");
        var run = CliRun.Of("data", "info", path, "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal("", run.Stderr);
        var json = run.Json();
        AssertReportDescribes(ExtXyzReader.ReadAll(path), json);
        var file = Assert.Single(json.GetProperty("files").EnumerateArray().ToList());
        Assert.Equal(path, file.GetProperty("path").GetString());
        Assert.Equal("extxyz", file.GetProperty("format").GetString());
    }

    [Fact]
    public void Json_for_several_inputs_covers_all_of_them_and_lists_each_with_its_frames()
    {
        string extxyz = CliFixtures.ExtXyz("ase_types.extxyz.gz");
        string shards = CliFixtures.AseLmdb("shards");
        string lmdb = CliFixtures.AseLmdb("small.aselmdb");
        var run = CliRun.Of("data", "info", extxyz, shards, lmdb, "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var perFile = new[] { ExtXyzReader.ReadAll(extxyz), AseLmdbAll(shards), AseLmdbAll(lmdb) };
        var json = run.Json();
        AssertReportDescribes(perFile.SelectMany(f => f).ToList(), json);
        var files = json.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal([extxyz, shards, lmdb], files.Select(f => f.GetProperty("path").GetString()));
        Assert.Equal(["extxyz", "aselmdb-directory", "aselmdb"], files.Select(f => f.GetProperty("format").GetString()));
        Assert.Equal(perFile.Select(f => f.Count), files.Select(f => f.GetProperty("frames").GetInt32()));
    }

    [Fact]
    public void Frame_count_of_an_aselmdb_file_matches_what_python_lmdb_read()
    {
        using var expected = JsonDocument.Parse(File.ReadAllBytes(CliFixtures.AseLmdb("shards.expected.json")));
        var shards = expected.RootElement.GetProperty("shards").EnumerateArray().ToList();
        var run = CliRun.Of("data", "info", CliFixtures.AseLmdb("shards"), "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var json = run.Json();
        Assert.Equal(shards.Sum(s => s.GetProperty("count").GetInt32()), json.GetProperty("frames").GetInt32());
        long pythonAtoms = shards.Sum(s => s.GetProperty("rows").EnumerateArray().Sum(r => (long)r.GetProperty("numbers").GetArrayLength()));
        Assert.Equal(pythonAtoms, json.GetProperty("atoms").GetProperty("total").GetInt64());
    }

    [Fact]
    public void Sample_train_reads_the_embedded_training_frames()
    {
        var run = CliRun.Of("data", "info", "sample:train", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var stream = SampleData.OpenTrain();
        using var reader = new ExtXyzReader(stream, "sample:train");
        var frames = new List<Structure>();
        while (reader.TryRead(out var s)) frames.Add(s);
        var json = run.Json();
        AssertReportDescribes(frames, json);
        Assert.Equal("sample", json.GetProperty("files")[0].GetProperty("format").GetString());
    }

    [Fact]
    public void Table_output_goes_to_stdout_and_names_domains_elements_and_the_frame_count()
    {
        string path = CliFixtures.ExtXyz("xtb4_train_head.extxyz");
        var frames = ExtXyzReader.ReadAll(path);
        var run = CliRun.Of("data", "info", path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal("", run.Stderr);
        Assert.DoesNotContain('\u001b', run.Stdout);
        foreach (var domain in frames.Select(f => f.Domain!).Distinct())
            Assert.Contains(domain, run.Stdout);
        foreach (int z in frames.SelectMany(f => f.Numbers).Distinct())
            Assert.Contains($" {Elements.Symbol(z)} ", run.Stdout);
        Assert.Contains($" {frames.Sum(f => f.AtomCount)} ", run.Stdout);
    }

    [Fact]
    public void A_bad_frame_exits_with_2_and_one_stderr_line_naming_file_frame_and_line()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.extxyz");
        File.WriteAllText(path,
            "2\nProperties=species:S:1:pos:R:3 energy=-1.0\nH 0 0 0\nH 0 0 0.74\n"
            + "2\nProperties=species:S:1:pos:R:3 energy=-1.0\nH 0 0 0\nH 0 0 zero\n");
        var run = CliRun.Of("data", "info", path, "--json");

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Equal("", run.Stdout);
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("catpot: error: ", line);
        Assert.Contains($"{path}: frame 1, line 8", line);
        Assert.Contains("'zero'", line);
    }

    [Fact]
    public void An_invalid_aselmdb_row_exits_with_2_naming_file_frame_and_row()
    {
        string path = CliFixtures.Cli("close_contact.aselmdb");
        var run = CliRun.Of("data", "info", path);

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains($"{path}: frame 1: row id 2: atoms 1 and 2", run.Stderr);
    }

    [Fact]
    public void Verbose_adds_the_stack_trace_to_an_error()
    {
        var quiet = CliRun.Of("data", "info", CliFixtures.Cli("close_contact.aselmdb"));
        var verbose = CliRun.Of("data", "info", CliFixtures.Cli("close_contact.aselmdb"), "--verbose");

        Assert.Equal(ExitCodes.BadInput, verbose.ExitCode);
        Assert.DoesNotContain(nameof(StructureFormatException), quiet.Stderr);
        Assert.Contains(nameof(StructureFormatException), verbose.Stderr);
        Assert.Contains(" at ", verbose.Stderr);
    }

    [Fact]
    public void A_missing_file_exits_with_2_naming_the_path_and_the_accepted_formats()
    {
        using var dir = new TempDirectory();
        string missing = dir.File("nothing-here.extxyz");
        var run = CliRun.Of("data", "info", CliFixtures.ExtXyz("plain.xyz"), missing);

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains(missing, run.Stderr);
        Assert.Contains(".aselmdb", run.Stderr);
        Assert.Contains("sample:train", run.Stderr);
    }

    [Fact]
    public void An_unknown_sample_name_exits_with_2()
    {
        var run = CliRun.Of("data", "info", "sample:everything");

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains("sample:everything", run.Stderr);
        Assert.Contains("sample:val", run.Stderr);
    }

    [Theory]
    [InlineData("data", "info", "--bogus", "sample:val")]
    [InlineData("data", "info")]
    [InlineData("data", "frobnicate")]
    [InlineData("data", "info", "sample:val", "--min-distance", "-1")]
    [InlineData("data", "info", "sample:val", "--min-distance", "abc")]
    public void Usage_errors_exit_with_1_and_write_nothing_to_stdout(params string[] args)
    {
        var run = CliRun.Of(args);

        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        Assert.Equal("", run.Stdout);
        Assert.NotEqual("", run.Stderr);
    }

    [Fact]
    public void An_unknown_option_is_named_in_the_error()
    {
        var run = CliRun.Of("data", "info", "--bogus", "sample:val");

        Assert.Contains("--bogus", run.Stderr);
    }

    [Fact]
    public void Min_distance_zero_accepts_the_close_contact_the_default_rejects()
    {
        using var dir = new TempDirectory();
        string path = dir.File("close.xyz");
        File.WriteAllText(path, "2\nenergy=-1.0\nH 0 0 0\nH 0 0 0.05\n");

        Assert.Equal(ExitCodes.BadInput, CliRun.Of("data", "info", path).ExitCode);
        var run = CliRun.Of("data", "info", path, "--min-distance", "0", "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal(1, run.Json().GetProperty("frames").GetInt32());
    }

    [Fact]
    public void A_cancelled_run_exits_with_130()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var run = CliRun.OfCancellable(cancellation.Token, "data", "info", "sample:train");

        Assert.Equal(ExitCodes.Cancelled, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("cancelled", run.Stderr);
    }

    private static List<Structure> AseLmdbAll(string path)
    {
        using var reader = new AseLmdbReader(path);
        return reader.ReadAll().ToList();
    }
}
