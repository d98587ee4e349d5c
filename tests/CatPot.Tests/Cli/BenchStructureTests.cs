using CatPot.Cli;
using Xunit;

namespace CatPot.Tests.Cli;

/// <summary><c>catpot bench --structure</c>: the JSON report of both force kinds, both paths agreeing, and its errors.</summary>
public class BenchStructureTests
{
    // Aspirin, frame 0 of /work/shared/data/md-aspirin/aspirin.extxyz (positions only).
    private const string Aspirin = """
        21
        Properties=species:S:1:pos:R:3 pbc="F F F"
        C 3.26741483 -1.03012308 0.21893839
        C 1.86176638 -0.79065974 0.39619269
        O 1.18126185 -1.49407674 1.05226941
        O 1.39526624 0.39581358 -0.09460486
        C 0.13917233 0.83890990 0.05831646
        C -0.11018763 2.04366625 0.56116805
        C -1.44340946 2.37522470 0.82813264
        C -2.48672156 1.60036327 0.23615384
        C -2.24709506 0.36397003 -0.20983318
        C -0.95860524 -0.06955331 -0.30025170
        C -0.74375987 -1.38636193 -0.87282373
        O -0.02697065 -1.63629589 -1.88284737
        O -1.40123209 -2.34389877 -0.24038645
        H 3.65655402 -0.09092966 -0.37407291
        H 3.66549407 -1.08839798 1.22323349
        H 3.57260189 -2.02363343 -0.12681880
        H 0.71348126 2.57160367 1.06513277
        H -1.66646779 3.31349077 1.32262404
        H -3.54031069 1.91369519 0.46865445
        H -3.03093995 -0.32070378 -0.72777747
        H -1.30786555 -3.32074266 -0.51941634
        """;

    [Fact]
    public void Reports_both_force_kinds_and_the_two_paths_agree()
    {
        using var dir = new TempDirectory();
        string file = dir.File("aspirin.extxyz");
        File.WriteAllText(file, Aspirin.Replace("\r", ""));
        var chunked = CliRun.Of("bench", "--structure", file, "--reps", "1", "--path", "chunked", "--threads", "1");
        Assert.True(chunked.ExitCode == ExitCodes.Ok, chunked.ToString());
        var autodiff = CliRun.Of("bench", "--structure", file, "--reps", "1", "--path", "autodiff", "--threads", "1");
        Assert.True(autodiff.ExitCode == ExitCodes.Ok, autodiff.ToString());
        var c = chunked.Json();
        var a = autodiff.Json();
        Assert.Equal("chunked", c.GetProperty("path").GetString());
        Assert.Equal("autodiff", a.GetProperty("path").GetString());
        Assert.Equal(21, c.GetProperty("n_atoms").GetInt32());
        foreach (var kind in new[] { "energy_direct_forces", "energy_conservative_forces" })
        {
            var e = c.GetProperty(kind);
            Assert.True(e.GetProperty("median_s").GetDouble() > 0);
            Assert.True(e.GetProperty("gemm_gflop").GetDouble() > 0);
            Assert.True(e.GetProperty("peak_rss_gb").GetDouble() > 0);
            double energy = e.GetProperty("energy_eV").GetDouble();
            Assert.Equal(a.GetProperty(kind).GetProperty("energy_eV").GetDouble(), energy, Math.Abs(energy) * 1e-6);
            Assert.Equal(a.GetProperty(kind).GetProperty("max_force_eV_per_A").GetDouble(), e.GetProperty("max_force_eV_per_A").GetDouble(), 1e-3);
        }
    }

    [Fact]
    public void Without_data_or_structure_is_a_usage_error_and_a_missing_file_is_bad_input()
    {
        Assert.Equal(ExitCodes.UsageError, CliRun.Of("bench").ExitCode);
        using var dir = new TempDirectory();
        var missing = CliRun.Of("bench", "--structure", dir.File("missing.extxyz"));
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("missing.extxyz", missing.Stderr, StringComparison.Ordinal);
    }
}
