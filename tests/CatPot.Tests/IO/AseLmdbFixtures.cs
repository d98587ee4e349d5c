using System.Text.Json;

namespace CatPot.Tests.IO;

/// <summary>Locates the committed .aselmdb / LMDB fixtures (made by tools/make_aselmdb_fixtures.py) and their expected JSON.</summary>
internal static class AseLmdbFixtures
{
    public static string Directory { get; } = Find();

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static JsonDocument Expected(string name) => JsonDocument.Parse(File.ReadAllBytes(PathOf(name)));

    private static string Find()
    {
        // Walk up from the test binaries to the repository, so the fixtures need no copy-to-output rule.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "CatPot.Tests", "Fixtures", "aselmdb");
            if (System.IO.Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException($"tests/CatPot.Tests/Fixtures/aselmdb not found above {AppContext.BaseDirectory}.");
    }
}
