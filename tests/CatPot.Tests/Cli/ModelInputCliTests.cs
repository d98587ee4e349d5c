using CatPot.Cli;
using Xunit;

namespace CatPot.Tests.Cli;

/// <summary>
/// Issue 14 items 5, 7 and 9 end to end: commands that train or evaluate refuse frames the model cannot evaluate with
/// exit 2 and the file and frame; <c>data info</c> reads them and reports them; units convert and warn.
/// </summary>
public class ModelInputCliTests
{
    private const string Water = "O 0 0 0.1\nH 0.76 0 -0.47\nH -0.76 0 -0.47\n";
    private static string Model => Path.Combine(CliFixtures.Root, "peer", "catpot_hlgauss_small.safetensors");

    private static string Write(TempDirectory dir, string name, params string[] comments)
    {
        var text = string.Concat(comments.Select(c => $"3\n{c}\n{Water}"));
        File.WriteAllText(dir.File(name), text);
        return dir.File(name);
    }

    public static TheoryData<string, string> Unsupported => new()
    {
        { "energy=-1 Lattice=\"9 0 0 0 9 0 0 0 9\" pbc=\"T T T\"", "periodic" },
        { "energy=-1 charge=12", "total charge 12" },
        { "energy=-1 spin=13", "spin multiplicity 13" },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void EvalAndPredict_RefuseAtReadTime_WithExit2(string comment, string expected)
    {
        using var dir = new TempDirectory();
        string data = Write(dir, "d.extxyz", "energy=-2", comment);
        foreach (var run in new[] { CliRun.Of("eval", Model, data), CliRun.Of("predict", Model, data, "-o", dir.File("out.extxyz")) })
        {
            Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
            Assert.Contains($"{data}: frame 1, line 7:", run.Stderr);
            Assert.Contains(expected, run.Stderr);
            Assert.DoesNotContain("internal error", run.Stderr);
        }
        Assert.False(File.Exists(dir.File("out.extxyz")));
    }

    [Fact]
    public void Eval_RefusesAnElementBeyondZ100_NamingTheAtomLine()
    {
        using var dir = new TempDirectory();
        string data = dir.File("og.extxyz");
        File.WriteAllText(data, "2\nenergy=-1\nO 0 0 0\nOg 0 0 2\n");
        var run = CliRun.Of("eval", Model, data);
        Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
        Assert.Contains($"{data}: frame 0, line 4: atom 1: Og (Z = 118)", run.Stderr);
    }

    [Fact]
    public void Train_RefusesAFrameWithoutEnergy_NamingFileAndFrame()
    {
        using var dir = new TempDirectory();
        string data = Write(dir, "t.extxyz", "energy=-1", "energy=-2", "config=unlabelled");
        var run = CliRun.Of("train", "--train", data, "--val", data, "--test", "none", "--epochs", "1", "--out", dir.File("run"));
        Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
        Assert.Contains($"{data}: frame 2, line 12:", run.Stderr);
        Assert.Contains("energy", run.Stderr);
        Assert.DoesNotContain("internal error", run.Stderr);
    }

    [Fact]
    public void Train_ReadByIndex_RefusesWhatTheModelCannotEvaluate_LikeAFullRead()
    {
        // Reading by index (issue 16) goes through the same model-input checks as a full read: exit 2 naming file and frame.
        using var dir = new TempDirectory();
        const string props = "Properties=species:S:1:pos:R:3:forces:R:3";
        const string waterWithForces = "O 0 0 0.1 0 0 0\nH 0.76 0 -0.47 0 0 0\nH -0.76 0 -0.47 0 0 0\n";
        string Frames(params string[] comments) => string.Concat(comments.Select(c => $"3\n{c} {props}\n{waterWithForces}"));
        string train = dir.File("t.extxyz"), val = dir.File("v.extxyz");
        File.WriteAllText(train, Frames("energy=-1", "energy=-2 charge=12", "energy=-3"));
        File.WriteAllText(val, Frames("energy=-1", "energy=-2"));
        var run = CliRun.Of("train", "--train", train, "--val", val, "--test", "none", "--epochs", "1", "--read-by-index", "--out", dir.File("run"));
        Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
        Assert.True(run.Stderr.Contains($"{train}", StringComparison.Ordinal) && run.Stderr.Contains("frame 1", StringComparison.Ordinal), run.ToString());
        Assert.Contains("total charge 12", run.Stderr);
        Assert.DoesNotContain("internal error", run.Stderr);
    }

    [Fact]
    public void Train_RefusesPeriodicFrames()
    {
        using var dir = new TempDirectory();
        string data = Write(dir, "t.extxyz", "energy=-1", "energy=-2 Lattice=\"9 0 0 0 9 0 0 0 9\" pbc=\"F T F\"");
        var run = CliRun.Of("train", "--train", data, "--val", data, "--test", "none", "--epochs", "1", "--out", dir.File("run"));
        Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
        Assert.Contains("periodic", run.Stderr);
    }

    [Fact]
    public void DataInfo_ReadsAndReportsFramesTheModelCannotEvaluate()
    {
        using var dir = new TempDirectory();
        string data = Write(dir, "d.extxyz", "energy=-1", "energy=-1 Lattice=\"9 0 0 0 9 0 0 0 9\" pbc=\"T F F\"",
            "energy=-1 Lattice=\"9 0 0 0 9 0 0 0 9\"", "charge=-11", "spin=12");
        var run = CliRun.Of("data", "info", data, "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var problems = run.Json().GetProperty("model_inputs").EnumerateArray().ToDictionary(p => p.GetProperty("problem").GetString()!);
        Assert.Equal(2, problems["periodic"].GetProperty("frames").GetInt32());
        Assert.Equal(1, problems["periodic"].GetProperty("first_frame").GetInt32());
        Assert.Equal(data, problems["periodic"].GetProperty("first_file").GetString());
        Assert.Equal(3, problems["charge_outside_10"].GetProperty("first_frame").GetInt32());
        Assert.Equal(4, problems["spin_above_11"].GetProperty("first_frame").GetInt32());

        var table = CliRun.Of("data", "info", data);
        Assert.Contains("periodic", table.Stdout);
        Assert.Contains("cannot evaluate", table.Stdout);
    }

    [Fact]
    public void DataInfo_WarnsAboutKcalPerMol_AndTheUnitOptionConverts()
    {
        using var dir = new TempDirectory();
        // Water's all-electron energy is about -76.4 Hartree = -2079 eV = -47,950 kcal/mol.
        string data = Write(dir, "kcal.extxyz", "energy=-47950.1", "energy=-47950.3");
        var raw = CliRun.Of("data", "info", data, "--json");
        Assert.True(raw.ExitCode == ExitCodes.Ok, raw.ToString());
        Assert.Contains("kcal/mol", Assert.Single(raw.Json().GetProperty("warnings").EnumerateArray()).GetString());

        var converted = CliRun.Of("data", "info", data, "--json", "--energy-unit", "kcal/mol");
        Assert.True(converted.ExitCode == ExitCodes.Ok, converted.ToString());
        Assert.Empty(converted.Json().GetProperty("warnings").EnumerateArray());
        Assert.Equal(-47950.3 * 0.0433641043, converted.Json().GetProperty("energy").GetProperty("total").GetProperty("min").GetDouble(), 3);
    }

    [Fact]
    public void UnknownUnit_IsAUsageError()
    {
        var run = CliRun.Of("data", "info", "sample:val", "--energy-unit", "furlongs");
        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        Assert.Contains("--energy-unit", run.Stderr);
    }

    [Fact]
    public void Eval_ReadsAnAseDatabase()
    {
        string db = Path.Combine(CliFixtures.Root, "ase_write", "rows.json");
        var info = CliRun.Of("data", "info", db, "--json");
        Assert.True(info.ExitCode == ExitCodes.Ok, info.ToString());
        Assert.Equal("ase-db-json", info.Json().GetProperty("files")[0].GetProperty("format").GetString());
        Assert.Equal(5, info.Json().GetProperty("frames").GetInt32());
        // Row 3 is periodic: eval refuses the file at read time, naming the row.
        var run = CliRun.Of("eval", Model, db);
        Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
        Assert.Contains("frame 2", run.Stderr);
        Assert.Contains("row id 3", run.Stderr);
    }
}
