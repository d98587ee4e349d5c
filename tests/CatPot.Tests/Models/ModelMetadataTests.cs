using System.Text.Json.Nodes;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Models;

public class ModelMetadataTests
{
    private static ModelMetadata Sample() => new()
    {
        Head = EnergyHeadKind.HLGauss, F = 16, L = 2, RbfCount = 8, K = 16, Cutoff = 4.5, SigmaRatio = 0.6, Temperature = 1.5,
        ElementReferences = new SortedDictionary<int, double> { [1] = -12.5, [8] = -111.25 },
        Mu = -0.013, Sd = 0.43, Lo = -6.7, Hi = 8.1, ForceRms = 3.39,
        TrainingSet = new JsonObject { ["n_structures"] = 10 },
    };

    private static void AssertSame(ModelMetadata a, ModelMetadata b)
    {
        Assert.Equal(a.ToJsonObject().ToJsonString(), b.ToJsonObject().ToJsonString());
    }

    [Fact]
    public void Round_trip_through_safetensors_metadata_writes_both_styles()
    {
        var m = Sample();
        var md = m.ToSafeTensorsMetadata();
        Assert.Equal("hlgauss", md["head"]);
        Assert.Equal("catpot-v1", md["format"]);
        Assert.Contains("\"mu\":-0.013", md["catpot"], StringComparison.Ordinal);
        AssertSame(m, ModelMetadata.FromSafeTensorsMetadata(md, null, "mem"));
        // each style alone is enough
        AssertSame(m, ModelMetadata.FromSafeTensorsMetadata(new Dictionary<string, string> { ["catpot"] = md["catpot"] }, null, "mem"));
        var flat = md.Where(kv => kv.Key != "catpot").ToDictionary(kv => kv.Key, kv => kv.Value);
        AssertSame(m, ModelMetadata.FromSafeTensorsMetadata(flat, null, "mem"));
    }

    [Fact]
    public void Aliases_symbols_lists_and_nested_groups_are_understood()
    {
        var md = new Dictionary<string, string>
        {
            ["hyperparameters"] = "{\"head_kind\":\"HL-Gauss\",\"features\":32,\"n_layers\":3,\"num_rbf\":10,\"cutoff\":6.0,\"bins\":64,\"temperature\":1.0}",
            ["stats"] = "{\"mean\":0.5,\"std\":\"2.0\",\"bin_lo\":-4,\"bin_hi\":4,\"f_rms\":1.25}",
            ["element_references"] = "{\"H\":-13.0,\"c\":-59.0,\"8\":-111.0}",
        };
        var m = ModelMetadata.FromSafeTensorsMetadata(md, null, "aliases");
        Assert.Equal(EnergyHeadKind.HLGauss, m.Head);
        Assert.Equal((32, 3, 10, 64), (m.F, m.L, m.RbfCount, m.K));
        Assert.Equal((6.0, 1.0, 0.5, 2.0, -4.0, 4.0, 1.25), (m.Cutoff, m.Temperature, m.Mu, m.Sd, m.Lo, m.Hi, m.ForceRms));
        Assert.Equal(-13.0, m.ElementReferences[1]);
        Assert.Equal(-59.0, m.ElementReferences[6]);
        Assert.Equal(-111.0, m.ElementReferences[8]);

        var list = new Dictionary<string, string>
        {
            ["head"] = "mae", ["F"] = "8", ["L"] = "1", ["n_rbf"] = "4", ["mu"] = "0", ["sd"] = "1", ["force_rms"] = "1",
            ["refs"] = "[0, -13.5, 0, -7.25]",
        };
        var m2 = ModelMetadata.FromSafeTensorsMetadata(list, null, "list");
        Assert.Equal(EnergyHeadKind.Mae, m2.Head);
        Assert.Equal(new[] { 1, 3 }, m2.ElementReferences.Keys.ToArray());
        Assert.Equal(-7.25, m2.ElementReferences[3]);
        Assert.Equal(-13.5 * 2 - 7.25, m2.ReferenceEnergy([1, 3, 1, 2]));
    }

    [Fact]
    public void Hyperparameters_missing_from_the_metadata_come_from_tensor_shapes()
    {
        var tensors = ModelContract.ExpectedParameters(24, 3, 6, 40, EnergyHeadKind.HLGauss)
            .ToDictionary(p => p.Name, p => SafeTensorsEntry.FromFloat32(p.Shape, new float[SafeTensorsEntry.ElementCountOf(p.Shape)]));
        var md = new Dictionary<string, string> { ["mu"] = "0.1", ["sd"] = "0.5", ["lo"] = "-1", ["hi"] = "1", ["force_rms"] = "2", ["element_refs"] = "{\"1\": -1}" };
        var m = ModelMetadata.FromSafeTensorsMetadata(md, tensors, "shapes");
        Assert.Equal((EnergyHeadKind.HLGauss, 24, 3, 6, 40), (m.Head, m.F, m.L, m.RbfCount, m.K));
    }

    [Fact]
    public void Missing_statistics_are_an_error_naming_them()
    {
        var md = new Dictionary<string, string> { ["head"] = "hlgauss", ["F"] = "8", ["L"] = "1", ["n_rbf"] = "4", ["mu"] = "0", ["element_refs"] = "{}" };
        var e = Assert.Throws<ModelFileException>(() => ModelMetadata.FromSafeTensorsMetadata(md, null, "model.safetensors"));
        Assert.Contains("model.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("sd", e.Message, StringComparison.Ordinal);
        Assert.Contains("force_rms", e.Message, StringComparison.Ordinal);
        Assert.Contains("lo", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_values_are_an_error_naming_the_key()
    {
        var md = Sample().ToSafeTensorsMetadata();
        md.Remove("catpot");
        md["sd"] = "\"abc\"";
        var e = Assert.Throws<ModelFileException>(() => ModelMetadata.FromSafeTensorsMetadata(md, null, "m"));
        Assert.Contains("sd", e.Message, StringComparison.Ordinal);
        md["sd"] = "0";
        Assert.Throws<ModelFileException>(() => ModelMetadata.FromSafeTensorsMetadata(md, null, "m"));
        md["sd"] = "1";
        md["element_refs"] = "{\"Xx\": 1}";
        Assert.Contains("Xx", Assert.Throws<ModelFileException>(() => ModelMetadata.FromSafeTensorsMetadata(md, null, "m")).Message, StringComparison.Ordinal);
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
