using CatPot.Chemistry;
using System.Text.Json.Nodes;
using CatPot.Models;
using CatPot.Models.Heads;
using Xunit;

namespace CatPot.Tests.Models;

public class ModelMetadataTests
{
    private static ModelMetadata Sample()
    {
        var refs = new double[119];
        refs[1] = -12.5;
        refs[8] = -111.25;
        return ModelMetadata.Of(
            new PotentialConfig { Features = 16, Layers = 2, RadialBasis = 8, Cutoff = 4.5, Head = new HLGaussHeadConfig { Bins = 16, SigmaRatio = 0.6, Temperature = 1.5 } },
            new PotentialStatistics { ElementReferences = refs, Mu = -0.013, Sd = 0.43, Lo = -6.7, Hi = 8.1, ForceRms = 3.39 },
            new JsonObject { ["n_structures"] = 10 });
    }

    private static void AssertSame(ModelMetadata a, ModelMetadata b)
    {
        Assert.Equal(a.ToJsonObject().ToJsonString(), b.ToJsonObject().ToJsonString());
    }

    private static ModelFileException Refused(Dictionary<string, string> md) =>
        Assert.Throws<ModelFileException>(() => ModelMetadata.FromSafeTensorsMetadata(md, "model.safetensors"));

    [Fact]
    public void Round_trip_through_safetensors_metadata_writes_both_styles()
    {
        var m = Sample();
        var md = m.ToSafeTensorsMetadata();
        Assert.Equal("hlgauss", md["head"]);
        Assert.Equal("catpot-v1", md["format"]);
        Assert.Contains("\"mu\":-0.013", md["catpot"], StringComparison.Ordinal);
        AssertSame(m, ModelMetadata.FromSafeTensorsMetadata(md, "mem"));
        // each style alone is enough
        AssertSame(m, ModelMetadata.FromSafeTensorsMetadata(new Dictionary<string, string> { ["catpot"] = md["catpot"] }, "mem"));
        var flat = md.Where(kv => kv.Key != "catpot").ToDictionary(kv => kv.Key, kv => kv.Value);
        AssertSame(m, ModelMetadata.FromSafeTensorsMetadata(flat, "mem"));
    }

    [Theory]
    [InlineData("hyperparameters")]
    [InlineData("bins")]
    [InlineData("head_kind")]
    public void An_unknown_key_is_refused_naming_it(string key)
    {
        var md = Sample().ToSafeTensorsMetadata();
        md[key] = "1";
        Assert.Contains($"'{key}'", Refused(md).Message, StringComparison.Ordinal);
        // also inside the combined object
        var combined = JsonNode.Parse(Sample().ToSafeTensorsMetadata()["catpot"])!.AsObject();
        combined[key] = 1;
        Assert.Contains($"'{key}'", Refused(new Dictionary<string, string> { ["catpot"] = combined.ToJsonString() }).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HL-Gauss")]
    [InlineData("classifier")]
    [InlineData("mixture")]
    public void An_unknown_head_is_refused_naming_it(string head)
    {
        var md = Sample().ToSafeTensorsMetadata();
        md.Remove("catpot");
        md["head"] = head;
        var e = Refused(md);
        Assert.Contains("head", e.Message, StringComparison.Ordinal);
        Assert.Contains(head, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_statistics_are_an_error_naming_them()
    {
        var md = new Dictionary<string, string> { ["head"] = "hlgauss", ["F"] = "8", ["L"] = "1", ["n_rbf"] = "4", ["mu"] = "0", ["element_refs"] = "{\"1\": -1}" };
        var e = Refused(md);
        Assert.Contains("model.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("sd", e.Message, StringComparison.Ordinal);
        Assert.Contains("force_rms", e.Message, StringComparison.Ordinal);
        Assert.Contains("lo", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sd", "\"abc\"")]
    [InlineData("sd", "0")]
    [InlineData("force_rms", "0")]
    [InlineData("force_rms", "-1")]
    [InlineData("mu", "NaN")]
    [InlineData("mu", "\"Infinity\"")]
    [InlineData("lo", "1e400")]
    [InlineData("r_c", "0")]
    [InlineData("T", "0")]
    [InlineData("K", "1")]
    [InlineData("K", "1000000000")]
    [InlineData("L", "1000000")]
    [InlineData("F", "1000000")]
    [InlineData("F", "7")]
    [InlineData("n_rbf", "2.5")]
    [InlineData("format", "catpot-v99")]
    [InlineData("element_refs", "[]")]
    [InlineData("element_refs", "{}")]
    [InlineData("element_refs", "{\"Xx\": 1}")]
    [InlineData("element_refs", "{\"1\": 1e300}")]
    [InlineData("element_refs", "{\"200\": 1}")]
    [InlineData("training_set", "[1]")]
    public void Malformed_or_absurd_values_are_refused_naming_the_key(string key, string value)
    {
        var md = Sample().ToSafeTensorsMetadata();
        md.Remove("catpot");
        md[key] = value;
        Assert.Contains(key, Refused(md).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_head_round_trips_through_the_metadata()
    {
        foreach (var name in EnergyHeads.Names)
        {
            var m = ModelMetadata.Of(new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = TestHeads.Of(name) }, Sample().Statistics);
            var back = ModelMetadata.FromSafeTensorsMetadata(m.ToSafeTensorsMetadata(), "mem");
            Assert.Equal(m.Config, back.Config);
            AssertSame(m, back);
        }
    }

    [Fact]
    public void A_head_setting_that_the_head_does_not_have_is_refused_naming_it()
    {
        var m = ModelMetadata.Of(new PotentialConfig { Head = TestHeads.Of("cat") }, Sample().Statistics);
        var md = m.ToSafeTensorsMetadata();
        md.Remove("catpot");
        var settings = JsonNode.Parse(md["head_settings"])!.AsObject();
        settings["bogus_width"] = 3;
        md["head_settings"] = settings.ToJsonString();
        Assert.Contains("bogus_width", Refused(md).Message, StringComparison.Ordinal);
        settings.Remove("bogus_width");
        settings.Remove("edges");
        md["head_settings"] = settings.ToJsonString();
        Assert.Contains("edges", Refused(md).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Charge_references_make_a_v2_file_that_round_trips_and_a_v1_file_cannot_carry_them()
    {
        var plain = Sample();
        var charged = ModelMetadata.Of(plain.Config, plain.Statistics with { Charge = new ChargeReference(7.9, 1.8) });
        var md = charged.ToSafeTensorsMetadata();
        Assert.Equal("catpot-v2", md["format"]);
        var back = ModelMetadata.FromSafeTensorsMetadata(md, "mem");
        AssertSame(charged, back);
        Assert.Equal(plain.ReferenceEnergy([1, 1, 8]) + (7.9 * 2) + (1.8 * 4), back.ReferenceEnergy([1, 1, 8], 2), 12);

        md.Remove("catpot");
        md["format"] = "catpot-v1";
        Assert.Contains("charge_refs", Refused(md).Message, StringComparison.Ordinal);
        md["format"] = "catpot-v2";
        md["charge_refs"] = "{\"charge\": 1, \"charge_cubed\": 2}";
        Assert.Contains("charge_cubed", Refused(md).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalised_target_and_total_energy_are_inverse()
    {
        var m = Sample();
        double refSum = m.ReferenceEnergy([1, 1, 8]);
        Assert.Equal(-12.5 * 2 - 111.25, refSum);
        double yn = m.NormalisedTarget(-140.0, 3, refSum);
        Assert.Equal(-140.0, m.TotalEnergy(yn, 3, refSum), 10);
    }
}
