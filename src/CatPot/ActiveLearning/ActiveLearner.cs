using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.Evaluation;
using CatPot.IO;
using CatPot.Labelling;
using CatPot.Models;
using CatPot.Simulation;
using CatPot.Training;
using CatPot.Uncertainty;

namespace CatPot.ActiveLearning;

/// <summary>
/// The active-learning loop: train → explore with MD (a temperature ladder of Langevin trajectories that flag frames
/// whose uncertainty exceeds a threshold) → select up to B frames (uncertain and diverse) → label them with the
/// reference method → append them to the dataset → retrain, until every trajectory runs its full length unflagged or
/// the label budget is spent.
/// </summary>
/// <remarks>
/// <para>Everything lives in one run directory and every phase leaves a file that marks it done, written atomically:
/// <c>learn.json</c> (settings), <c>dataset.extxyz</c> (all labels with provenance, see <see cref="LearnDataset"/>),
/// <c>labels.log</c> (<see cref="LabelLog"/>), and per round <c>rounds/rNNN/</c> with <c>train/</c> (the trainer's
/// models and checkpoint), <c>trained.json</c>, <c>pool.extxyz</c> + <c>md.json</c>, <c>selected.extxyz</c> and
/// <c>round.json</c>. A run killed at any moment continues from these files with <see cref="Run"/>: training resumes
/// from its checkpoint, MD and selection are redone only when their file is missing (they are seeded, so the redo gives
/// the same frames), and labelling skips every frame already in the dataset or logged as failed.</para>
/// <para>The loop depends on the model's uncertainty only through <see cref="IUncertaintyScore"/>, so a calibrated
/// score replaces the default HL-Gauss std_E without other changes.</para>
/// </remarks>
public sealed class ActiveLearner
{
    /// <summary>Settings file inside the run directory.</summary>
    public const string SettingsFileName = "learn.json";

    private static readonly JsonSerializerOptions Json = new(Trainer.Json) { WriteIndented = true };

    private readonly string _directory;
    private readonly LearnSettings _settings;
    private readonly ILabeller _labeller;
    private readonly IUncertaintyScore _score;
    private readonly TextWriter _progress;

    /// <summary>Prepares a run in <paramref name="directory"/> (new or to be resumed).</summary>
    public ActiveLearner(string directory, LearnSettings settings, ILabeller labeller, IUncertaintyScore? score = null, TextWriter? progress = null)
    {
        settings.Validate();
        _directory = directory;
        _settings = settings;
        _labeller = labeller;
        _score = score ?? UncertaintyScores.Create(settings.Score);
        _progress = progress ?? TextWriter.Null;
    }

    /// <summary>Called at every resumable point (<c>train r</c>, <c>md r t</c>, <c>label id</c>, …): a test hook for crashing the run there.</summary>
    public Action<string>? Checkpoint { get; set; }

