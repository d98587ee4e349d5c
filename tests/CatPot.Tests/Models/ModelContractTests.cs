using CatPot.Models.Heads;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Models;

public class ModelContractTests
{
    private static SafeTensorsFile FileFor(ModelMetadata m, Func<ModelParameterSpec, int[]>? shape = null) =>
        new(ModelContract.ExpectedParameters(m).Select(p =>
            {
                var s = shape?.Invoke(p) ?? p.Shape;
                return KeyValuePair.Create(p.Name, SafeTensorsEntry.FromFloat32(s, new float[SafeTensorsEntry.ElementCountOf(s)]));
            }),
            m.ToSafeTensorsMetadata());

    private static ModelMetadata Meta(string head)
    {
        var refs = new double[119];
        refs[1] = -1;
        return ModelMetadata.Of(
            new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 5, Head = head == "hlgauss" ? new HLGaussHeadConfig { Bins = 12 } : TestHeads.Of(head) },
            new PotentialStatistics { ElementReferences = refs, Mu = 0, Sd = 1, Lo = -1, Hi = 1, ForceRms = 1 });
    }

    [Theory]
    [InlineData("hlgauss")]
    [InlineData("mae")]
    public void Parameter_count_matches_the_contract_formula(string head)
    {
        int f = 16, l = 2, r = 8, k = 16, h = f / 2;
        var p = ModelContract.ExpectedParameters(new PotentialConfig { Features = f, Layers = l, RadialBasis = r, Head = head == "hlgauss" ? new HLGaussHeadConfig { Bins = k } : new MaeHeadConfig() });
        long n = p.Sum(x => SafeTensorsEntry.ElementCountOf(x.Shape));
        long emb = (101 + 21 + 11) * f;
        long layer = (f * f + f) + (3 * f * f + 3 * f) + (3 * f * r + 3 * f) + 2 * f * f + (f * 2 * f + f) + (3 * f * f + 3 * f);
        long energy = head == "hlgauss" ? (f * f + f) + (k * f + k) : (h * f + h) + (h + 1);
        long block1 = 2 * h * f + (h * (f + h) + h) + ((h + h) * h + 2 * h);
        long block2 = 2 * 1 * h + (h * (h + 1) + h) + (2 * h + 2);
        Assert.Equal(emb + l * layer + energy + block1 + block2, n);
        Assert.Equal(p.Count, p.Select(x => x.Name).Distinct().Count());
        Assert.Contains(p, x => x.Name == "layers.1.update.uv.weight" && x.Shape.SequenceEqual(new[] { 2 * f, f }));
        Assert.DoesNotContain(p, x => x.Name == "layers.1.update.uv.bias");
    }

    [Theory]
    [InlineData("hlgauss")]
    [InlineData("mae")]
    public void A_complete_file_validates(string head)
    {
        var m = ModelContract.Validate(FileFor(Meta(head)));
        Assert.Equal(head, m.Config.Head.Name);
    }

    [Fact]
    public void Missing_extra_and_misshaped_tensors_are_all_listed()
    {
        var m = Meta("hlgauss");
        var good = FileFor(m, p => p.Name == "energy.mlp2.weight" ? [11, 8] : p.Shape);
        var tensors = good.Tensors.Where(kv => kv.Key != "layers.1.message.phi1.bias")
            .Append(KeyValuePair.Create("layers.2.message.phi1.bias", SafeTensorsEntry.FromFloat32([8], new float[8])));
        var bad = new SafeTensorsFile(tensors, good.Metadata);
        var e = Assert.Throws<ModelFileException>(() => ModelContract.Validate(bad, m));
        Assert.Contains("missing tensor 'layers.1.message.phi1.bias'", e.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected tensor 'layers.2.message.phi1.bias'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'energy.mlp2.weight' has shape [11, 8]; expected [12, 8]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_weights_are_refused()
    {
        var m = Meta("mae");
        var f = FileFor(m);
        f.Tensors["forces.block2.mlp2.bias"].Float32![1] = float.NaN;
        var e = Assert.Throws<ModelFileException>(() => ModelContract.Validate(f, m));
        Assert.Contains("forces.block2.mlp2.bias", e.Message, StringComparison.Ordinal);
    }
}
