using CatPot.Models.Heads;
using System.Text.Json.Nodes;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>PotentialFile: metadata mapping, Save → Load round trips, explicit (EMA) weights, and refusals.</summary>
public sealed class PotentialFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("catpot-potentialfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PotentialStatistics Stats()
    {
        var refs = new double[119];
        refs[1] = -13.6123456789012345;
        refs[6] = -1029.5;
        refs[8] = 1.0 / 3.0;
        return new PotentialStatistics { ElementReferences = refs, Mu = -0.0139, Sd = 0.4331, Lo = -6.79, Hi = 8.1, ForceRms = 3.39 };
    }

    private static Potential<T> Random<T>(string head, ulong seed = 3) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var config = new PotentialConfig { Features = 6, Layers = 2, RadialBasis = 5, Cutoff = 4.5, Eps = 1e-7, Head = head == "hlgauss" ? new HLGaussHeadConfig { Bins = 9, SigmaRatio = 0.6, Temperature = 1.5 } : TestHeads.Of(head) };
        var m = new Potential<T>(config, Stats());
        m.InitializeParameters(seed);
        // non-zero biases, so a bias that is dropped or misplaced shows
        int k = 1;
        foreach (var (name, t, _) in m.Parameters.Items)
            if (name.EndsWith(".bias", StringComparison.Ordinal))
                for (int i = 0; i < t.Length; i++) t[i] = T.CreateChecked(0.01 * (k++ % 17) - 0.08);
        return m;
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData("hlgauss")]
    [InlineData("mae")]
    public void Float32_save_then_load_is_bit_exact_in_weights_config_and_statistics(string head)
    {
        var model = Random<float>(head);
        var training = new JsonObject { ["n_structures"] = 42, ["source"] = "unit test" };
        PotentialFile.Save(model, PathOf("m.safetensors"), training);
        var back = PotentialFile.Load<float>(PathOf("m.safetensors"), out var metadata);

        Assert.Equal(model.Config, back.Config);
        Assert.Equal(model.Statistics.ElementReferences, back.Statistics.ElementReferences);
        Assert.Equal((model.Statistics.Mu, model.Statistics.Sd, model.Statistics.Lo, model.Statistics.Hi, model.Statistics.ForceRms),
            (back.Statistics.Mu, back.Statistics.Sd, back.Statistics.Lo, back.Statistics.Hi, back.Statistics.ForceRms));
        Assert.Equal(model.Parameters.Names, back.Parameters.Names);
        foreach (var (name, t, _) in model.Parameters.Items)
        {
            Assert.Equal(t.Shape, back.Parameters[name].Shape);
            Assert.Equal(t.Data.Select(BitConverter.SingleToInt32Bits), back.Parameters[name].Data.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(42, metadata.TrainingSet["n_structures"]!.GetValue<int>());
        Assert.Equal("unit test", metadata.TrainingSet["source"]!.GetValue<string>());

        // saving the loaded model again gives the same bytes
        PotentialFile.Save(back, PathOf("again.safetensors"), metadata.TrainingSet);
        Assert.Equal(File.ReadAllBytes(PathOf("m.safetensors")), File.ReadAllBytes(PathOf("again.safetensors")));
    }

    [Fact]
    public void Double_model_is_saved_as_float32_and_loads_as_the_rounded_weights()
    {
        var model = Random<double>("hlgauss");
        PotentialFile.Save(model, PathOf("d.safetensors"));
        var file = SafeTensorsFile.Read(PathOf("d.safetensors"));
        Assert.All(file.Tensors.Values, t => Assert.Equal(SafeTensorsDType.F32, t.DType));
        var back = PotentialFile.Load<double>(PathOf("d.safetensors"));
        foreach (var (name, t, _) in model.Parameters.Items)
            Assert.Equal(t.Data.Select(x => (double)(float)x), back.Parameters[name].Data);
    }

    [Fact]
    public void Saved_file_holds_the_contract_tensors_and_the_peer_style_metadata()
    {
        var model = Random<float>("hlgauss");
        PotentialFile.Save(model, PathOf("m.safetensors"));
        var file = SafeTensorsFile.Read(PathOf("m.safetensors"));
        var m = ModelContract.Validate(file);
        Assert.Equal(ModelContract.ExpectedParameters(m).Select(p => p.Name).Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("hlgauss", file.Metadata["head"]);
        Assert.Equal("catpot-v1", file.Metadata["format"]);
        var combined = JsonNode.Parse(file.Metadata["catpot"])!.AsObject();
        Assert.Equal(0.6, combined["sigma_ratio"]!.GetValue<double>());
        Assert.Equal(1e-7, combined["eps"]!.GetValue<double>());
        // element references: only the elements that have one, keyed by Z, every digit kept
        var refs = combined["element_refs"]!.AsObject();
        Assert.Equal(["1", "6", "8"], refs.Select(kv => kv.Key));
        Assert.Equal(-13.6123456789012345, refs["1"]!.GetValue<double>());
        Assert.Equal(1.0 / 3.0, m.Statistics.ElementReferences[8]);
        // nothing left behind by the atomic write
        Assert.Equal(["m.safetensors"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Peer_file_maps_to_config_and_statistics_and_saves_back_to_the_same_weights()
    {
        var model = PotentialFile.Load<float>(PeerFixtures.PathOf("hlgauss_small.safetensors"));
        var stats = PeerFixtures.Json("stats.json");
        Assert.Equal(new PotentialConfig { Features = 16, Layers = 2, RadialBasis = 8, Cutoff = 5.0, Head = new HLGaussHeadConfig { Bins = 16, SigmaRatio = 0.75, Temperature = 2.0 }, Eps = 1e-8 }, model.Config);
        Assert.Equal(stats.GetProperty("lo").GetDouble(), model.Statistics.Lo);
        Assert.Equal(stats.GetProperty("force_rms").GetDouble(), model.Statistics.ForceRms);
        var refs = stats.GetProperty("element_refs").EnumerateObject().ToList();
        Assert.Equal(refs.Count, model.Statistics.ElementReferences.Count(e => e != 0));
        foreach (var r in refs) Assert.Equal(r.Value.GetDouble(), model.Statistics.ElementReferences[int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture)]);

        PotentialFile.Save(model, PathOf("copy.safetensors"));
        var peer = SafeTensorsFile.Read(PeerFixtures.PathOf("hlgauss_small.safetensors"));
        var copy = SafeTensorsFile.Read(PathOf("copy.safetensors"));
        foreach (var (name, t) in peer.Tensors) Assert.Equal(t.Float32, copy.Tensors[name].Float32);
        var (m1, m2) = (ModelMetadata.FromSafeTensors(peer), ModelMetadata.FromSafeTensors(copy));
        var (s1, s2) = (m1.Statistics, m2.Statistics);
        Assert.Equal((s1.Mu, s1.Sd, s1.Lo, s1.Hi, s1.ForceRms), (s2.Mu, s2.Sd, s2.Lo, s2.Hi, s2.ForceRms));
        Assert.Equal(s1.ElementReferences, s2.ElementReferences);
    }

    [Fact]
    public void Explicit_weights_are_saved_in_parameter_order()
    {
        var model = Random<float>("mae");
        var ema = model.Parameters.Items.Select((p, k) => p.Tensor.Data.Select(x => (x * 0.5f) + k).ToArray()).ToList();
        PotentialFile.Save(model, ema, PathOf("ema.safetensors"));
        var back = PotentialFile.Load<float>(PathOf("ema.safetensors"));
        for (int k = 0; k < ema.Count; k++) Assert.Equal(ema[k], back.Parameters.Items[k].Tensor.Data);
        // the live weights are untouched
        Assert.NotEqual(ema[0], model.Parameters.Items[0].Tensor.Data);
    }

    [Fact]
    public void Explicit_weights_of_the_wrong_count_length_or_value_are_refused()
    {
        var model = Random<float>("mae");
        var good = model.Parameters.Items.Select(p => p.Tensor.ToArray()).ToList();
        var e1 = Assert.Throws<ArgumentException>(() => PotentialFile.Save(model, good.Take(good.Count - 1).ToList(), PathOf("x.safetensors")));
        Assert.Contains($"the model has {good.Count} parameters", e1.Message, StringComparison.Ordinal);
        var shortList = good.ToList();
        shortList[3] = shortList[3][..^1];
        var e2 = Assert.Throws<ArgumentException>(() => PotentialFile.Save(model, shortList, PathOf("x.safetensors")));
        Assert.Contains(model.Parameters.Items[3].Name, e2.Message, StringComparison.Ordinal);
        var nan = good.Select(w => (float[])w.Clone()).ToList();
        nan[5][2] = float.NaN;
        var e3 = Assert.Throws<ArgumentException>(() => PotentialFile.Save(model, nan, PathOf("x.safetensors")));
        Assert.Contains("flat index 2", e3.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_file_whose_tensors_do_not_match_its_metadata_is_refused_naming_the_tensor()
    {
        var peer = SafeTensorsFile.Read(PeerFixtures.PathOf("mae_small.safetensors"));
        var tensors = peer.Tensors.Where(kv => kv.Key != "layers.1.update.a1.bias").ToDictionary();
        new SafeTensorsFile(tensors, peer.Metadata).Write(PathOf("missing.safetensors"));
        var e = Assert.Throws<ModelFileException>(() => PotentialFile.Load<float>(PathOf("missing.safetensors")));
        Assert.Contains("missing.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing tensor 'layers.1.update.a1.bias'", e.Message, StringComparison.Ordinal);

        var md = peer.Metadata.ToDictionary();
        md["L"] = "3";
        md.Remove("catpot");
        new SafeTensorsFile(peer.Tensors, md).Write(PathOf("layers.safetensors"));
        var e2 = Assert.Throws<ModelFileException>(() => PotentialFile.Load<double>(PathOf("layers.safetensors")));
        Assert.Contains("missing tensor 'layers.2.message.phi1.weight'", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_that_cannot_build_a_model_is_refused()
    {
        var peer = SafeTensorsFile.Read(PeerFixtures.PathOf("hlgauss_small.safetensors"));
        var md = peer.Metadata.ToDictionary();
        md.Remove("catpot");
        md["T"] = "0";
        new SafeTensorsFile(peer.Tensors, md).Write(PathOf("t0.safetensors"));
        var e = Assert.Throws<ModelFileException>(() => PotentialFile.Load<float>(PathOf("t0.safetensors")));
        Assert.Contains("t0.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("T", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_model_file_error_naming_the_path()
    {
        var e = Assert.Throws<ModelFileException>(() => PotentialFile.Load<float>(PathOf("nope.safetensors")));
        Assert.Contains("nope.safetensors", e.Message, StringComparison.Ordinal);
    }
}