    /// <summary>Reads the settings of an existing run.</summary>
    /// <exception cref="FileNotFoundException">No run in the directory.</exception>
    public static LearnSettings LoadSettings(string directory)
    {
        string path = Path.Combine(directory, SettingsFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{directory} holds no active-learning run ({SettingsFileName} is missing)", path);
        return JsonSerializer.Deserialize<LearnSettings>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty settings");
    }

    /// <summary>Writes the settings of a new run.</summary>
    public static void SaveSettings(string directory, LearnSettings settings)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, SettingsFileName), JsonSerializer.Serialize(settings, Json));
    }

    /// <summary>The rounds completed so far, in order.</summary>
    public static List<RoundRecord> ReadRounds(string directory)
    {
        var records = new List<RoundRecord>();
        for (int r = 0; ; r++)
        {
            string path = Path.Combine(RoundDirectory(directory, r), "round.json");
            if (!File.Exists(path)) return records;
            records.Add(JsonSerializer.Deserialize<RoundRecord>(File.ReadAllText(path), Json)!);
        }
    }

    /// <summary>Folder of round <paramref name="round"/>.</summary>
    public static string RoundDirectory(string directory, int round) => Path.Combine(directory, "rounds", $"r{round:000}");

    /// <summary>The best model of round <paramref name="round"/>.</summary>
    public static string ModelPath(string directory, int round) => Path.Combine(RoundDirectory(directory, round), "train", Trainer.ModelFileName);

    /// <summary>Runs (or continues) the loop until it stops; returns every round's record.</summary>
    public List<RoundRecord> Run(CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(_directory);
        var dataset = new LearnDataset(_directory);
        var log = new LabelLog(_directory);
        if (!dataset.Exists) CreateInitialSet(dataset, log, cancellation);
        var test = _settings.TestPath is null ? null : StructureFiles.ReadAll(_settings.TestPath, ExtXyzReaderOptions.ForModel);
        var starts = _settings.StartPath is null ? [dataset.Frames[0]] : StructureFiles.ReadAll(_settings.StartPath, ExtXyzReaderOptions.ForModel);
        if (starts.Count == 0) throw new InvalidDataException($"{_settings.StartPath}: no structures");

        var records = ReadRounds(_directory);
        if (records.Count > 0 && records[^1].Stop is not null) return records;
        for (int r = records.Count; r < _settings.MaxRounds; r++)
        {
            var record = RunRound(r, dataset, log, test, starts, cancellation);
            AtomicFile.WriteAllText(Path.Combine(RoundDirectory(_directory, r), "round.json"), JsonSerializer.Serialize(record, Json));
            records.Add(record);
            _progress.WriteLine(Describe(record));
            if (record.Stop is not null)
            {
                _progress.WriteLine($"learn: stopped after round {r}: {record.Stop}");
                break;
            }
        }
        return records;
    }

    /// <summary>One line per round for the progress display.</summary>
    public static string Describe(RoundRecord r)
    {
        string test = r.TestForceMae is double f
            ? string.Create(CultureInfo.InvariantCulture, $"test F MAE {f:F4} eV/Å, E MAE {r.TestEnergyMae:F4} eV | ")
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"round {r.Round,2} | labels {r.Labels,4} (+{r.NewLabels}{(r.LabelFailures > 0 ? $", {r.LabelFailures} failed" : "")}) | {test}" +
            $"flagged {100 * r.FlaggedFraction:F0}% ({r.FlaggedFrames}/{r.PoolFrames}) | clean {r.CleanTrajectories}/{r.Trajectories}" +
            $"{(r.BrokenTrajectories > 0 ? $", broken {r.BrokenTrajectories}" : "")} | train {r.TrainSeconds:F0} s, md {r.MdSeconds:F0} s, label {r.LabelSeconds:F0} s");
    }

    private void CreateInitialSet(LearnDataset dataset, LabelLog log, CancellationToken cancellation)
    {
        var frames = new List<Structure>();
        if (_settings.InitialPath is { } path)
        {
            var source = StructureFiles.ReadAll(path, ExtXyzReaderOptions.ForModel);
            for (int k = 0; k < source.Count; k++)
            {
                if (source[k].Energy is null || source[k].Forces is null)
                    throw new InvalidDataException($"{path}: frame {k} has no energy or forces; the initial set must be labelled (or use --start for an initial MD labelled on the fly)");
                var frame = source[k].Clone();
                frame.Info["al_id"] = $"init-{k}";
                frames.Add(frame);
            }
            if (frames.Count < 5) throw new InvalidDataException($"{path}: {frames.Count} frames; the initial set needs at least 5 (one in ten, at least one, is kept for validation)");
            _progress.WriteLine($"learn: initial set: {frames.Count} labelled frames from {path}");
        }
        else
        {
            frames = InitialMolecularDynamics(log, cancellation);
        }
        for (int k = 0; k < frames.Count; k++)
        {
            frames[k].Info["al_round"] = -1L;
            frames[k].Info["al_split"] = dataset.NextSplit(k);
        }
        dataset.Append([.. frames]);
    }

    /// <summary>A short Langevin MD driven by the reference method itself; every <see cref="LearnSettings.InitialInterval"/>-th frame is kept.</summary>
    private List<Structure> InitialMolecularDynamics(LabelLog log, CancellationToken cancellation)
    {
        var start = StructureFiles.ReadAll(_settings.StartPath!, ExtXyzReaderOptions.ForModel);
        if (start.Count == 0) throw new InvalidDataException($"{_settings.StartPath}: no structures");
        var system = SimulationFrame.Create(start[0]);
        double temperature = _settings.Temperatures.Min();
        _progress.WriteLine($"learn: initial set: {_settings.InitialFrames} frames of a {temperature:G} K Langevin MD on {_labeller.Method} (one call per step, every {_settings.InitialInterval}th kept)");
        var calculator = new LabellerCalculator(_labeller, log, cancellation);
        var velocities = new double[3 * system.AtomCount];
        MaxwellBoltzmann.Sample(Kinetics.Masses(system.Numbers), temperature, _settings.Seed, velocities);
        var md = new MolecularDynamics(calculator, system, velocities, new MolecularDynamicsSettings
        {
            TimeStep = _settings.TimeStep, Thermostat = Thermostat.Langevin, Temperature = temperature, Friction = _settings.Friction, Seed = _settings.Seed + 1,
        });
        var frames = new List<Structure>();
        while (true)
        {
            if (md.StepCount % _settings.InitialInterval == 0)
            {
                var frame = SimulationFrame.Create(md.Structure);
                frame.Energy = md.Result.Energy;
                frame.Forces = (double[])md.Result.Forces.Clone();
                frame.Info["al_id"] = $"init-s{md.StepCount}";
                frame.Info["al_step"] = md.StepCount;
                frame.Info["al_temperature"] = temperature;
                frame.Info["method"] = _labeller.Method;
                frames.Add(frame);
                if (frames.Count == _settings.InitialFrames) return frames;
            }
            try
            {
                md.Step();
            }
            catch (SimulationDivergedException e)
            {
                throw new InvalidDataException($"The initial reference MD on {_labeller.Method} from {_settings.StartPath}: {e.Message}", e);
            }
        }
    }

    private RoundRecord RunRound(int r, LearnDataset dataset, LabelLog log, List<Structure>? test, List<Structure> starts, CancellationToken cancellation)
    {
        string rdir = RoundDirectory(_directory, r);
        Directory.CreateDirectory(rdir);
        int labelsBefore = dataset.Frames.Count(f => LearnDataset.Round(f) is >= 0 and var x && x < r);
        var train = dataset.Split("train", r);
        var val = dataset.Split("val", r);

        // 1. Train (resumes from the trainer's checkpoint after a crash).
        double trainSeconds = TrainRound(r, rdir, train, val, cancellation);
        var model = PotentialFile.Load<float>(ModelPath(_directory, r));
        double? eMae = null, eMaeAtom = null, fMae = null;
        if (test is not null && test.Count > 0)
        {
            var predictions = PotentialPredictor.Predict(model, test, _settings.Training.ConservativeForces, _settings.Training.MaxAtoms);
            var report = EvaluationReport.Compute(PotentialPredictor.Compare(model, test, predictions));
            (eMae, eMaeAtom, fMae) = (report.Overall.EnergyMae, report.Overall.EnergyMaePerAtom, report.Overall.ForceMae);
        }

        // 2. Explore.
        var (pool, trajectories, threshold, mdSeconds) = Explore(r, rdir, model, train, val, starts, cancellation);
        var record = new RoundRecord
        {
            Round = r,
            TrainingFrames = train.Count + val.Count,
            Labels = labelsBefore,
            TestEnergyMae = eMae,
            TestEnergyMaePerAtom = eMaeAtom,
            TestForceMae = fMae,
            Threshold = threshold,
            PoolFrames = pool.Count,
            FlaggedFrames = pool.Count(f => f.Flagged),
            CleanTrajectories = trajectories.Count(t => t.Clean),
            BrokenTrajectories = trajectories.Count(t => t.Breakdown is not null),
            Trajectories = trajectories.Count,
            SimulatedPicoseconds = trajectories.Sum(t => t.Steps) * _settings.TimeStep / 1000,
            TrainSeconds = trainSeconds,
            MdSeconds = mdSeconds,
        };
        if (trajectories.All(t => t.Clean) && _settings.StopWhenConverged)
            return record with { Stop = $"converged: all {trajectories.Count} trajectories ran {_settings.MdSteps * _settings.TimeStep / 1000:G} ps unflagged" };
        int left = _settings.Budget - labelsBefore;
        if (left <= 0) return record with { Stop = $"label budget spent ({_settings.Budget})" };
        if (r == _settings.MaxRounds - 1) return record with { Stop = $"reached --max-rounds {_settings.MaxRounds}" };

        // 3. Select.
        string selectedPath = Path.Combine(rdir, "selected.extxyz");
        List<Structure> selected;
        if (File.Exists(selectedPath)) selected = ExtXyzReader.ReadAll(selectedPath);
        else
        {
            int budget = Math.Min(_settings.PerRound, left);
            var picked = _settings.Selection == "random"
                ? FrameSelector.SelectRandom(pool, budget, (_settings.Seed * 1_000_003UL) + (ulong)r)
                : FrameSelector.SelectActive(pool, [.. dataset.Frames.Select(FrameFeatures.Of)], budget, _settings.MinDistance, _settings.FillCandidates);
            selected = [.. picked.Select(p => p.Structure)];
            ExtXyzWriter.WriteFile(selectedPath, selected);
        }
        Checkpoint?.Invoke($"selected {r}");

        // 4. Label, one frame at a time, each appended to the dataset before the next call.
        var failed = log.FailedIds();
        var clock = Stopwatch.StartNew();
        foreach (var candidate in selected)
        {
            string id = LearnDataset.Id(candidate);
            if (dataset.Contains(id) || failed.Contains(id)) continue;
            cancellation.ThrowIfCancellationRequested();
            Checkpoint?.Invoke($"label {id}");
            log.Write("call", id);
            var outcome = _labeller.Label(candidate, cancellation);
            if (!outcome.Succeeded)
            {
                log.Write("fail", id, outcome.Failure!);
                failed.Add(id);
                _progress.WriteLine($"learn: labelling {id} failed, frame skipped: {outcome.Failure}");
                continue;
            }
            var frame = candidate.Clone();
            frame.Energy = outcome.Energy;
            frame.Forces = outcome.Forces;
            frame.Info.Remove("al_flagged");
            frame.Info["al_split"] = dataset.NextSplit();
            frame.Info["method"] = _labeller.Method;
            Checkpoint?.Invoke($"append {id}");
            dataset.Append(frame);
            log.Write("ok", id, outcome.Seconds.ToString("F3", CultureInfo.InvariantCulture));
        }
        int added = dataset.Frames.Count(f => LearnDataset.Round(f) == r);
        int failures = selected.Count(s => failed.Contains(LearnDataset.Id(s)));
        record = record with { NewLabels = added, LabelFailures = failures, LabelSeconds = clock.Elapsed.TotalSeconds };
        if (added == 0) return record with { Stop = "nothing new to label (no flagged frame that is not a near-duplicate of a labelled one)" };
        return record;
    }

    private double TrainRound(int r, string rdir, List<Structure> train, List<Structure> val, CancellationToken cancellation)
    {
        string marker = Path.Combine(rdir, "trained.json");
        if (File.Exists(marker)) return JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(marker)).GetProperty("seconds").GetDouble();
        Checkpoint?.Invoke($"train {r}");
        string trainDir = Path.Combine(rdir, "train");
        var clock = Stopwatch.StartNew();
        Trainer? trainer = null;
        if (File.Exists(Path.Combine(trainDir, Trainer.CheckpointFileName)))
        {
            trainer = Trainer.Resume(trainDir, train, val);
            // A resume with a new --lr (the fix a diverged round names) trains the round afresh: its checkpoint holds the old rate's weights.
            if (trainer.Options.LearningRate != _settings.Training.LearningRate)
            {
                _progress.WriteLine($"learn: round {r}: the learning rate changed, so the round trains afresh");
                trainer = null;
            }
            else _progress.WriteLine($"learn: round {r}: resuming training after epoch {trainer.EpochsDone} of {trainer.Options.Epochs}");
        }
        if (trainer is null)
        {
            var options = _settings.Training with
            {
                Epochs = r == 0 ? _settings.Training.Epochs : _settings.RetrainEpochs,
                Seed = _settings.Training.Seed + (ulong)r,
            };
            trainer = new Trainer(options, train, val, trainDir);
            bool warm = _settings.WarmStart && r > 0;
            var fresh = warm ? CopyWeights(PotentialFile.Load<float>(ModelPath(_directory, r - 1)), trainer.Model) : [];
            _progress.WriteLine($"learn: round {r}: training on {train.Count} + {val.Count} validation frames, {options.Epochs} epochs{(warm ? ", warm start" : "")}"
                + (fresh.Count > 0 ? $" (freshly initialised, as their shape changed with the data: {string.Join(", ", fresh)})" : ""));
        }
        trainer.Run(epochDone: _ => Checkpoint?.Invoke($"epoch {r}"), cancellation: cancellation);
        trainer.EnsureBestModel();
        if (trainer.Divergence is string diverged) _progress.WriteLine($"learn: round {r}: {diverged}; the round keeps its best model. {trainer.DivergenceFix}");
        double seconds = clock.Elapsed.TotalSeconds;
        AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(new { seconds, epochs = trainer.EpochsDone, best_validation_force_mae = trainer.History.Where(h => h.IsBest).Select(h => h.ValidationForceMae).LastOrDefault() }, Json));
        return seconds;
    }

    /// <summary>
    /// Copies every parameter of <paramref name="from"/> into <paramref name="to"/> that has the same shape, and returns
    /// the names of those left as initialised. Only an energy head's output layer can differ: heads that derive their
    /// bin count from the data (<c>cat</c>, <c>catres</c>) get more or fewer bins as the dataset grows.
    /// </summary>
    private static List<string> CopyWeights(Potential<float> from, Potential<float> to)
    {
        var fresh = new List<string>();
        foreach (var (name, tensor, _) in to.Parameters.Items)
        {
            if (from.Parameters.Find(name) is not { } source || !source.Shape.SequenceEqual(tensor.Shape))
            {
                fresh.Add(name);
                continue;
            }
            source.Span.CopyTo(tensor.Span);
        }
        return fresh;
    }

    private (List<PoolFrame> Pool, List<TrajectoryRecord> Trajectories, double Threshold, double Seconds) Explore(
        int r, string rdir, Potential<float> model, List<Structure> train, List<Structure> val, List<Structure> starts, CancellationToken cancellation)
    {
        string poolPath = Path.Combine(rdir, "pool.extxyz");
        string mdPath = Path.Combine(rdir, "md.json");
        if (File.Exists(mdPath) && File.Exists(poolPath))
        {
            var saved = JsonSerializer.Deserialize<ExplorationFile>(File.ReadAllText(mdPath), Json)!;
            var pool = ExtXyzReader.ReadAll(poolPath).Select(ToPoolFrame).ToList();
            return (pool, saved.Trajectories, saved.Threshold, saved.Seconds);
        }
        Checkpoint?.Invoke($"md {r}");
        var clock = Stopwatch.StartNew();
        List<Structure> labelled = [.. train, .. val];
        var uncertainty = _settings.CalibratedUncertainty ? FitUncertainty(r, model, train, val) : null;
        // The round's model file carries the uncertainty it explored with, so `catpot md --max-std` and `predict` on it
        // give the same energy_std as the loop saw (written atomically; refitted identically on a resume).
        if (uncertainty is not null)
        {
            string modelPath = ModelPath(_directory, r);
            uncertainty.AddTo(SafeTensorsFile.Read(modelPath)).Write(modelPath);
        }
        var calculator = new PotentialCalculator<float>(model, _settings.Forces) { Uncertainty = uncertainty };
        double threshold = _settings.MaxUncertainty ?? AutomaticThreshold(calculator, labelled);
        var frames = new List<PoolFrame>();
        var trajectories = new List<TrajectoryRecord>();
        for (int t = 0; t < _settings.Trajectories; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (tFrames, record) = RunTrajectory(r, t, calculator, threshold, starts[t % starts.Count], cancellation);
            frames.AddRange(tFrames);
            trajectories.Add(record);
            Checkpoint?.Invoke($"md {r} {t}");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        ExtXyzWriter.WriteFile(poolPath, frames.Select(f => f.Structure));
        AtomicFile.WriteAllText(mdPath, JsonSerializer.Serialize(new ExplorationFile(threshold, seconds, trajectories), Json));
        return (frames, trajectories, threshold, seconds);
    }

    /// <summary>
    /// The round's calibrated uncertainty: density and bond ranges on the training frames, calibration on the held-out
    /// frames when there are at least ten, otherwise on every labelled frame (in-sample, so too small in eV; the
    /// automatic threshold is relative to the same frames, so only the ranking matters there). Null, with a note, when
    /// the fit is impossible (the exploration then uses the histogram's std_E).
    /// </summary>
    private UncertaintyModel? FitUncertainty(int r, Potential<float> model, List<Structure> train, List<Structure> val)
    {
        List<Structure> calibration = val.Count(s => s.Energy is not null) >= UncertaintyCalibrator.MinCalibrationStructures ? val : [.. train, .. val];
        try
        {
            return UncertaintyCalibrator.Fit(model, train, calibration, new CalibrationOptions { MaxAtoms = _settings.Training.MaxAtoms });
        }
        catch (ArgumentException e)
        {
            _progress.WriteLine($"learn: round {r}: the calibrated uncertainty could not be fitted ({e.Message}); exploring with the histogram's std_E");
            return null;
        }
    }

    private sealed record ExplorationFile(double Threshold, double Seconds, List<TrajectoryRecord> Trajectories);

    /// <summary><see cref="LearnSettings.ThresholdFactor"/> × the 95th percentile of the score over the frames the model was trained on.</summary>
    private double AutomaticThreshold(PotentialCalculator<float> calculator, List<Structure> labelled)
    {
        var scores = new List<double>();
        foreach (var s in labelled)
        {
            var result = new CalculationResult(s.AtomCount);
            calculator.Calculate(s, result);
            double score = _score.Score(s, result);
            if (double.IsFinite(score)) scores.Add(score);
        }
        if (scores.Count == 0)
            throw new InvalidOperationException($"the model gives no {_score.Name} (an MAE head has no histogram): pass a threshold with --max-std or train an hlgauss model");
        return _settings.ThresholdFactor * CatPot.Performance.TimingStatistics.Percentile(scores, 95);
    }

    private (List<PoolFrame> Frames, TrajectoryRecord Record) RunTrajectory(int r, int t, PotentialCalculator<float> calculator, double threshold, Structure start, CancellationToken cancellation)
    {
        double temperature = _settings.Temperatures[t % _settings.Temperatures.Length];
        ulong seed = (_settings.Seed * 1_000_003UL) + ((ulong)r * 1000UL) + (ulong)t;
        var system = SimulationFrame.Create(start);
        _startFragments = Fragments(system);
        var velocities = new double[3 * system.AtomCount];
        MaxwellBoltzmann.Sample(Kinetics.Masses(system.Numbers), temperature, seed, velocities);
        var md = new MolecularDynamics(calculator, system, velocities, new MolecularDynamicsSettings
        {
            TimeStep = _settings.TimeStep, Thermostat = Thermostat.Langevin, Temperature = temperature, Friction = _settings.Friction, Seed = seed + 1,
        });
        var frames = new List<PoolFrame>();
        int flagged = 0;
        string? breakdown = null;
        while (md.StepCount < _settings.MdSteps)
        {
            if ((md.StepCount & 63) == 0) cancellation.ThrowIfCancellationRequested();
            try
            {
                md.Step();
                breakdown = Breakdown(md.Structure, md.Result, md.StepCount % _settings.SampleInterval == 0);
            }
            catch (SimulationDivergedException e)
            {
                breakdown = e.What;
            }
            if (breakdown is not null)
            {
                // The model let the trajectory run into nonsense without flagging it: the last sampled frame before the
                // breakdown is where it went wrong, so it becomes a candidate.
                if (frames.Count > 0 && !frames[^1].Flagged)
                {
                    frames[^1] = frames[^1] with { Flagged = true };
                    frames[^1].Structure.Info["al_flagged"] = true;
                    flagged++;
                }
                break;
            }
            if (md.StepCount % _settings.SampleInterval != 0) continue;
            double score = _score.Score(md.Structure, md.Result);
            bool isFlagged = score > threshold;
            var frame = SimulationFrame.Create(md.Structure);
            string id = $"r{r}-t{t}-s{md.StepCount}";
            frame.Info["al_id"] = id;
            frame.Info["al_round"] = (long)r;
            frame.Info["al_trajectory"] = (long)t;
            frame.Info["al_step"] = md.StepCount;
            frame.Info["al_temperature"] = temperature;
            if (double.IsFinite(score)) frame.Info["al_uncertainty"] = score;
            frame.Info["al_flagged"] = isFlagged;
            frames.Add(new PoolFrame(id, frame, r, t, md.StepCount, temperature, score, isFlagged));
            if (isFlagged && ++flagged >= _settings.MaxFlaggedPerTrajectory) break;
        }
        var record = new TrajectoryRecord
        {
            Trajectory = t,
            Temperature = temperature,
            Steps = md.StepCount,
            Flagged = flagged,
            Breakdown = breakdown,
            Clean = flagged == 0 && breakdown is null && md.StepCount >= _settings.MdSteps,
        };
        _progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"learn: round {r}: trajectory {t} at {temperature:G} K: {md.StepCount} steps, {frames.Count} frames sampled, {flagged} flagged{(breakdown is null ? "" : $", broke down: {breakdown}")}"));
        return (frames, record);
    }

    /// <summary>Null, or why the geometry is no longer a molecule the potential can be trusted with.</summary>
    private string? Breakdown(Structure s, CalculationResult result, bool checkDistances)
    {
        if (!double.IsFinite(result.Energy)) return "non-finite energy";
        double maxForce = result.MaxForceNorm();
        if (!(maxForce <= _settings.MaxForce)) return string.Create(CultureInfo.InvariantCulture, $"force {maxForce:G3} eV/Å > {_settings.MaxForce:G} eV/Å");
        if (!checkDistances) return null;
        var p = s.Positions;
        double min2 = _settings.MinPairDistance * _settings.MinPairDistance;
        for (int i = 0; i < s.AtomCount; i++)
        {
            for (int j = i + 1; j < s.AtomCount; j++)
            {
                double dx = p[3 * i] - p[3 * j], dy = p[(3 * i) + 1] - p[(3 * j) + 1], dz = p[(3 * i) + 2] - p[(3 * j) + 2];
                if ((dx * dx) + (dy * dy) + (dz * dz) < min2)
                    return string.Create(CultureInfo.InvariantCulture, $"atoms {i} and {j} closer than {_settings.MinPairDistance:G} Å");
            }
        }
        if (_startFragments is int start && Fragments(s) > start)
            return $"fragmented: {Fragments(s)} bonded fragments, the start had {start}";
        return null;
    }

    private int? _startFragments;

    /// <summary>Connected components of the bond graph (bond: r &lt; 1.5 × sum of covalent radii, as tools/md_fragments.py: hot vibrations do not count as breaking).</summary>
    internal static int Fragments(Structure s)
    {
        int n = s.AtomCount;
        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int a) => parent[a] == a ? a : parent[a] = Find(parent[a]);
        var p = s.Positions;
        int components = n;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double dx = p[3 * i] - p[3 * j], dy = p[(3 * i) + 1] - p[(3 * j) + 1], dz = p[(3 * i) + 2] - p[(3 * j) + 2];
                double bond = 1.5 * (Elements.CovalentRadius(s.Numbers[i]) + Elements.CovalentRadius(s.Numbers[j]));
                if ((dx * dx) + (dy * dy) + (dz * dz) >= bond * bond) continue;
                int a = Find(i), b = Find(j);
                if (a == b) continue;
                parent[a] = b;
                components--;
            }
        }
        return components;
    }

    private static PoolFrame ToPoolFrame(Structure s)
    {
        double u = s.Info.TryGetValue("al_uncertainty", out var v) ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : double.NaN;
        return new PoolFrame(
            LearnDataset.Id(s), s, LearnDataset.Round(s),
            Convert.ToInt32(s.Info["al_trajectory"], CultureInfo.InvariantCulture),
            Convert.ToInt64(s.Info["al_step"], CultureInfo.InvariantCulture),
            Convert.ToDouble(s.Info["al_temperature"], CultureInfo.InvariantCulture),
            u,
            s.Info.TryGetValue("al_flagged", out var f) && f is true);
    }

    /// <summary>The reference method as MD forces (the initial set); every call is logged, a failure ends the MD.</summary>
    private sealed class LabellerCalculator(ILabeller labeller, LabelLog log, CancellationToken cancellation) : IForceCalculator
    {
        private long _calls;

        public void Calculate(Structure structure, CalculationResult result)
        {
            string id = $"init-md-{_calls++}";
            log.Write("call", id);
            var outcome = labeller.Label(structure, cancellation);
            if (!outcome.Succeeded)
            {
                log.Write("fail", id, outcome.Failure!);
                throw new LabellingFailedException($"the initial reference MD stopped: {labeller.Method} failed at step {_calls - 1}: {outcome.Failure}");
            }
            log.Write("ok", id);
            result.Energy = outcome.Energy;
            outcome.Forces!.CopyTo(result.Forces, 0);
        }
    }
}

/// <summary>A labelling failure the run cannot skip (the initial reference MD needs every step).</summary>
public sealed class LabellingFailedException(string message) : Exception(message);
