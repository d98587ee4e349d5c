using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Distributed;
using CatPot.Evaluation;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Models.Heads;
using CatPot.Tensors;
using CatPot.Tensors.Optim;
using CatPot.IO;

namespace CatPot.Training;

/// <summary>
/// Trains a <see cref="Potential{T}"/> by the contract's recipe and keeps, in an output directory, the best and last
/// models (EMA weights, contract safetensors files), a full checkpoint for exact resumption, and a per-epoch metrics log.
/// A run is a pure function of its options and data: the seed fixes the initial weights and every epoch's shuffle.
/// </summary>
public sealed class Trainer
{
    /// <summary>Best model by validation score (EMA weights).</summary>
    public const string ModelFileName = "model.safetensors";

    /// <summary>Model after the last completed epoch (EMA weights).</summary>
    public const string LastModelFileName = "last.safetensors";

    /// <summary>Full training state for <see cref="Resume"/>.</summary>
    public const string CheckpointFileName = "checkpoint.safetensors";

    /// <summary>One JSON object per epoch.</summary>
    public const string MetricsFileName = "metrics.jsonl";

    private const string CheckpointKey = "catpot_checkpoint";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(), new EnergyHeadConfigConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly IReadOnlyList<Structure> _train;
    private readonly IReadOnlyList<Structure> _validation;
    private readonly string _outputDirectory;
    private readonly Parameter[] _parameters;
    private readonly AdamW _optimizer;
    private readonly TensorArena _arena = new();
    private readonly ExponentialMovingAverage _ema;
    private readonly LearningRateSchedule _schedule;
    private readonly BatchPlanner _planner;
    private readonly int[] _atomCounts;
    private readonly TrainingBatchSource _source;
    private readonly PotentialStatistics _scannedStatistics; // of the data given, to check a resumed checkpoint against
    private double _outsideCount, _nearEdgeCount;   // this epoch's training targets relative to the head's support
    private readonly Communicator _communicator;
    private readonly GradientReducer _reducer;
    private readonly List<EpochRecord> _history = [];
    private int _epochsDone;
    private long _step;
    private double _bestScore = double.PositiveInfinity;
    private int _epochsSinceBest;

    /// <summary>Prepares a run: statistics of the training set, the model with seeded weights, optimiser and schedule.</summary>
    /// <exception cref="ArgumentException">Options out of range, or training structures without the labels the loss needs.</exception>
    /// <param name="options">The run's options.</param>
    /// <param name="train">Training structures (an in-memory list, or an <see cref="IIndexedStructures"/> read by index).</param>
    /// <param name="validation">Validation structures.</param>
    /// <param name="outputDirectory">Where models, checkpoint and metrics go (written by rank 0 only).</param>
    /// <param name="communicator">The ranks of a data-parallel job; null for a single process.</param>
    public Trainer(TrainingOptions options, IReadOnlyList<Structure> train, IReadOnlyList<Structure> validation, string outputDirectory, Communicator? communicator = null)
        : this(options, train, validation, outputDirectory, statistics: null, communicator)
    {
    }

