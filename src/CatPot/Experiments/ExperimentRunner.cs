using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CatPot.Evaluation;
using CatPot.Models;
using CatPot.Training;
using CatPot.IO;

namespace CatPot.Experiments;

/// <summary>
/// Runs a grid into one output folder: plans the epochs (after timing one epoch, fitted to a budget when given), trains every
/// (cell, seed) in its own folder <c>runs/CELL/seed-K</c>, chooses the best HL-Gauss cell on validation and runs its
/// temperature sweep, trains the extra MAE ensemble members, and evaluates every run on the test set.
/// A run with an <c>evaluation.json</c> is finished and skipped; one with only a checkpoint is resumed with
/// <see cref="Trainer.Resume"/>; so an interrupted grid continues where it stopped.
/// </summary>
public sealed class ExperimentRunner
{
    /// <summary>Planned time is this fraction of the budget, leaving room for machine-load noise and the report.</summary>
    public const double BudgetSafetyFactor = 0.85;

    private readonly string _outputDirectory;
    private readonly ExperimentData _data;
    private readonly Action<string> _log;
    private int _runsTrained;
    private int _epochsTrained;
    private int _runIndex;

    /// <summary>Creates a runner writing to <paramref name="outputDirectory"/>, logging one line per event to <paramref name="log"/>.</summary>
    public ExperimentRunner(string outputDirectory, ExperimentData data, Action<string>? log = null)
    {
        _outputDirectory = outputDirectory;
        _data = data;
        _log = log ?? (_ => { });
    }

