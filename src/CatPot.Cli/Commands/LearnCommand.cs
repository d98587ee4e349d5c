using System.CommandLine;
using System.Globalization;
using CatPot.ActiveLearning;
using CatPot.Labelling;
using CatPot.Models;
using CatPot.Simulation;
using CatPot.Training;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot learn</c>: active learning. Trains on an initial set, explores with MD, labels the frames the model is
/// unsure about with GFN2-xTB (or any program), retrains, and repeats; <c>--resume</c> continues a killed run without
/// relabelling anything. See <c>docs/active-learning.md</c>.
/// </summary>
public static class LearnCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Run directory (dataset.extxyz, labels.log, rounds/, learn-report.html)", DefaultValueFactory = _ => "learn-run" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out with its saved settings (other options are ignored, except --lr, which replaces the learning rate of the rounds still to train)" };
        var initial = new Option<string?>("--initial") { Description = "Labelled initial set (extxyz with energy and forces)" };
        var start = new Option<string?>("--start") { Description = "Starting structure(s) of the exploration MD; without --initial, also of an initial MD labelled on the fly" };
        var initialFrames = new Option<int>("--initial-frames") { Description = "Frames of the initial reference MD (without --initial)", DefaultValueFactory = _ => 20 };
        var initialInterval = new Option<int>("--initial-interval") { Description = "Steps between kept frames of the initial reference MD", DefaultValueFactory = _ => 10 };
        var test = new Option<string?>("--test") { Description = "Held-out labelled frames for the learning curves" };
        var budget = new Option<int>("--budget") { Description = "Most labels added (initial set not counted)", DefaultValueFactory = _ => 200 };
        var perRound = new Option<int>("--per-round", "-B") { Description = "Most labels per round", DefaultValueFactory = _ => 20 };
        var until = new Option<string>("--until")
        {
            Description = "converged (stop when every trajectory runs --md-steps unflagged, or the budget is spent) or budget (keep labelling the most uncertain frames until the budget is spent: a comparison with random selection at the same budget)",
            DefaultValueFactory = _ => "converged",
        };
        until.AcceptOnlyFromAmong("converged", "budget");
        var maxRounds = new Option<int>("--max-rounds") { Description = "Most rounds", DefaultValueFactory = _ => 30 };
        var selection = new Option<string>("--selection") { Description = "active (flagged frames, farthest point in feature space) or random (uniform from the MD pool: the baseline)", DefaultValueFactory = _ => "active" };
        selection.AcceptOnlyFromAmong("active", "random");
        var temperatures = new Option<string>("--temperatures") { Description = "Temperature ladder, K, comma-separated", DefaultValueFactory = _ => "300,450,600" };
        var trajectories = new Option<int>("--trajectories") { Description = "Exploration trajectories per round", DefaultValueFactory = _ => 3 };
        var mdSteps = new Option<int>("--md-steps") { Description = "Target length of every trajectory, steps (the stop criterion: all run this long unflagged)", DefaultValueFactory = _ => 2000 };
        var dt = new Option<double>("--dt") { Description = "MD time step, fs", DefaultValueFactory = _ => 0.5 };
        var friction = new Option<double>("--friction") { Description = "Langevin friction, 1/fs", DefaultValueFactory = _ => 0.01 };
        var sampleInterval = new Option<int>("--sample-interval") { Description = "Steps between frames put into the candidate pool", DefaultValueFactory = _ => 20 };
        var maxFlagged = new Option<int>("--max-flagged") { Description = "A trajectory stops after this many flagged frames", DefaultValueFactory = _ => 10 };
        var maxStd = new Option<double?>("--max-std") { Description = "Flag threshold on std_E, eV (default: --threshold-factor × 95th percentile over the labelled frames, per round)" };
        var thresholdFactor = new Option<double>("--threshold-factor") { Description = "Multiplier of the automatic threshold", DefaultValueFactory = _ => 2.0 };
        var minDistance = new Option<double>("--min-distance") { Description = "Near-duplicate radius: RMS difference of inverse distances, 1/Å", DefaultValueFactory = _ => 0.002 };
        var score = new Option<string>("--score")
        {
            Description = "What flags and ranks frames: energy_std (the calibrated uncertainty of the energy, eV) or atom_uncertainty (the frame's largest calibrated per-atom uncertainty: the least known environment)",
            DefaultValueFactory = _ => "energy_std",
        };
        score.AcceptOnlyFromAmong(UncertaintyScores.Names);
        var fill = new Option<int>("--fill") { Description = "Active selection: when fewer than B frames are flagged, fill up from the this-many × B most uncertain unflagged frames (0: flagged only)", DefaultValueFactory = _ => 4 };
        var training = new Option<string>("--training")
        {
            Description = "How each round trains: small-data (the small-data recipe of `catpot train` on a PaiNN backbone: conservative forces, the catres head with a detached histogram, per-atom energy and rms force terms, its learning rate and weight decay, small batches; docs/small-data-recipe.md) or plain (the HL-Gauss head with a direct force head: the default before 2026-12-08)",
            DefaultValueFactory = _ => "small-data",
        };
        training.AcceptOnlyFromAmong("small-data", "plain");
        var forces = new Option<string>("--forces") { Description = "Exploration MD forces: auto (those the model is trained on: conservative with --training small-data, direct with plain), direct (the force head) or conservative (−∂E/∂R)", DefaultValueFactory = _ => "auto" };
        forces.AcceptOnlyFromAmong("auto", "conservative", "direct");
        var labeller = new Option<string>("--labeller") { Description = "xtb (GFN2-xTB) or a shell command with {input} and {output} (extxyz files), e.g. 'python3 dft.py {input} {output}'", DefaultValueFactory = _ => "xtb" };
        var xtb = new Option<string>("--xtb") { Description = "The xtb program (path or name on PATH)", DefaultValueFactory = _ => "xtb" };
        var labelTimeout = new Option<double>("--label-timeout") { Description = "Seconds before a labeller call is killed and the frame skipped", DefaultValueFactory = _ => 300 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs of the first round", DefaultValueFactory = _ => 60 };
        var retrainEpochs = new Option<int>("--retrain-epochs") { Description = "Training epochs of later rounds", DefaultValueFactory = _ => 30 };
        var histogramStd = new Option<bool>("--histogram-std") { Description = "Flag and rank frames by the histogram's own std_E instead of the calibrated energy_std fitted after every round (docs/uncertainty.md)" };
        var cold = new Option<bool>("--cold-start") { Description = "Train every round from fresh seeded weights (default: warm start from the previous round)" };
        var features = new Option<int>("--features") { Description = "PaiNN width F", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "PaiNN layers L", DefaultValueFactory = _ => 3 };
        var cutoff = new Option<double>("--cutoff") { Description = "Cutoff r_c, Å", DefaultValueFactory = _ => 5.0 };
        var bins = new Option<int>("--bins") { Description = "HL-Gauss bins K (--training plain)", DefaultValueFactory = _ => 128 };
        var lr = new Option<double?>("--lr") { Description = $"Peak learning rate (default {SmallDataRecipe.LearningRate} with --training small-data, 8e-4 with plain)" };
        var maxAtoms = new Option<int?>("--max-atoms") { Description = "Atom budget per training batch (default 32 with --training small-data: one small molecule per step, as the recipe batches a few hundred frames; 100 with plain)" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of weights, shuffles, velocities, noise and random selection", DefaultValueFactory = _ => 0UL };
        var threads = new Option<int>("--threads") { Description = "Kernel threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var compare = new Option<string[]>("--compare") { Description = "Other learn run directories drawn in the same learning curves (e.g. the random baseline)", AllowMultipleArgumentsPerToken = true };
        var reportOnly = new Option<bool>("--report-only") { Description = "Only (re)write learn-report.html for --out (and --compare)" };

        var command = new Command("learn", "Active learning: MD flags what the model does not know, the reference method labels it, the model retrains")
        {
            output, resume, initial, start, initialFrames, initialInterval, test, budget, perRound, until, maxRounds, selection, temperatures,
            trajectories, mdSteps, dt, friction, sampleInterval, maxFlagged, maxStd, thresholdFactor, minDistance, score, fill, training, forces, labeller, xtb,
            labelTimeout, epochs, retrainEpochs, cold, histogramStd, features, layers, cutoff, bins, lr, maxAtoms, seed, threads, compare, reportOnly,
        };
        command.SetAction((parse, cancellation) =>
        {
            var context = CommandContext.From(parse);
            string dir = parse.GetValue(output)!;
            if (parse.GetValue(reportOnly))
            {
                WriteReport(dir, parse.GetValue(compare), context);
                return Task.FromResult(ExitCodes.Ok);
            }
            LearnSettings settings;
            string settingsPath = Path.Combine(dir, ActiveLearner.SettingsFileName);
            if (parse.GetValue(resume))
            {
                settings = ActiveLearner.LoadSettings(dir);
                context.Error.WriteLine($"learn: resuming {dir}");
                // The one option a resumed run takes: a round that diverged and saved no model (exit 5) names --lr as the fix.
                if (parse.GetResult(lr) is { Implicit: false })
                {
                    settings = Validated(settings with { Training = settings.Training with { LearningRate = parse.GetValue(lr)!.Value } });
                    ActiveLearner.SaveSettings(dir, settings);
                    context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"learn: learning rate {settings.Training.LearningRate} from here on"));
                }
            }
            else
            {
                if (File.Exists(settingsPath))
                    throw new CommandLineUsageException($"{dir} already holds an active-learning run; continue it with --resume or choose another --out (nothing was overwritten).");
                bool smallData = parse.GetValue(training) == "small-data";
                settings = new LearnSettings
                {
                    InitialPath = Full(parse.GetValue(initial)),
                    StartPath = Full(parse.GetValue(start)),
                    InitialFrames = parse.GetValue(initialFrames),
                    InitialInterval = parse.GetValue(initialInterval),
                    TestPath = Full(parse.GetValue(test)),
                    Budget = parse.GetValue(budget),
                    PerRound = parse.GetValue(perRound),
                    MaxRounds = parse.GetValue(maxRounds),
                    Selection = parse.GetValue(selection)!,
                    Temperatures = ParseTemperatures(parse.GetValue(temperatures)!),
                    Trajectories = parse.GetValue(trajectories),
                    MdSteps = parse.GetValue(mdSteps),
                    TimeStep = parse.GetValue(dt),
                    Friction = parse.GetValue(friction),
                    SampleInterval = parse.GetValue(sampleInterval),
                    MaxFlaggedPerTrajectory = parse.GetValue(maxFlagged),
                    MaxUncertainty = parse.GetValue(maxStd),
                    ThresholdFactor = parse.GetValue(thresholdFactor),
                    MinDistance = parse.GetValue(minDistance),
                    FillCandidates = parse.GetValue(fill),
                    Score = parse.GetValue(score)!,
                    StopWhenConverged = parse.GetValue(until) == "converged",
                    Forces = parse.GetValue(forces) == "auto"
                        ? (smallData ? ForceSource.Conservative : ForceSource.Direct)
                        : SimulationInputs.ParseForces(parse.GetValue(forces)!),
                    Labeller = parse.GetValue(labeller)!,
                    XtbPath = parse.GetValue(xtb)!,
                    LabelTimeoutSeconds = parse.GetValue(labelTimeout),
                    RetrainEpochs = parse.GetValue(retrainEpochs),
                    WarmStart = !parse.GetValue(cold),
                    CalibratedUncertainty = !parse.GetValue(histogramStd),
                    Seed = parse.GetValue(seed),
                    Training = RoundTraining(smallData, new PotentialConfig
                    {
                        Features = parse.GetValue(features),
                        Layers = parse.GetValue(layers),
                        Cutoff = parse.GetValue(cutoff),
                    }, parse.GetValue(bins)) with
                    {
                        Epochs = parse.GetValue(epochs),
                        Seed = parse.GetValue(seed),
                        Threads = parse.GetValue(threads),
                    },
                };
                if (parse.GetValue(lr) is double peak) settings = settings with { Training = settings.Training with { LearningRate = peak } };
                if (parse.GetValue(maxAtoms) is int atoms) settings = settings with { Training = settings.Training with { MaxAtoms = atoms } };
                settings = Validated(settings);
            }

            ILabeller reference;
            try
            {
                reference = CreateLabeller(settings);
            }
            catch (LabellerUnavailableException e)
            {
                context.Error.WriteLine($"catpot: error: {e.Message}");
                return Task.FromResult(ExitCodes.RuntimeFailure);
            }
            if (!parse.GetValue(resume)) ActiveLearner.SaveSettings(dir, settings);
            var learner = new ActiveLearner(dir, settings, reference, progress: context.Error);
            List<RoundRecord> rounds;
            try
            {
                rounds = learner.Run(cancellation);
            }
            catch (LabellingFailedException e)
            {
                context.Error.WriteLine($"catpot: error: {e.Message}");
                return Task.FromResult(ExitCodes.RuntimeFailure);
            }
            WriteReport(dir, parse.GetValue(compare), context);
            var last = rounds[^1];
            context.Out.WriteLine($"learn: {rounds.Count} rounds, {last.Labels} labels added, final model {ActiveLearner.ModelPath(dir, last.Round)}; {last.Stop ?? "not finished"}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>The reference method named in the settings.</summary>
    /// <exception cref="LabellerUnavailableException">xtb is not installed.</exception>
    public static ILabeller CreateLabeller(LearnSettings settings) => settings.Labeller == "xtb"
        ? new XtbLabeller(settings.XtbPath, timeout: TimeSpan.FromSeconds(settings.LabelTimeoutSeconds))
        : new ExternalCommandLabeller(settings.Labeller, TimeSpan.FromSeconds(settings.LabelTimeoutSeconds));

    /// <summary>The settings, or a usage error (exit 2) naming what is wrong with them.</summary>
    private static LearnSettings Validated(LearnSettings settings)
    {
        try
        {
            settings.Validate();
            return settings;
        }
        catch (ArgumentException e)
        {
            throw new CommandLineUsageException(e.Message);
        }
    }

    private static void WriteReport(string dir, string[]? compare, CommandContext context)
    {
        var runs = new List<(string, IReadOnlyList<RoundRecord>)> { (Path.GetFileName(Path.GetFullPath(dir)), ActiveLearner.ReadRounds(dir)) };
        foreach (string other in compare ?? [])
            runs.Add((Path.GetFileName(Path.GetFullPath(other)), ActiveLearner.ReadRounds(other)));
        LearnReport.Write(dir, runs);
        context.Error.WriteLine($"learn: report {Path.Combine(dir, LearnReport.HtmlFileName)}");
    }

    private static string? Full(string? path) => path is null ? null : Path.GetFullPath(path);

    private static double[] ParseTemperatures(string text)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => double.Parse(t, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new CommandLineUsageException($"--temperatures: '{text}' is not a comma-separated list of numbers");
        }
    }

    /// <summary>
    /// The training of every round. <c>small-data</c>: the small-data recipe of <c>catpot train</c> (conservative forces,
    /// the default catres head with the recipe's detached histogram, 8 radial functions, per-atom energy and rms force
    /// terms, its learning rate and weight decay) on a PaiNN backbone without rank-2 features, which would double every
    /// round's time; batches of about one small molecule, as the recipe gives a set of a few hundred frames. The epochs
    /// are the round's (<c>--epochs</c>, <c>--retrain-epochs</c>), not the recipe's atom-epoch budget, which would make each
    /// round as long as a whole training run. <c>plain</c>: the HL-Gauss head with <paramref name="bins"/> and a direct force head.
    /// </summary>
    private static TrainingOptions RoundTraining(bool smallData, PotentialConfig backbone, int bins) => smallData
        ? new TrainingOptions
        {
            Model = backbone with
            {
                RadialBasis = SmallDataRecipe.RadialBasis,
                Head = SmallDataRecipe.Head(new Models.Heads.ResidualCategoricalHeadConfig()),
            },
            LearningRate = SmallDataRecipe.LearningRate,
            WeightDecay = SmallDataRecipe.WeightDecay,
            EnergyWeight = SmallDataRecipe.EnergyWeight,
            ForceWeight = SmallDataRecipe.ForceWeight,
            ForceLoss = SmallDataRecipe.ForceLoss,
            EnergyLossPerAtom = true,
            ConservativeForces = true,
            MaxAtoms = SmallMoleculeBatchAtoms,
        }
        : new TrainingOptions
        {
            Model = backbone with { Head = new Models.Heads.HLGaussHeadConfig { Bins = bins } },
            LearningRate = 8e-4,
            MaxAtoms = 100,
        };

    /// <summary>Atoms per batch of the small-data training: one molecule of up to 32 atoms per optimiser step.</summary>
    private const int SmallMoleculeBatchAtoms = 32;
}
