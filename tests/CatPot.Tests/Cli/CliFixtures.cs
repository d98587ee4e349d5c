namespace CatPot.Tests.Cli;

/// <summary>Paths of the committed fixtures the CLI tests read.</summary>
internal static class CliFixtures
{
    public static string Root { get; } = Find();

    public static string ExtXyz(string name) => Path.Combine(Root, "extxyz", name);

    public static string AseLmdb(string name) => Path.Combine(Root, "aselmdb", name);

    public static string Cli(string name) => Path.Combine(Root, "cli", name);

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "CatPot.Tests", "Fixtures");
            if (Directory.Exists(Path.Combine(candidate, "cli"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/CatPot.Tests/Fixtures/cli not found above " + AppContext.BaseDirectory);
    }
}
