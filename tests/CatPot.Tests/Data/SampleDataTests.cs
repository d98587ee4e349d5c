using System.IO.Compression;
using CatPot.Data;
using Xunit;

namespace CatPot.Tests.Data;

public class SampleDataTests
{
    /// <summary>Minimal frame walk (count line, comment line, N atom lines); the real parser lives elsewhere.</summary>
    private static (int Frames, HashSet<string> Domains, HashSet<string> Parents) Scan(Stream gz)
    {
        using var reader = new StreamReader(new GZipStream(gz, CompressionMode.Decompress));
        int frames = 0;
        var domains = new HashSet<string>();
        var parents = new HashSet<string>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            int n = int.Parse(line.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            string header = reader.ReadLine() ?? throw new InvalidDataException($"frame {frames}: missing comment line");
            Assert.Contains("Properties=species:S:1:pos:R:3:forces:R:3", header, StringComparison.Ordinal);
            foreach (string token in header.Split(' '))
            {
                if (token.StartsWith("domain=", StringComparison.Ordinal)) domains.Add(token[7..]);
                if (token.StartsWith("parent=", StringComparison.Ordinal)) parents.Add(token[7..]);
            }
            for (int i = 0; i < n; i++)
            {
                string atom = reader.ReadLine() ?? throw new InvalidDataException($"frame {frames}: ended after {i} of {n} atoms");
                Assert.Equal(7, atom.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            }
            frames++;
        }
        return (frames, domains, parents);
    }

    [Fact]
    public void EmbeddedSplits_AreWholeFramesOfAllDomains_WithDisjointParents()
    {
        using var train = SampleData.OpenTrain();
        using var val = SampleData.OpenValidation();
        using var test = SampleData.OpenTest();
        var t = Scan(train);
        var v = Scan(val);
        var s = Scan(test);

        string[] domains = ["biomolecules", "electrolytes", "metal_complexes", "neutral_organics"];
        Assert.Equal(domains, t.Domains.Order());
        Assert.Equal(domains, v.Domains.Order());
        Assert.Equal(domains, s.Domains.Order());
        Assert.InRange(t.Frames, 1_800, 2_200);
        Assert.InRange(v.Frames, 200, 400);
        Assert.InRange(s.Frames, 200, 400);
        Assert.Empty(t.Parents.Intersect(v.Parents));
        Assert.Empty(t.Parents.Intersect(s.Parents));
        Assert.Empty(v.Parents.Intersect(s.Parents));
    }
}
