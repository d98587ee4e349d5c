using System.CommandLine;
using CatPot.Chemistry;
using CatPot.IO;
using CatPot.Models;
using CatPot.Simulation;

namespace CatPot.Cli.Commands;

/// <summary>
/// What <c>md</c>, <c>opt</c> and <c>serve</c> share: the model loader hook, the hidden <c>--random-model</c> debug
/// option, the force-source option, reading the starting structure, and turning option checks into usage errors.
/// Errors are not caught here: they propagate to <see cref="CommandFailure"/>, the one exit-code mapping.
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

    /// <summary>The <c>--flush-interval</c> option: seconds between trajectory flushes.</summary>
    public static Option<double?> FlushIntervalOption() => new("--flush-interval")
    {
        Description = "Seconds between handing trajectory frames to the OS (a killed run keeps every flushed frame). Default: every frame for extxyz, 10 s for .gz",
    };

    /// <summary>The flush interval given, or null for the default.</summary>
    /// <exception cref="CommandLineUsageException">It is negative or not finite.</exception>
    public static TimeSpan? FlushInterval(double? seconds)
    {
        if (seconds is not { } s) return null;
        if (!(s >= 0) || !double.IsFinite(s)) throw new CommandLineUsageException($"--flush-interval must be a number of seconds ≥ 0, got {s}.");
        return TimeSpan.FromSeconds(s);
    }

    /// <summary>Reads frame <paramref name="frame"/> of a structure file (any format <see cref="StructureFiles"/> reads).</summary>
    /// <exception cref="CommandLineUsageException"><paramref name="frame"/> is negative or past the end of the file.</exception>
    public static Structure ReadStructure(string path, int frame)
    {
        if (frame < 0) throw new CommandLineUsageException($"--frame must be ≥ 0, got {frame}.");
        int index = 0;
        foreach (var s in StructureFiles.Read(path, ExtXyzReaderOptions.ForModel))
        {
            if (index++ == frame) return s;
        }
        throw new CommandLineUsageException($"{path}: asked for frame {frame} but the file has {index} frame(s); pass --frame 0 to {Math.Max(index - 1, 0)}.");
    }

    /// <summary>Refuses an output path that is the input file (writing it would destroy the input before it is used).</summary>
    /// <exception cref="CommandLineUsageException">They are the same file.</exception>
    public static void EnsureNotInput(string outputPath, string inputPath, string option)
    {
        if (File.Exists(inputPath) && Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
            throw new CommandLineUsageException($"{option} {outputPath} is the input file; choose another name so the input is not overwritten.");
    }

    /// <summary>
    /// Runs <paramref name="check"/>, which validates options (settings records, the guard, the i-PI address); its
    /// <see cref="ArgumentException"/> or <see cref="FormatException"/> is a usage error (exit 1) naming the option.
    /// </summary>
    public static T Usage<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CommandLineUsageException(e.Message, e);
        }
    }

    /// <summary>
    /// Warns on <paramref name="log"/> (once per element) about elements of <paramref name="structure"/> that the
    /// model has no reference energy for: their energy is extrapolated (the model never saw them in training).
    /// </summary>
    /// <returns>The warnings written.</returns>
    public static IReadOnlyList<string> WarnUnknownElements(Potential<float> model, Structure structure, TextWriter log, ulong? randomSeed = null)
    {
        if (randomSeed is not null) return []; // the debug model has no reference energies at all: nothing to learn from a warning
        var warnings = ElementCoverage.Warnings(model, [structure]);
        foreach (var w in warnings) log.WriteLine($"catpot: warning: {w}");
        return warnings;
    }

    /// <summary>The default output path: STRUCTURE's name without extension plus <paramref name="suffix"/>, beside it.</summary>
    public static string DefaultOutput(string structurePath, string suffix)
    {
        string name = Path.GetFileName(structurePath);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) name = name[..^3];
        return Path.Combine(Path.GetDirectoryName(structurePath) ?? "", Path.GetFileNameWithoutExtension(name) + suffix);
    }

    /// <summary>The calibrated uncertainty stored in the model file (<c>catpot calibrate</c>), or null (none stored, or a random model).</summary>
    public static CatPot.Uncertainty.UncertaintyModel? LoadUncertainty(string modelPath, ulong? randomModel) =>
        randomModel is not null ? null : ModelUncertainty.Load(modelPath);
}
