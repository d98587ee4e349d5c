using System.Text.Json;

namespace CatPot.Tests.Models;

/// <summary>Locates tests/CatPot.Tests/Fixtures/peer by walking up from the test binaries (no copy step needed).</summary>
internal static class PeerFixtures
{
    private static readonly Lazy<string> Dir = new(Find);

    public static string PathOf(string name) => System.IO.Path.Combine(Dir.Value, name);

    public static JsonElement Json(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(PathOf(name)));
        return doc.RootElement.Clone();
    }

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            foreach (var rel in new[] { System.IO.Path.Combine("Fixtures", "peer"), System.IO.Path.Combine("tests", "CatPot.Tests", "Fixtures", "peer") })
            {
                string c = System.IO.Path.Combine(d.FullName, rel);
                if (File.Exists(System.IO.Path.Combine(c, "hlgauss_small.safetensors"))) return c;
            }
        }
        throw new DirectoryNotFoundException($"Fixtures/peer not found above {AppContext.BaseDirectory}.");
    }
}
