using System.Text.Json;
using System.Text.Json.Serialization;
using CatPot.Models;
using CatPot.Models.Heads;
using CatPot.Training;

namespace CatPot.Experiments;

/// <summary>
/// The whole study: the data, the settings every cell shares (model size, optimiser, schedule, epochs), the cells,
/// the seeds, the temperature sweep run on the best HL-Gauss cell, and the size of the MAE ensemble used as the
/// uncertainty baseline. Read from a small JSON file (snake_case keys) or built from flags; <see cref="Paper"/> is
/// the paper's grid.
/// </summary>
public sealed record ExperimentGrid
{
    /// <summary>JSON settings of grid and plan files: snake_case keys, unknown keys rejected, indented output.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new EnergyHeadConfigConverter(), CatPot.IO.NonFiniteJson.DoubleConverter, CatPot.IO.NonFiniteJson.SingleConverter }, // ±∞/NaN → null
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Training structures (any path <c>StructureFiles</c> accepts).</summary>
    public string Train { get; init; } = "sample:train";

    /// <summary>Validation structures (model selection; the best HL-Gauss cell is chosen on them).</summary>
    public string Val { get; init; } = "sample:val";

    /// <summary>Test structures: every table and figure is computed on them.</summary>
    public string Test { get; init; } = "sample:test";

    /// <summary>Optional out-of-domain structures (labels not needed): mean entropy in- vs out-of-domain.</summary>
    public string? Ood { get; init; }

    /// <summary>Use at most this many training structures (an evenly spaced subset, in file order); null for all.</summary>
    public int? MaxTrain { get; init; }

    /// <summary>At most this many validation structures; null for all.</summary>
    public int? MaxVal { get; init; }

    /// <summary>At most this many test structures; null for all.</summary>
    public int? MaxTest { get; init; }

    /// <summary>PaiNN width F.</summary>
    public int Features { get; init; } = 128;

    /// <summary>PaiNN layers L.</summary>
    public int Layers { get; init; } = 3;

    /// <summary>Radial basis size.</summary>
    public int Rbf { get; init; } = 20;

    /// <summary>Cutoff (Å).</summary>
    public double Cutoff { get; init; } = 5.0;

    /// <summary>Epochs of every run (replaced by the planned value when a budget is given).</summary>
    public int Epochs { get; init; } = 8;

    /// <summary>Atom budget per batch.</summary>
    public int MaxAtoms { get; init; } = 1000;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 8e-4;

    /// <summary>
    /// Decay of the weights' moving average used for validation, model selection and the saved models. The contract's
    /// 0.999 averages over ~1000 steps; short studies need a faster one (e.g. 0.99), or the EMA stays near the initial weights.
    /// </summary>
    public double EmaDecay { get; init; } = 0.999;

    /// <summary>
    /// Warm-up of the moving average (see <see cref="TrainingOptions.EmaWarmup"/>). On by default, as in <c>catpot train</c>:
    /// with the contract's constant 0.999 decay, the default 8 epochs on xtb4 (~1,460 steps) would leave about 23 % of
    /// the averaged weights at their random initial values in every cell. False gives the contract's constant decay.
    /// </summary>
    public bool EmaWarmup { get; init; } = true;

    /// <summary>Energy loss weight λ_E.</summary>
    public double EnergyWeight { get; init; } = 1.0;

    /// <summary>Force loss weight λ_F.</summary>
    public double ForceWeight { get; init; } = 1.0;

    /// <summary>Seeds per cell (seeds 0 … n−1).</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>Members of the MAE ensemble (seeds 0 … M−1 of the baseline cell, so its seeds are reused); 0 for none.</summary>
    public int Ensemble { get; init; } = 5;

    /// <summary>Temperatures tried on the best HL-Gauss cell after the main cells; empty for no sweep.</summary>
    public double[] Temperatures { get; init; } = [1.0, 2.0];

    /// <summary>Wall-clock budget of the whole grid in minutes: epochs are planned to fit; null to use <see cref="Epochs"/>.</summary>
    public double? BudgetMinutes { get; init; }

    /// <summary>The main cells.</summary>
    public ExperimentCell[] Cells { get; init; } = PaperCells();

    /// <summary>The paper's cells: MAE baseline; HL-Gauss 256 bins σ/w 0.75; 128 bins with σ/w 0.25, 0.75 and 2.0 (all T = 2).</summary>
    public static ExperimentCell[] PaperCells() =>
    [
        new() { Name = "mae", Head = new MaeHeadConfig() },
        new() { Name = "hl256-s0.75", Head = new HLGaussHeadConfig { Bins = 256, SigmaRatio = 0.75 } },
        new() { Name = "hl128-s0.25", Head = new HLGaussHeadConfig { Bins = 128, SigmaRatio = 0.25 } },
        new() { Name = "hl128-s0.75", Head = new HLGaussHeadConfig { Bins = 128, SigmaRatio = 0.75 } },
        new() { Name = "hl128-s2", Head = new HLGaussHeadConfig { Bins = 128, SigmaRatio = 2.0 } },
    ];

