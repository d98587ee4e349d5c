using System.CommandLine;
using CatPot.Chemistry;
using CatPot.IO;
using CatPot.Models;
using CatPot.Simulation;

namespace CatPot.Cli.Commands;

/// <summary>
/// What <c>md</c>, <c>opt</c> and <c>serve</c> share: the model loader hook, the hidden <c>--random-model</c> debug
/// option, the force-source option and reading the starting structure.
/// </summary>
public static class SimulationInputs
{
    /// <summary>Loads a model file (replaceable in tests).</summary>
    public static Func<string, Potential<float>> ModelLoader { get; set; } = PotentialFile.Load<float>;

    /// <summary>The hidden debug option that replaces MODEL with a small seeded random-weight model.</summary>
    public static Option<ulong?> RandomModelOption() => new("--random-model")
    {
        Description = "Debug: ignore MODEL and use a small random-weight HL-Gauss model with this seed.",
        Hidden = true,
    };

    /// <summary>The <c>--forces conservative|direct</c> option.</summary>
    public static Option<string> ForcesOption()
    {
        var option = new Option<string>("--forces")
        {
            Description = "conservative (−∂E/∂R, energy-conserving) or direct (the force head; faster, drifts in NVE)",
            DefaultValueFactory = _ => "conservative",
        };
        option.AcceptOnlyFromAmong("conservative", "direct");
        return option;
    }

    /// <summary>The <c>--frame</c> option: which frame of STRUCTURE to start from.</summary>
    public static Option<int> FrameOption() => new("--frame")
    {
        Description = "Frame of STRUCTURE to use (0-based)",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>The model: the random debug model when a seed is given, else <see cref="ModelLoader"/>(path).</summary>
    public static Potential<float> LoadModel(string path, ulong? randomSeed, TextWriter log)
    {
        if (randomSeed is not { } seed) return ModelLoader(path);
        log.WriteLine($"note: --random-model {seed}: using a random-weight debug model; '{path}' is ignored");
        return RandomModel(seed);
    }

    /// <summary>A small random-weight HL-Gauss model (F = 32, L = 2, cutoff 5 Å, 64 bins) for debugging and end-to-end tests.</summary>
    public static Potential<float> RandomModel(ulong seed)
    {
        var config = new PotentialConfig { Features = 32, Layers = 2, RadialBasis = 16, Cutoff = 5.0, Head = new Models.Heads.HLGaussHeadConfig { Bins = 64 } };
        var stats = new PotentialStatistics { Mu = -0.5, Sd = 0.05, Lo = -4, Hi = 4, ForceRms = 1.0 };
        var model = new Potential<float>(config, stats);
        model.InitializeParameters(seed);
        return model;
    }

    /// <summary>Parses the force source (already validated by the option).</summary>
    public static ForceSource ParseForces(string text) => text == "direct" ? ForceSource.Direct : ForceSource.Conservative;

    /// <summary>Reads frame <paramref name="frame"/> of an extxyz file.</summary>
    /// <exception cref="ArgumentException">The file has fewer frames.</exception>
    public static Structure ReadStructure(string path, int frame)
    {
        if (frame < 0) throw new ArgumentException($"--frame must be ≥ 0, got {frame}.");
        int index = 0;
        foreach (var s in ExtXyzReader.ReadFrames(path))
        {
            if (index++ == frame) return s;
        }
        throw new ArgumentException($"{path}: asked for frame {frame} but the file has {index} frame(s); pass --frame 0 to {Math.Max(index - 1, 0)}.");
    }

    /// <summary>The default output path: STRUCTURE's name without extension plus <paramref name="suffix"/>, beside it.</summary>
    public static string DefaultOutput(string structurePath, string suffix)
    {
        string name = Path.GetFileName(structurePath);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) name = name[..^3];
        return Path.Combine(Path.GetDirectoryName(structurePath) ?? "", Path.GetFileNameWithoutExtension(name) + suffix);
    }

    /// <summary>Runs <paramref name="body"/>, turning the expected input errors into a message on stderr and exit code 1.</summary>
    public static int Guarded(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or NotSupportedException or StructureFormatException or ModelFileException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