    private Trainer(TrainingOptions options, IReadOnlyList<Structure> train, IReadOnlyList<Structure> validation, string outputDirectory, PotentialStatistics? statistics, Communicator? communicator)
    {
        options.Validate();
        if (train.Count == 0) throw new ArgumentException("The training set is empty.", nameof(train));
        if (validation.Count == 0) throw new ArgumentException("The validation set is empty: model selection and early stopping need one.", nameof(validation));
        RequireLabels(validation, "validation", options.ForceWeight > 0);
        Options = options;
        _train = train;
        _validation = validation;
        _outputDirectory = outputDirectory;
        TensorThreading.MaxThreads = Math.Max(1, options.Threads);
        _communicator = communicator ?? Communicator.SingleProcess;

        // One pass over the training set (labels, atom counts, statistics, targets), on rank 0 only under MPI.
        var scan = TrainingSetScan.Shared(train, options.ElementReferences, options.ForceWeight > 0, _communicator);
        _scannedStatistics = scan.Statistics;
        Statistics = statistics ?? scan.Statistics;
        bool sameStatistics = statistics is null || (statistics.Mu == scan.Statistics.Mu && statistics.Sd == scan.Statistics.Sd);
        var targets = sameStatistics ? scan.Targets : [.. scan.Targets.Select(y => ((y * scan.Statistics.Sd) + scan.Statistics.Mu - statistics!.Mu) / statistics.Sd)];
        // The head takes what it needs from the training targets (e.g. its support); the same data give the same head on resume.
        Model = new Potential<float>(options.Model with { Head = options.Model.Head.Fit(targets, Statistics) }, Statistics);
        Model.InitializeParameters(options.Seed);
        _parameters = [.. Model.Parameters.Items.Select(p => new Parameter(p.Name, p.Tensor, p.Decay))];
        _optimizer = new AdamW(_parameters, options.LearningRate, options.Beta1, options.Beta2, options.AdamEps, options.WeightDecay);
        _ema = new ExponentialMovingAverage(_parameters, options.EmaDecay);
        _reducer = new GradientReducer(_parameters, _communicator, options.MicroBatches);

        _atomCounts = scan.AtomCounts;
        _planner = new BatchPlanner(options.Seed, options.MaxAtoms, OversizeStructurePolicy.OwnBatch);
        long total = 0;
        for (int e = 0; e < options.Epochs; e++) total += _planner.Plan(_atomCounts, e).Batches.Count;
        TotalSteps = total;
        double stepsPerEpoch = (double)total / options.Epochs;
        long warmup = Math.Max((long)Math.Ceiling(options.WarmupFraction * total), (long)Math.Ceiling(options.MinWarmupEpochs * stepsPerEpoch));
        _schedule = new LearningRateSchedule(options.LearningRate, total, Math.Min(warmup, total), options.WarmupStartFactor, options.MinLearningRateFactor);
        _source = new TrainingBatchSource(train, options.Model.Cutoff);

    }

    /// <summary>The run's options.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The model being trained (its parameters hold the raw, not the EMA, weights).</summary>
    public Potential<float> Model { get; }

    /// <summary>Statistics of the training set used for normalisation.</summary>
    public PotentialStatistics Statistics { get; }

    /// <summary>Optimiser steps over the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>Epochs completed so far.</summary>
    public int EpochsDone => _epochsDone;

    /// <summary>Per-epoch records so far.</summary>
    public IReadOnlyList<EpochRecord> History => _history;

    /// <summary>y_n = ((E − Σ ref)/N − mu)/sd.</summary>
    public static double NormalizedTarget(PotentialStatistics stats, Structure s)
        => ((((double)s.Energy! - stats.ReferenceEnergy(s.Numbers, s.Charge)) / s.AtomCount) - stats.Mu) / stats.Sd;

    /// <summary>
    /// Trains until all epochs are done, early stopping triggers, <paramref name="maxEpochsThisCall"/> epochs have run,
    /// or cancellation is requested (checked between batches; the checkpoint of the last completed epoch stays valid).
    /// </summary>
    public void Run(IProgress<TrainingProgress>? progress = null, Action<EpochRecord>? epochDone = null, int? maxEpochsThisCall = null, CancellationToken cancellation = default)
    {
        if (_communicator.IsRoot) Directory.CreateDirectory(_outputDirectory);
        int ranThisCall = 0;
        while (_epochsDone < Options.Epochs && !EarlyStopped && DivergedAtEpoch is null)
        {
            if (maxEpochsThisCall is int limit && ranThisCall >= limit) break;
            var record = TrainEpoch(progress, cancellation);
            ranThisCall++;
            epochDone?.Invoke(record);
        }
        // The recycled step arrays are not needed between calls (e.g. while the caller evaluates the test set).
        _arena.Trim();
        // Rank 0's files are complete before any rank goes on to read them (e.g. the best model for the test set).
        _communicator.Barrier("end of training");
    }

    /// <summary>True when early stopping has ended the run.</summary>
    public bool EarlyStopped => Options.EarlyStoppingPatience is int p && _epochsSinceBest >= p;

    /// <summary>
    /// The epoch (1-based) in which no optimiser step could be taken because every batch's loss or gradient was
    /// non-finite, which ends the run; null while training is healthy. A step with a non-finite gradient is skipped (the
    /// weights and their EMA stay as they were), so once the moving weights themselves are non-finite every later step
    /// would be skipped too and the rest of the run would change nothing; the best model saved so far is kept.
    /// </summary>
    public int? DivergedAtEpoch { get; private set; }

