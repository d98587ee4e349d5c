namespace CatPot.Tests.Data;

/// <summary>Finds <c>tests/CatPot.Tests/Fixtures/Stats</c> by walking up from the test binaries (the csproj does not copy fixtures).</summary>
internal static class StatsFixture
{
    public static string Path(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "tests", "CatPot.Tests", "Fixtures", "Stats", file);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"Fixture {file} not found above {AppContext.BaseDirectory}; run tools/check_stats.py to create it.");
    }
}