    /// <summary>The folder of one (cell, seed) run.</summary>
    public string RunDirectory(string cell, int seed) => Path.Combine(_outputDirectory, "runs", cell, "seed-" + seed.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// The plan: the saved <c>plan.json</c> when the folder has one (the same grid must be given), otherwise a new plan for
    /// <paramref name="grid"/>; with a budget, one epoch of the most expensive cell is measured first and the epochs of
    /// every run set so the whole grid fits. The new plan is saved before returning.
    /// </summary>
    /// <exception cref="ExperimentGridException">The folder holds a plan for a different grid.</exception>
    public ExperimentPlan Plan(ExperimentGrid grid, CancellationToken cancellation = default)
    {
        string path = Path.Combine(_outputDirectory, ExperimentPlan.FileName);
        if (File.Exists(path))
        {
            var saved = ExperimentPlan.Load(path);
            if (!SameGrid(saved.Grid, grid))
                throw new ExperimentGridException(path, "this folder holds a run of a different grid (data, model, seeds or cells differ). Rerun with the original settings to resume it, or choose another --out.");
            return saved;
        }
        grid.Validate();
        int runs = PlannedRunCount(grid);
        int[] sizes = [_data.Train.Count, _data.Validation.Count, _data.Test.Count, _data.Ood.Count];
        // One timed epoch always comes first, so the command states how long the grid will take before it starts.
        var (epochSeconds, evalSeconds, probeSeconds) = Probe(grid, cancellation);
        int epochs = grid.Epochs;
        if (grid.BudgetMinutes is double budget)
        {
            double available = (budget * 60 * BudgetSafetyFactor) - probeSeconds - (runs * evalSeconds);
            epochs = Math.Max(1, (int)Math.Floor(available / (runs * epochSeconds)));
        }
        double estimate = (probeSeconds + (runs * (evalSeconds + (epochs * epochSeconds)))) / 60;
        if (grid.BudgetMinutes is double b && estimate > b)
            _log(FormattableString.Invariant($"warning: even 1 epoch per run needs about {estimate:F1} min, more than the {b:0.#} min budget; running 1 epoch per run."));
        var plan = new ExperimentPlan
        {
            Grid = grid with { Epochs = epochs },
            PlannedRuns = runs,
            DataSizes = sizes,
            EpochSeconds = epochSeconds,
            EvaluationSeconds = evalSeconds,
            ProbeSeconds = probeSeconds,
            EstimatedMinutes = estimate,
        };
        Directory.CreateDirectory(_outputDirectory);
        AtomicFile.WriteAllText(path, plan.ToJson());
        return plan;
    }

    private static bool SameGrid(ExperimentGrid saved, ExperimentGrid requested)
    {
        // A budget only chose the epochs: with one on either side the epochs are the saved plan's.
        bool epochsGiven = saved.BudgetMinutes is null && requested.BudgetMinutes is null;
        if (epochsGiven && saved.Epochs != requested.Epochs) return false;
        return (saved with { BudgetMinutes = null, Epochs = 0 }).ToJson() == (requested with { BudgetMinutes = null, Epochs = 0 }).ToJson();
    }

    /// <summary>
    /// Trainings a grid needs: cells × seeds, the sweep temperatures that differ from the HL-Gauss cells' own,
    /// times seeds, and the ensemble members beyond the baseline's seeds.
    /// </summary>
    public static int PlannedRunCount(ExperimentGrid grid)
    {
        int runs = grid.Cells.Length * grid.Seeds;
        var hl = grid.Cells.Where(c => c.Temperature is not null).ToList();
        if (hl.Count > 0)
            runs += grid.Temperatures.Distinct().Count(t => !hl.All(c => c.Temperature == t)) * grid.Seeds;
        if (grid.Ensemble > 0) runs += Math.Max(0, grid.Ensemble - grid.Seeds);
        return runs;
    }

    /// <summary>Rows of the energy head's last matrix per atom (the part of the cost that differs between cells).</summary>
    private static long ProbeCost(ExperimentGrid grid, ExperimentCell cell)
    {
        try
        {
            return cell.Head.IsFitted ? cell.Head.Parameters(grid.Features).Sum(p => (long)p.Shape[0]) : grid.Features;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    private (double EpochSeconds, double EvaluationSeconds, double ProbeSeconds) Probe(ExperimentGrid grid, CancellationToken cancellation)
    {
        // The HL-Gauss cell with the most bins is the most expensive; timing it keeps the estimate on the safe side.
        var cell = grid.Cells.OrderByDescending(c => ProbeCost(grid, c)).First();
        string dir = Path.Combine(_outputDirectory, "probe");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        _log($"measuring one epoch of cell {cell.Name} to estimate the time…");
        var clock = Stopwatch.StartNew();
        var trainer = new Trainer(grid.Options(cell, 0) with { Epochs = 1 }, _data.Train, _data.Validation, dir);
        trainer.Run(cancellation: cancellation);
        double wall = clock.Elapsed.TotalSeconds;
        var record = trainer.History[^1];
        double validationSeconds = Math.Max(0, wall - record.TrainSeconds);
        double evalSeconds = validationSeconds * (_data.Test.Count + _data.Ood.Count) / Math.Max(1, _data.Validation.Count);
        Directory.Delete(dir, recursive: true);
        return (wall, evalSeconds, wall);
    }

    /// <summary>Runs (or resumes) every training of the plan and evaluates each finished run.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; every finished epoch is checkpointed and a rerun resumes.</exception>
    public ExperimentResults Run(ExperimentPlan plan, CancellationToken cancellation = default)
    {
        var grid = plan.Grid;
        _runsTrained = 0;
        _epochsTrained = 0;
        _runIndex = 0;
        var cells = new List<CellRuns>();
        foreach (var cell in grid.Cells)
            cells.Add(new CellRuns(cell, CellRole.Main, RunSeeds(plan, cell, grid.Seeds, cancellation)));

        string? best = cells.Where(c => c.Cell.Temperature is not null).OrderBy(c => c.MeanValidationScore).Select(c => c.Cell.Name).FirstOrDefault();
        var sweep = new List<KeyValuePair<double, string>>();
        if (best is not null)
        {
            var bestCell = cells.First(c => c.Cell.Name == best).Cell;
            _log(FormattableString.Invariant($"best distributional cell on validation: {best}"));
            foreach (double t in grid.Temperatures.Distinct().Order())
            {
                if (t == bestCell.Temperature)
                {
                    sweep.Add(new(t, bestCell.Name));
                    continue;
                }
                var swept = bestCell.WithTemperature(FormattableString.Invariant($"{bestCell.Name}-T{t:0.##}"), t);
                cells.Add(new CellRuns(swept, CellRole.TemperatureSweep, RunSeeds(plan, swept, grid.Seeds, cancellation)));
                sweep.Add(new(t, swept.Name));
            }
        }

        var members = new List<RunEvaluation>();
        var baseline = cells.FirstOrDefault(c => c.Cell.IsBaseline && c.Role == CellRole.Main);
        if (grid.Ensemble > 0 && baseline is not null)
        {
            members.AddRange(baseline.Runs.Take(grid.Ensemble));
            for (int seed = baseline.Runs.Count; seed < grid.Ensemble; seed++)
                members.Add(RunOne(plan, baseline.Cell, seed, cancellation));
        }

        double? ensembleForces = members.Count >= 2 ? EnsembleForceMae(baseline!.Cell, members, grid.MaxAtoms) : null;

        return new ExperimentResults
        {
            Plan = plan,
            Cells = cells,
            BestHLGaussCell = best,
            TemperatureSweep = sweep,
            EnsembleMembers = members,
            EnsembleForceMae = ensembleForces,
            RunsTrainedNow = _runsTrained,
            EpochsTrainedNow = _epochsTrained,
        };
    }

    /// <summary>
    /// MAE of the members' mean direct forces over every test force component. Forces are not kept in
    /// <c>evaluation.json</c>, so each member's saved best model predicts the test set again (a few seconds each).
    /// </summary>
    private double? EnsembleForceMae(ExperimentCell cell, List<RunEvaluation> members, int maxAtoms)
    {
        var test = _data.Test;
        if (test.Count == 0 || test.Any(s => s.Forces is null)) return null;
        var sums = test.Select(s => new double[3 * s.AtomCount]).ToArray();
        foreach (var member in members)
        {
            var model = PotentialFile.Load<float>(Path.Combine(RunDirectory(cell.Name, member.Seed), Trainer.ModelFileName));
            var predictions = PotentialPredictor.Predict(model, test, conservativeForces: false, maxAtoms);
            for (int i = 0; i < test.Count; i++)
                for (int k = 0; k < sums[i].Length; k++) sums[i][k] += predictions[i].Forces[k];
        }
        double abs = 0;
        long count = 0;
        for (int i = 0; i < test.Count; i++)
        {
            var truth = test[i].Forces!;
            for (int k = 0; k < sums[i].Length; k++) abs += Math.Abs((sums[i][k] / members.Count) - truth[k]);
            count += sums[i].Length;
        }
        _log(FormattableString.Invariant($"ensemble of {members.Count}: mean direct forces, test F MAE {abs / Math.Max(1, count):F4} eV/Å"));
        return count > 0 ? abs / count : null;
    }

    private List<RunEvaluation> RunSeeds(ExperimentPlan plan, ExperimentCell cell, int seeds, CancellationToken cancellation)
    {
        var list = new List<RunEvaluation>(seeds);
        for (int seed = 0; seed < seeds; seed++) list.Add(RunOne(plan, cell, seed, cancellation));
        return list;
    }

    private RunEvaluation RunOne(ExperimentPlan plan, ExperimentCell cell, int seed, CancellationToken cancellation)
    {
        _runIndex++;
        string dir = RunDirectory(cell.Name, seed);
        string evaluationPath = Path.Combine(dir, RunEvaluation.FileName);
        string tag = FormattableString.Invariant($"[{_runIndex}/{plan.PlannedRuns}] {cell.Name} seed {seed}");
        if (File.Exists(evaluationPath))
        {
            _log($"{tag}: finished earlier, skipped");
            return LoadEvaluation(evaluationPath);
        }
        cancellation.ThrowIfCancellationRequested();
        var options = plan.Grid.Options(cell, seed);
        Trainer trainer;
        if (File.Exists(Path.Combine(dir, Trainer.CheckpointFileName)))
        {
            trainer = Trainer.Resume(dir, _data.Train, _data.Validation);
            if (trainer.Options with { Threads = options.Threads } != options)
                throw new ExperimentGridException(Path.Combine(dir, Trainer.CheckpointFileName), "the checkpoint was trained with other options than this grid's plan; delete the run folder or choose another --out.");
            _log($"{tag}: resuming after epoch {trainer.EpochsDone} of {options.Epochs}");
        }
        else
        {
            _log($"{tag}: training {options.Epochs} epochs");
            trainer = new Trainer(options, _data.Train, _data.Validation, dir);
        }
        if (trainer.EpochsDone < options.Epochs && !trainer.EarlyStopped) _runsTrained++;
        trainer.Run(epochDone: r =>
        {
            _epochsTrained++;
            _log(string.Create(CultureInfo.InvariantCulture,
                $"{tag}: epoch {r.Epoch}/{options.Epochs}  val E {r.ValidationEnergyMae:F4} eV ({r.ValidationEnergyMaePerAtom * 1000:F1} meV/atom)  val F {r.ValidationForceMae:F4} eV/Å  {r.TrainSeconds:F1} s{(r.IsBest ? "  *best" : "")}"));
        }, cancellation: cancellation);
        trainer.EnsureBestModel();
        if (trainer.Divergence is string diverged) _log($"{tag}: {diverged}; the best model so far is used. {trainer.DivergenceFix}");

        var model = PotentialFile.Load<float>(Path.Combine(dir, Trainer.ModelFileName));
        var evaluation = RunEvaluator.Evaluate(cell.Name, seed, model, trainer.History, _data, options.MaxAtoms);
        AtomicFile.WriteAllText(evaluationPath, JsonSerializer.Serialize(evaluation, ExperimentGrid.Json));
        _log(string.Create(CultureInfo.InvariantCulture,
            $"{tag}: test E MAE {evaluation.Test.Overall.EnergyMae:F4} eV, F MAE {evaluation.Test.Overall.ForceMae ?? double.NaN:F4} eV/Å"));
        return evaluation;
    }

    /// <summary>Reads a run's <c>evaluation.json</c>.</summary>
    /// <exception cref="ExperimentGridException">The file is corrupted.</exception>
    public static RunEvaluation LoadEvaluation(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunEvaluation>(File.ReadAllText(path), ExperimentGrid.Json) ?? throw new JsonException("null evaluation");
        }
        catch (JsonException e)
        {
            throw new ExperimentGridException(path, $"the run's evaluation cannot be read ({e.Message}); delete this file and rerun to evaluate the run again.", e);
        }
    }
}