    /// <summary>The paper's grid on the built-in sample data with the default model.</summary>
    public static ExperimentGrid Paper() => new();

    /// <summary>
    /// The same grid shrunk so all of it runs in a few minutes on 2 cores: a tiny model (F = 16, L = 1), a few hundred
    /// frames, 2 epochs, 2 seeds and a 3-member ensemble. For checking the pipeline, not for conclusions.
    /// </summary>
    public static ExperimentGrid Quick() => new()
    {
        MaxTrain = 240,
        MaxVal = 60,
        MaxTest = 80,
        Features = 16,
        Layers = 1,
        Rbf = 8,
        Epochs = 2,
        MaxAtoms = 400,
        LearningRate = 3e-3,
        EmaDecay = 0.9,
        Seeds = 2,
        Ensemble = 3,
    };

    /// <summary>Reads a grid file; keys left out keep the defaults of <see cref="Paper"/>.</summary>
    /// <exception cref="ExperimentGridException">The file is missing, not JSON, has an unknown key or an out-of-range value.</exception>
    public static ExperimentGrid Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExperimentGridException(path, $"the grid file cannot be read ({e.Message}). Give an existing JSON file to --grid.", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses grid JSON (see <see cref="Load"/>); <paramref name="sourceName"/> is named in errors.</summary>
    /// <exception cref="ExperimentGridException">Not JSON, an unknown key, or an out-of-range value.</exception>
    public static ExperimentGrid Parse(string json, string sourceName = "grid")
    {
        ExperimentGrid grid;
        try
        {
            grid = JsonSerializer.Deserialize<ExperimentGrid>(json, Json) ?? throw new JsonException("the file holds null, expected an object");
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } line ? $" at line {line + 1}" : "";
            throw new ExperimentGridException(sourceName, $"not a valid grid{where}: {e.Message}. Expected an object with keys such as \"seeds\", \"epochs\", \"cells\": [{{\"name\": \"mae\", \"head\": \"mae\"}}, …] (see docs/experiment.md).", e);
        }
        try
        {
            grid.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ExperimentGridException(sourceName, e.Message + " Fix the value in the grid file.", e);
        }
        return grid;
    }

    /// <summary>The grid as JSON (the format <see cref="Parse"/> reads).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Throws <see cref="ArgumentException"/> for an impossible grid.</summary>
    public void Validate()
    {
        if (Cells.Length == 0) throw new ArgumentException("The grid has no cells.");
        foreach (var cell in Cells) cell.Validate();
        var duplicate = Cells.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two cells are named '{duplicate.Key}'; cell names must be unique.");
        if (Seeds < 1) throw new ArgumentException($"seeds must be ≥ 1, got {Seeds}.");
        if (Ensemble is < 0 or 1) throw new ArgumentException($"ensemble must be 0 (none) or ≥ 2 members, got {Ensemble}.");
        if (Ensemble > 0 && !Cells.Any(c => c.IsBaseline)) throw new ArgumentException("An ensemble needs the MAE baseline cell (head \"mae\").");
        foreach (double t in Temperatures)
            if (!(t > 0) || !double.IsFinite(t)) throw new ArgumentException($"Every temperature must be > 0, got {t}.");
        if (BudgetMinutes is { } b && !(b > 0)) throw new ArgumentException($"budget_minutes must be > 0, got {b}.");
        if (MaxTrain is < 1 || MaxVal is < 1 || MaxTest is < 1) throw new ArgumentException("max_train, max_val and max_test must be ≥ 1 when given.");
        Options(Cells[0], 0).Validate();
    }

    /// <summary>The shared model settings.</summary>
    public PotentialConfig SharedModel => new() { Features = Features, Layers = Layers, RadialBasis = Rbf, Cutoff = Cutoff };

    /// <summary>The training options of one (cell, seed) run with this grid's shared settings and <see cref="Epochs"/>.</summary>
    public TrainingOptions Options(ExperimentCell cell, int seed) => new()
    {
        Model = cell.Apply(SharedModel),
        Epochs = Epochs,
        MaxAtoms = MaxAtoms,
        Seed = (ulong)seed,
        LearningRate = LearningRate,
        EnergyWeight = EnergyWeight,
        ForceWeight = ForceWeight,
        EmaDecay = EmaDecay,
        EmaWarmup = EmaWarmup,
    };
}
