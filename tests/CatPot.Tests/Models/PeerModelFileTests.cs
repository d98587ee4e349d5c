using CatPot.Models.Heads;
using System.Text.Json;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>Model files written by the PyTorch peer (tools/make_peer_fixtures.sh) load, validate and round-trip.</summary>
public class PeerModelFileTests
{
    [Theory]
    [InlineData("hlgauss_small", "hlgauss")]
    [InlineData("mae_small", "mae")]
    public void Peer_file_validates_against_the_contract_and_its_metadata_parses(string name, string head)
    {
        var file = SafeTensorsFile.Read(PeerFixtures.PathOf(name + ".safetensors"));
        var m = ModelContract.Validate(file);
        Assert.Equal(head, m.Config.Head.Name);
        Assert.Equal((16, 2, 8), (m.Config.Features, m.Config.Layers, m.Config.RadialBasis));
        Assert.Equal((5.0, 1e-8), (m.Config.Cutoff, m.Config.Eps));
        if (m.Config.Head is HLGaussHeadConfig hl) Assert.Equal((16, 0.75, 2.0), (hl.Bins, hl.SigmaRatio, hl.Temperature));
        Assert.Equal(ModelContract.ExpectedParameters(m).Count, file.Tensors.Count);
        Assert.All(file.Tensors.Values, t => Assert.Equal(SafeTensorsDType.F32, t.DType));

        var stats = PeerFixtures.Json("stats.json");
        Assert.Equal(stats.GetProperty("mu").GetDouble(), m.Statistics.Mu);
        Assert.Equal(stats.GetProperty("sd").GetDouble(), m.Statistics.Sd);
        Assert.Equal(stats.GetProperty("lo").GetDouble(), m.Statistics.Lo);
        Assert.Equal(stats.GetProperty("hi").GetDouble(), m.Statistics.Hi);
        Assert.Equal(stats.GetProperty("force_rms").GetDouble(), m.Statistics.ForceRms);
        var refs = stats.GetProperty("element_refs").EnumerateObject().ToList();
        Assert.Equal(refs.Count, m.Statistics.ElementReferences.Count(e => e != 0));
        foreach (var r in refs) Assert.Equal(r.Value.GetDouble(), m.Statistics.ElementReferences[int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(8550, m.TrainingSet["n_structures"]!.GetValue<int>());

        // the parity outputs were made from this very file
        var parity = PeerFixtures.Json(name + "_parity_f64.json").GetProperty("model");
        Assert.Equal(parity.GetProperty("mu").GetDouble(), m.Statistics.Mu);
        Assert.Equal(parity.GetProperty("head").GetString(), m.Config.Head.Name);
        Assert.Empty(parity.GetProperty("unused_tensors").EnumerateArray());
    }

    [Fact]
    public void Peer_file_round_trips_through_our_writer_unchanged()
    {
        var file = SafeTensorsFile.Read(PeerFixtures.PathOf("hlgauss_small.safetensors"));
        var m = ModelMetadata.FromSafeTensors(file);
        var copy = new SafeTensorsFile(file.Tensors, m.ToSafeTensorsMetadata());
        var back = SafeTensorsFile.Parse(copy.ToBytes(), "copy");
        foreach (var (name, t) in file.Tensors) Assert.Equal(t.Float32, back.Tensors[name].Float32);
        var m2 = ModelContract.Validate(back);
        Assert.Equal(m.ToJsonObject().ToJsonString(), m2.ToJsonObject().ToJsonString());
        // same tensor order (all F32, by name) as the peer's writer: the data buffers are byte-identical
        byte[] peer = File.ReadAllBytes(PeerFixtures.PathOf("hlgauss_small.safetensors")), ours = copy.ToBytes();
        Assert.True(peer.AsSpan((int)HeaderLength(peer)).SequenceEqual(ours.AsSpan((int)HeaderLength(ours))));
    }

    [Fact]
    public void Parity_fixtures_describe_ten_frames_with_forces()
    {
        foreach (var name in new[] { "hlgauss_small_parity_f32.json", "hlgauss_small_parity_f64.json", "mae_small_parity_f32.json", "mae_small_parity_f64.json" })
        {
            var frames = PeerFixtures.Json(name).GetProperty("frames");
            Assert.Equal(10, frames.GetArrayLength());
            foreach (var f in frames.EnumerateArray())
            {
                int n = f.GetProperty("n_atoms").GetInt32();
                Assert.Equal(n, f.GetProperty("forces").GetArrayLength());
                Assert.Equal(n, f.GetProperty("forces_conservative").GetArrayLength());
                Assert.Equal(JsonValueKind.Number, f.GetProperty("energy").ValueKind);
            }
        }
    }

    [Fact]
    public void Truncated_or_extended_peer_file_is_refused_with_the_byte_counts()
    {
        byte[] b = File.ReadAllBytes(PeerFixtures.PathOf("mae_small.safetensors"));
        var cut = Assert.Throws<ModelFileException>(() => SafeTensorsFile.Parse(b.AsSpan(0, b.Length - 4), "cut.safetensors"));
        Assert.Contains("cut.safetensors", cut.Message, StringComparison.Ordinal);
        Assert.Contains($"it is {b.Length - 4}", cut.Message, StringComparison.Ordinal);
        var longer = Assert.Throws<ModelFileException>(() => SafeTensorsFile.Parse([.. b, 0, 0, 0, 0, 0, 0, 0, 0], "long.safetensors"));
        Assert.Contains($"it is {b.Length + 8}", longer.Message, StringComparison.Ordinal);
    }

    private static long HeaderLength(byte[] b) => 8 + (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b);
}
