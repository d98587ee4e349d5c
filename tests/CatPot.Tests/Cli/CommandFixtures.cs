using CatPot.Cli.Commands;
using CatPot.Models;

namespace CatPot.Tests.Cli;

/// <summary>Small model and structure files, made in a temporary folder, for end-to-end command tests.</summary>
internal static class CommandFixtures
{
    /// <summary>Water, three atoms, no labels.</summary>
    public const string Water = """
        3
        Properties=species:S:1:pos:R:3 energy=-10.5
        O 0.0 0.0 0.1173
        H 0.0 0.7572 -0.4692
        H 0.0 -0.7572 -0.4692

        """;

    /// <summary>Water with energy and forces (made-up labels: enough for a training step).</summary>
    public const string WaterWithForces = """
        3
        Properties=species:S:1:pos:R:3:forces:R:3 energy=-10.5
        O 0.0 0.0 0.1173 0.0 0.0 0.1
        H 0.0 0.7572 -0.4692 0.0 0.2 -0.05
        H 0.0 -0.7572 -0.4692 0.0 -0.2 -0.05

        """;

    /// <summary>A gold–hydrogen pair: an element (Au) the fixture model has no reference energy for.</summary>
    public const string GoldHydride = """
        2
        Properties=species:S:1:pos:R:3 energy=-3.0
        Au 0.0 0.0 0.0
        H 0.0 0.0 1.52

        """;

    /// <summary>Writes <paramref name="text"/> (trimmed of the raw-string indentation) to <paramref name="path"/>.</summary>
    public static string WriteText(string path, string text)
    {
        File.WriteAllText(path, text.Replace("\r\n", "\n"));
        return path;
    }

    /// <summary>
    /// A small random-weight HL-Gauss model (the <c>--random-model</c> one) saved to <paramref name="path"/>, with
    /// reference energies for H, C, N and O only.
    /// </summary>
    public static string SaveModel(string path, ulong seed = 3)
    {
        var random = SimulationInputs.RandomModel(seed);
        var refs = new double[119];
        refs[1] = -13.6; refs[6] = -1029.0; refs[7] = -1485.0; refs[8] = -2042.0;
        var stats = random.Statistics;
        var withRefs = new PotentialStatistics { Mu = stats.Mu, Sd = stats.Sd, Lo = stats.Lo, Hi = stats.Hi, ForceRms = stats.ForceRms, ElementReferences = refs };
        var model = new Potential<float>(random.Config, withRefs);
        model.InitializeParameters(seed);
        PotentialFile.Save(model, path);
        return path;
    }
}