    /// <summary>What happened, in words, when the run diverged (<see cref="DivergedAtEpoch"/>); null otherwise.</summary>
    public string? Divergence => DivergedAtEpoch is int epoch
        ? $"training diverged in epoch {epoch}: every batch had a non-finite loss or gradient"
        : null;

    /// <summary>
    /// What to change after a diverged run, in words (with this run's learning rate). It names only <c>--lr</c>, the option
    /// every training command (train, learn, experiment) has; train adds its own <c>--clip-norm</c>.
    /// </summary>
    public string DivergenceFix => string.Create(CultureInfo.InvariantCulture,
        $"Lower the learning rate (--lr; this run: {Options.LearningRate}), or check the training labels.");

    /// <summary>True when some epoch had a finite validation score, so <see cref="ModelFileName"/> holds a model.</summary>
    public bool HasBestModel => _history.Any(h => h.IsBest);

    /// <summary>Throws <see cref="NoTrainedModelException"/> unless <see cref="HasBestModel"/>: for callers that go on to load the best model.</summary>
    public void EnsureBestModel()
    {
        if (!HasBestModel) throw new NoTrainedModelException(_outputDirectory, Divergence, DivergenceFix);
    }

    private EpochRecord TrainEpoch(IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        int epoch = _epochsDone;
        var plan = _planner.Plan(_atomCounts, epoch);
        var clock = Stopwatch.StartNew();
        double lossSum = 0, energySum = 0, forceSum = 0;
        int structures = 0, stepsTaken = 0;
        _outsideCount = _nearEdgeCount = 0;
        for (int b = 0; b < plan.Batches.Count; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            var indices = plan.Batches[b];
            // A set read by index reads the next step's structures while this step computes.
            _source.StartStep(OwnIndices(indices), b + 1 < plan.Batches.Count ? OwnIndices(plan.Batches[b + 1]) : null);
            var (loss, eLoss, fLoss, taken) = TrainStep(indices);
            if (taken) stepsTaken++;
            lossSum += loss;
            energySum += eLoss;
            forceSum += fLoss;
            structures += indices.Length;
            progress?.Report(new TrainingProgress(epoch + 1, Options.Epochs, b + 1, plan.Batches.Count, loss, _optimizer.LearningRate, structures / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var (eMaeAtom, eMae, fMae, coverage) = Validate();
        double score = Options.EnergyLossPerAtom
            ? (Options.EnergyWeight * eMaeAtom) + (Options.ForceWeight * fMae)
            : (Options.EnergyWeight * eMaeAtom / Statistics.Sd) + (Options.ForceWeight * fMae / Statistics.ForceRms);
        bool best = score < _bestScore;
        _epochsDone = epoch + 1;
        if (best)
        {
            _bestScore = score;
            _epochsSinceBest = 0;
        }
        else _epochsSinceBest++;

        int n = plan.Batches.Count;
        var record = new EpochRecord
        {
            Epoch = epoch + 1,
            Step = _step,
            LearningRate = _optimizer.LearningRate,
            TrainLoss = lossSum / n,
            TrainEnergyLoss = energySum / n,
            TrainForceLoss = forceSum / n,
            ClampedTargetFraction = _outsideCount / Math.Max(structures, 1),
            NearEdgeTargetFraction = _nearEdgeCount / Math.Max(structures, 1),
            ValidationOutsideSupport = coverage.Outside,
            ValidationNearEdge = coverage.NearEdge,
            ValidationEnergyMaePerAtom = eMaeAtom,
            ValidationEnergyMae = eMae,
            ValidationForceMae = fMae,
            ValidationScore = score,
            IsBest = best,
            TrainSeconds = trainSeconds,
            StructuresPerSecond = structures / Math.Max(trainSeconds, 1e-9),
        };
        _history.Add(record);
        SaveOutputs(best);
        if (stepsTaken == 0) DivergedAtEpoch = epoch + 1;
        return record;
    }

    /// <summary>The structures of a batch that this rank computes (its micro-batches), in micro-batch order.</summary>
    private int[] OwnIndices(int[] batch)
    {
        int m = Options.MicroBatches;
        if (m == 1 && _communicator.Size == 1) return batch;
        var parts = MicroBatchPlanner.Split(batch, _atomCounts, m);
        var own = new List<int>();
        for (int slot = 0; slot < _reducer.Slots; slot++)
        {
            int part = MicroBatchPlanner.MicroBatchOf(slot, _communicator.Rank, _communicator.Size);
            if (part < m) own.AddRange(parts[part]);
        }
        return [.. own];
    }

    /// <summary>One optimiser step on a batch; <c>Taken</c> is false when the gradient was non-finite and the step skipped.</summary>
    private (double Loss, double Energy, double Forces, bool Taken) TrainStep(int[] indices)
    {
        // The batch is split into micro-batches (one when MicroBatches is 1); this rank computes the gradients of its
        // own, the reducer sums all of them in micro-batch order, then every rank takes the same optimiser step.
        int m = Options.MicroBatches;
        var parts = MicroBatchPlanner.Split(indices, _atomCounts, m);
        for (int slot = 0; slot < _reducer.Slots; slot++)
        {
            int part = MicroBatchPlanner.MicroBatchOf(slot, _communicator.Rank, _communicator.Size);
            if (part >= m || parts[part].Length == 0)
            {
                _reducer.Clear(slot);
                continue;
            }
            // Every tensor of a micro-batch is recycled for the next one: only its gradients (copied) and scalars leave.
            using var scope = _arena.Use();
            var (loss, energy, forces) = BackwardPass(parts[part], m == 1 ? 1.0 : (double)parts[part].Length / indices.Length);
            _reducer.Capture(slot, loss, energy, forces);
            Model.Parameters.ZeroGrad();
        }
        var terms = _reducer.Reduce(_step);
        double norm = GradientClipping.ClipGlobalNorm(_parameters, Options.ClipNorm);
        _optimizer.LearningRate = _schedule.LearningRate(_step);
        bool taken = double.IsFinite(norm);
        if (taken)
        {
            _optimizer.Step();
            long n = _ema.UpdateCount;
            _ema.Update(Options.EmaWarmup ? Math.Min(Options.EmaDecay, (1.0 + n) / (10.0 + n)) : Options.EmaDecay);
        }
        Model.Parameters.ZeroGrad();
        _step++;
        return (terms.Loss, terms.Energy, terms.Forces, taken);
    }

    /// <summary>
    /// Loss of the structures at <paramref name="indices"/> times <paramref name="weight"/> (their share of the batch, so
    /// the micro-batch losses add up to the batch mean), and its gradients in the parameters.
    /// </summary>
    private (double Loss, double Energy, double Forces) BackwardPass(int[] indices, double weight)
    {
        var (structures, lists) = _source.Get(indices);
        var local = new int[indices.Length];
        for (int i = 0; i < local.Length; i++) local[i] = i;
        var batch = GraphBatch.Create(structures, local, k => lists[k]);
        var input = ModelInput<float>.FromBatch(batch);
        bool conservative = Options.ConservativeForces;
        var output = Model.Forward(input, directForces: !conservative, conservativeForces: conservative, createGraph: conservative);
        int s = indices.Length;

        var y = new double[s];
        for (int i = 0; i < s; i++) y[i] = NormalizedTarget(Statistics, structures[i]);
        var energyLoss = Model.Head.Loss(output.Head, y);
        if (Model.Head.BinCount > 0)
        {
            var point = new double[s];
            for (int i = 0; i < s; i++) point[i] = output.NormalizedEnergy[i];
            if (Model.Head.Coverage(y, point) is { } c)
            {
                _outsideCount += c.Outside * s;
                _nearEdgeCount += c.NearEdge * s;
            }
        }
        var total = energyLoss * (float)(Options.EnergyWeight * (Options.EnergyLossPerAtom ? Statistics.Sd : 1));
        double forceValue = 0;
        if (Options.ForceWeight > 0)
        {
            var reference = new Tensor<float>(batch.Forces!, batch.AtomCount, 3);
            var predicted = conservative ? output.ConservativeForces! : output.DirectForces!;
            var eps = (float)Options.Model.Eps;
            var forceLoss = Options.ForceLoss switch
            {
                "rms" => PotentialLoss.ForceRms(predicted, reference, input, eps),
                "batch-rms" => PotentialLoss.ForceBatchRms(predicted, reference, eps),
                _ => PotentialLoss.ForceL2Mae(predicted, reference, input, eps),
            };
            forceValue = forceLoss.ToScalar();
            total = total + (forceLoss * (float)Options.ForceWeight);
        }

        if (weight != 1) total = total * (float)weight;
        Model.Parameters.ZeroGrad();
        Autograd.Backward(total);
        return (total.ToScalar(), energyLoss.ToScalar() * weight, forceValue * weight);
    }

    /// <summary>Validation errors of the EMA weights: energy MAE per atom and total, and force MAE per component.</summary>
    private (double EnergyMaePerAtom, double EnergyMae, double ForceMae, SupportCoverage Coverage) Validate()
    {
        _ema.Swap();
        try
        {
            var predictions = DistributedPrediction.Predict(_communicator, Model, _validation, Options.ConservativeForces, Options.MaxAtoms, _arena);
            var report = EvaluationReport.Compute(PotentialPredictor.Compare(Model, _validation, predictions));
            var coverage = PotentialPredictor.Coverage(Model, _validation, predictions) ?? default;
            return (report.Overall.EnergyMaePerAtom, report.Overall.EnergyMae, report.Overall.ForceMae ?? 0, coverage);
        }
        finally
        {
            _ema.Swap();
        }
    }

    private JsonObject TrainingSetDescription() => new()
    {
        ["structures"] = _train.Count,
        ["atoms"] = _atomCounts.Sum(c => (long)c),
        ["validation_structures"] = _validation.Count,
        ["epochs"] = _epochsDone,
        ["seed"] = Options.Seed,
        ["loss"] = Model.Config.Head.Name,
        ["forces"] = Options.ConservativeForces ? "conservative" : "direct",
    };

    private void SaveOutputs(bool best)
    {
        if (!_communicator.IsRoot) return; // every rank holds the same state; rank 0 alone writes it
        _ema.Swap();
        try
        {
            if (best) PotentialFile.Save(Model, Path.Combine(_outputDirectory, ModelFileName), TrainingSetDescription());
            PotentialFile.Save(Model, Path.Combine(_outputDirectory, LastModelFileName), TrainingSetDescription());
        }
        finally
        {
            _ema.Swap();
        }
        WriteCheckpoint(Path.Combine(_outputDirectory, CheckpointFileName));
        WriteMetricsLog();
    }

    private void WriteMetricsLog()
    {
        string path = Path.Combine(_outputDirectory, MetricsFileName);
        AtomicFile.WriteAllLines(path, _history.Select(r => JsonSerializer.Serialize(r, Json)));
    }

    private sealed record CheckpointState
    {
        public required TrainingOptions Options { get; init; }
        public required PotentialStatistics Statistics { get; init; }
        public required int EpochsDone { get; init; }
        public required long Step { get; init; }
        public required double BestScore { get; init; }
        public required int EpochsSinceBest { get; init; }
        public required long AdamStepCount { get; init; }
        public required long[] AdamParameterSteps { get; init; }
        public required long EmaUpdates { get; init; }
        public required List<EpochRecord> History { get; init; }
    }

    private void WriteCheckpoint(string path)
    {
        var adam = _optimizer.GetState();
        var ema = _ema.GetState();
        var tensors = new List<KeyValuePair<string, SafeTensorsEntry>>();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            tensors.Add(new("model." + p.Name, SafeTensorsEntry.FromFloat32(p.Value.Shape, p.Value.ToArray())));
            tensors.Add(new("ema." + p.Name, SafeTensorsEntry.FromFloat32(p.Value.Shape, ema[i])));
            tensors.Add(new("adam_m." + p.Name, SafeTensorsEntry.FromFloat32(p.Value.Shape, adam.ExpAvg[i])));
            tensors.Add(new("adam_v." + p.Name, SafeTensorsEntry.FromFloat32(p.Value.Shape, adam.ExpAvgSq[i])));
        }
        var state = new CheckpointState
        {
            Options = Options,
            Statistics = Statistics,
            EpochsDone = _epochsDone,
            Step = _step,
            BestScore = _bestScore,
            EpochsSinceBest = _epochsSinceBest,
            AdamStepCount = adam.StepCount,
            AdamParameterSteps = adam.ParameterSteps,
            EmaUpdates = _ema.UpdateCount,
            History = _history,
        };
        var meta = new Dictionary<string, string> { [CheckpointKey] = JsonSerializer.Serialize(state, Json) };
        new SafeTensorsFile(tensors, meta).Write(path);
    }

    /// <summary>
    /// Continues a run from <c>checkpoint.safetensors</c> in <paramref name="outputDirectory"/>: weights, optimiser moments,
    /// EMA, schedule position, epoch and best score are restored, so the finished run equals an uninterrupted one bit for bit.
    /// The same training and validation data must be given.
    /// </summary>
    /// <exception cref="ModelFileException">The checkpoint is missing, corrupted or does not match the data.</exception>
    public static Trainer Resume(string outputDirectory, IReadOnlyList<Structure> train, IReadOnlyList<Structure> validation, Communicator? communicator = null)
    {
        string path = Path.Combine(outputDirectory, CheckpointFileName);
        if (!File.Exists(path))
            throw new ModelFileException(path, null, $"no checkpoint to resume from: {CheckpointFileName} does not exist in {outputDirectory}. Start a new run without --resume.");
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(CheckpointKey, out var json))
            throw new ModelFileException(path, null, $"the file has no '{CheckpointKey}' metadata; it is not a CatPot training checkpoint.");
        CheckpointState state;
        try
        {
            state = JsonSerializer.Deserialize<CheckpointState>(json, Json) ?? throw new JsonException("empty state");
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, null, $"the checkpoint state cannot be read ({e.Message}).", e);
        }
        var trainer = new Trainer(state.Options, train, validation, outputDirectory, state.Statistics, communicator);
        // The same data give the same statistics (bit for bit with this version; to round-off with a checkpoint of an older one).
        var fresh = trainer._scannedStatistics;
        static bool Near(double a, double b, double scale) => Math.Abs(a - b) <= 1e-9 * scale;
        if (!Near(fresh.Mu, state.Statistics.Mu, Math.Abs(state.Statistics.Mu) + state.Statistics.Sd) || !Near(fresh.Sd, state.Statistics.Sd, state.Statistics.Sd))
            throw new ModelFileException(path, null, "the training data differ from the data this checkpoint was trained on (different energy statistics). Resume with the same --train file.");

        float[] Get(string name, Parameter p)
        {
            if (!file.Tensors.TryGetValue(name, out var entry) || !entry.Shape.SequenceEqual(p.Value.Shape))
                throw new ModelFileException(path, name, $"expected a tensor of shape {Tensor.FormatShape(p.Value.Shape)}.");
            return entry.ToSingleArray();
        }
        var m = new float[trainer._parameters.Length][];
        var v = new float[trainer._parameters.Length][];
        var ema = new float[trainer._parameters.Length][];
        for (int i = 0; i < trainer._parameters.Length; i++)
        {
            var p = trainer._parameters[i];
            Get("model." + p.Name, p).CopyTo(p.Value.Span);
            ema[i] = Get("ema." + p.Name, p);
            m[i] = Get("adam_m." + p.Name, p);
            v[i] = Get("adam_v." + p.Name, p);
        }
        trainer._optimizer.LoadState(new AdamWState { StepCount = state.AdamStepCount, ParameterSteps = state.AdamParameterSteps, ExpAvg = m, ExpAvgSq = v });
        trainer._ema.LoadState(ema, state.EmaUpdates);
        trainer._epochsDone = state.EpochsDone;
        trainer._step = state.Step;
        trainer._bestScore = state.BestScore;
        trainer._epochsSinceBest = state.EpochsSinceBest;
        trainer._history.AddRange(state.History);
        return trainer;
    }

    private static void RequireLabels(IReadOnlyList<Structure> set, string name, bool forces)
    {
        for (int i = 0; i < set.Count; i++)
        {
            if (set[i].Energy is null)
                throw new ArgumentException($"The {name} set's structure {i} has no energy; every training and validation structure needs one.");
            if (forces && set[i].Forces is null)
                throw new ArgumentException($"The {name} set's structure {i} has no forces; give forces or train with a force weight of 0.");
        }
    }
}
