using System.Text;
using System.Text.Json.Nodes;
using CatPot.Models;
using CatPot.Models.Heads;
using Xunit;

namespace CatPot.Tests.Cli;

/// <summary>
/// Damaged or absurd model files are refused by every command with exit 2 and a message naming the tensor or key,
/// before anything large is allocated (issue 14, item 3; unknown heads, issue 11).
/// </summary>
public sealed class ModelFileRefusalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Potential<float> Small()
    {
        var refs = new double[119];
        refs[1] = -13.6;
        refs[6] = -1030.0;
        refs[8] = -2040.0;
        var model = new Potential<float>(
            new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = new HLGaussHeadConfig { Bins = 8 } },
            new PotentialStatistics { ElementReferences = refs, Mu = -0.1, Sd = 0.3, Lo = -2, Hi = 2, ForceRms = 1.5 });
        model.InitializeParameters(1);
        return model;
    }

    private SafeTensorsFile Good()
    {
        string path = _dir.File("good.safetensors");
        PotentialFile.Save(Small(), path);
        return SafeTensorsFile.Read(path);
    }

    /// <summary>The good file with metadata key <paramref name="key"/> set to <paramref name="json"/> in both styles.</summary>
    private string WithMetadata(string key, string json)
    {
        var good = Good();
        var md = good.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        var combined = JsonNode.Parse(md["catpot"])!.AsObject();
        combined[key] = JsonNode.Parse(json);
        md["catpot"] = combined.ToJsonString();
        md[key] = combined[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : json;
        string path = _dir.File($"bad-{key}.safetensors");
        new SafeTensorsFile(good.Tensors, md).Write(path);
        return path;
    }

    private string WithWeight(string tensor, float value)
    {
        var good = Good();
        good.Tensors[tensor].Float32![0] = value;
        string path = _dir.File($"bad-weight-{value}.safetensors");
        new SafeTensorsFile(good.Tensors, good.Metadata).Write(path);
        return path;
    }

    private static void AssertRefused(string path, string named)
    {
        var run = CliRun.Of("eval", path, "sample:test");
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(named, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_with_invalid_utf8_is_refused()
    {
        Good();
        var bytes = File.ReadAllBytes(_dir.File("good.safetensors"));
        int at = Encoding.ASCII.GetString(bytes).IndexOf("hlgauss", StringComparison.Ordinal);
        bytes[at] = 0xFF;
        File.WriteAllBytes(_dir.File("utf8.safetensors"), bytes);
        AssertRefused(_dir.File("utf8.safetensors"), "UTF-8");
    }

    [Theory]
    [InlineData("L", "1000000")]
    [InlineData("F", "100000000")]
    [InlineData("K", "2000000000")]
    [InlineData("format", "\"catpot-v99\"")]
    [InlineData("element_refs", "[]")]
    [InlineData("element_refs", "{\"1\": -13.6, \"1\": -13.5}")] // a duplicated key (found by the fuzz harness)
    [InlineData("force_rms", "0")]
    [InlineData("sd", "\"NaN\"")]
    [InlineData("mu", "\"-Infinity\"")]
    [InlineData("head", "\"mixture\"")]
    public void Absurd_or_non_finite_metadata_is_refused_naming_the_key(string key, string json)
    {
        AssertRefused(WithMetadata(key, json), key);
    }

    [Theory]
    [InlineData(3e38f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Huge_or_non_finite_weights_are_refused_naming_the_tensor(float value)
    {
        AssertRefused(WithWeight("layers.0.message.phi1.weight", value), "layers.0.message.phi1.weight");
    }

    [Fact]
    public void A_device_that_never_ends_is_refused_without_reading_it()
    {
        AssertRefused("/dev/urandom", "/dev/urandom");
    }

    /// <summary>
    /// The committed model with a fitted uncertainty, its stored uncertainty's <c>energy_features</c> replaced by
    /// <paramref name="names"/> and (when given) its head renamed in the metadata.
    /// </summary>
    private string WithUncertaintyInputs(string[] names, string? head = null)
    {
        var file = SafeTensorsFile.Read(CliFixtures.Cli("catpot_t2_catres_uncertainty.safetensors"));
        var md = file.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        var uncertainty = JsonNode.Parse(md[CatPot.Uncertainty.UncertaintyModel.MetadataKey])!.AsObject();
        uncertainty["energy_features"] = new JsonArray([.. names.Select(n => (JsonNode)n)]);
        md[CatPot.Uncertainty.UncertaintyModel.MetadataKey] = uncertainty.ToJsonString();
        if (head is not null) md["head"] = head;
        string path = _dir.File($"bad-uncertainty-{names.Length}-{head}.safetensors");
        new SafeTensorsFile(file.Tensors, md).Write(path);
        return path;
    }

    [Fact]
    public void A_stored_uncertainty_with_an_unknown_input_is_refused_naming_it()
    {
        // Found by the fuzz harness: a damaged name in the stored uncertainty ended as an internal error at prediction.
        string[] names = ["log_atoms", "log_rigid1e308ity", "entropy", "log_histogram_std", "tail_mass", "log_novelty_max", "log_novelty_top", "log_novelty_mean", "rarity_max"];
        string water = _dir.File("water.extxyz");
        File.WriteAllText(water, "3\nenergy=-2000.0\nO 0 0 0.1\nH 0.76 0 -0.47\nH -0.76 0 -0.47\n");
        Assert.Equal(0, CliRun.Of("predict", CliFixtures.Cli("catpot_t2_catres_uncertainty.safetensors"), water, "-o", _dir.File("good.extxyz")).ExitCode);
        var run = CliRun.Of("predict", WithUncertaintyInputs(names), water, "-o", _dir.File("out.extxyz"));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("log_rigid1e308ity", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("catpot calibrate", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.Stderr, StringComparison.Ordinal);

        // A histogram input is refused when the file's head gives no histogram.
        var file = SafeTensorsFile.Read(WithUncertaintyInputs(["log_atoms", "entropy"], head: MaeHeadConfig.HeadName));
        var e = Assert.Throws<ModelFileException>(() => CatPot.Uncertainty.UncertaintyModel.FromSafeTensors(file));
        Assert.Contains("needs a histogram", e.Message, StringComparison.Ordinal);
        // The committed file itself reads.
        Assert.NotNull(CatPot.Uncertainty.UncertaintyModel.FromSafeTensors(SafeTensorsFile.Read(CliFixtures.Cli("catpot_t2_catres_uncertainty.safetensors"))));
    }

    [Fact]
    public void The_good_file_is_accepted()
    {
        Good();
        var run = CliRun.Of("eval", _dir.File("good.safetensors"), "sample:test", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        // eval reports where the test targets fall relative to the histogram support
        var support = run.Json().GetProperty("support");
        Assert.InRange(support.GetProperty("outside").GetDouble(), 0, 1);
        Assert.InRange(support.GetProperty("near_edge").GetDouble(), 0, 1);
    }
}
