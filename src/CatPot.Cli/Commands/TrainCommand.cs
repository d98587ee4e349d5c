using System.CommandLine;
using System.Globalization;
using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Distributed;
using CatPot.Evaluation;
using CatPot.IO;
using CatPot.Models;
using CatPot.Training;

namespace CatPot.Cli.Commands;

/// <summary>
/// <c>catpot train</c>: trains a model (by default the <c>catres</c> head, <see cref="Models.Heads.EnergyHeads.DefaultName"/>, on the built-in sample data), keeps the best and
/// last models, a resumable checkpoint and a metrics log in <c>--out</c>, then prints the per-domain test table.
/// </summary>
public static class TrainCommand
{
    /// <summary>Default epochs: enough for the sample data to show learning within a few minutes on 2 cores.</summary>
    public const int DefaultEpochs = 25;

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var train = new Option<string>("--train") { Description = "Training structures. " + StructureSourceArgument.Description, DefaultValueFactory = _ => "sample:train" };
        var val = new Option<string?>("--val") { Description = "Validation structures (model selection, early stopping). Default: sample:val with the sample data, otherwise a seeded --val-fraction of --train." };
        var valFraction = new Option<double>("--val-fraction") { Description = "Fraction of --train held out (seeded) for validation when --val is not given.", DefaultValueFactory = _ => SmallDataRecipe.DefaultValidationFraction };
        var e0s = new Option<string?>("--e0s") { Description = "Isolated-atom reference energies (E0s): a structure file of one-atom frames. One-atom or config_type=IsolatedAtom frames in --train are used (and left out of training) too; without either, E0s are fitted by least squares." };
        var forces = new Option<string>("--forces") { Description = $"Force training: auto (conservative, with the small-data recipe, for training sets of ≤ {SmallDataRecipe.MaxStructures} structures other than the built-in sample; direct otherwise), direct or conservative.", DefaultValueFactory = _ => "auto" };
        forces.AcceptOnlyFromAmong("auto", "direct", "conservative");
        var test = new Option<string?>("--test") { Description = "Test structures evaluated with the best model at the end ('none' to skip).", DefaultValueFactory = _ => "sample:test" };
        var head = new HeadOptions(Models.Heads.EnergyHeads.DefaultName);
        var epochs = new Option<int>("--epochs") { Description = "Epochs (default: 25; the small-data recipe sets its own, an atom-epoch budget).", DefaultValueFactory = _ => DefaultEpochs };
        var maxAtoms = new Option<int>("--max-atoms") { Description = "Atom budget per batch.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of weights and shuffles; same seed, same run, bit for bit.", DefaultValueFactory = _ => 0UL };
        var output = new Option<string>("--out") { Description = "Output directory (model.safetensors, last.safetensors, checkpoint.safetensors, metrics.jsonl, test-metrics.json).", DefaultValueFactory = _ => "catpot-run" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its checkpoint (same data)." };
        var conservative = new Option<bool>("--conservative") { Description = "Same as --forces conservative." };
        var features = new Option<int>("--features") { Description = "PaiNN width F.", DefaultValueFactory = _ => 128 };
        var layers = new Option<int>("--layers") { Description = "PaiNN layers L.", DefaultValueFactory = _ => 3 };
        var backbone = new Option<string>("--backbone") { Description = "painn (the v1 contract's PaiNN), painn-t2 (PaiNN with rank-2 tensor features; CatPot's own, docs/backbone.md) or auto (painn-t2 with the small-data recipe, painn otherwise).", DefaultValueFactory = _ => "auto" };
        backbone.AcceptOnlyFromAmong("auto", "painn", "painn-t2");
        var tensorChannels = new Option<int?>("--tensor-channels") { Description = $"Channels C of the rank-2 features of painn-t2 (default F/{SmallDataRecipe.FeaturesPerTensorChannel})." };
        var rbf = new Option<int>("--rbf") { Description = $"Radial basis size n_rbf (default 20; the small-data recipe's {SmallDataRecipe.RadialBasis}).", DefaultValueFactory = _ => 20 };
        var cutoff = new Option<double>("--cutoff") { Description = "Cutoff r_c (Å).", DefaultValueFactory = _ => 5.0 };
        var lr = new Option<double>("--lr") { Description = $"Peak learning rate (AdamW; default 8e-4, the small-data recipe's {SmallDataRecipe.LearningRate}).", DefaultValueFactory = _ => 8e-4 };
        var wd = new Option<double>("--weight-decay") { Description = $"AdamW weight decay (not on biases; default 1e-3, the small-data recipe's {SmallDataRecipe.WeightDecay}).", DefaultValueFactory = _ => 1e-3 };
        var lambdaE = new Option<double>("--lambda-e") { Description = "Energy loss weight λ_E.", DefaultValueFactory = _ => 1.0 };
        var lambdaF = new Option<double>("--lambda-f") { Description = "Force loss weight λ_F.", DefaultValueFactory = _ => 1.0 };
        var forceLoss = new Option<string>("--force-loss") { Description = $"Force loss: l2mae (mean per-atom error norm), rms (root of its mean square per structure: large errors weigh more) or batch-rms (root of the mean square over the whole batch: a badly predicted structure outweighs its batch); default l2mae, the small-data recipe's {SmallDataRecipe.ForceLoss}.", DefaultValueFactory = _ => "l2mae" };
        forceLoss.AcceptOnlyFromAmong(PotentialLoss.ForceTerms);
        var ema = new Option<double>("--ema-decay") { Description = "EMA decay of the weights used for validation and saving.", DefaultValueFactory = _ => 0.999 };
        var emaWarmup = new Option<bool>("--ema-warmup") { Description = "Warm the EMA up (decay min(d, (1+n)/(10+n))); false = constant decay as in the contract and the PyTorch peer.", DefaultValueFactory = _ => true };
        var clip = new Option<double>("--clip-norm") { Description = "Global gradient-norm clipping.", DefaultValueFactory = _ => 100.0 };
        var warmup = new Option<double>("--warmup-epochs") { Description = "Minimum warm-up length in epochs (the warm-up is at least 1 % of all steps).", DefaultValueFactory = _ => 1.0 };
        var patience = new Option<int?>("--patience") { Description = "Early stopping: stop after this many epochs without validation improvement." };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (results do not depend on it).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var microBatches = new Option<int?>("--micro-batches") { Description = "Split every batch into this many micro-batches of about equal atoms and sum their gradients in a fixed order (default: 1, or the number of MPI ranks). The same value gives bit-identical weights on any number of ranks." };
        var byIndex = new Option<bool>("--read-by-index") { Description = "Read training structures by index from disk as batches need them (.aselmdb shards, or uncompressed extxyz through a cached byte-offset index) instead of loading the set into memory; neighbour lists are then built per batch." };
        var json = StandardOptions.CreateJson("Print the test report as JSON instead of tables.");
        var noUncertainty = new Option<bool>("--no-uncertainty") { Description = "Do not fit the calibrated uncertainty (energy_std, atom_uncertainty) into model.safetensors at the end (by default it is fitted on --train and calibrated on --val; see 'catpot calibrate')." };
        var units = LabelUnitOptions.Create();

        var command = new Command("train", "Train a CatPot model (any energy head of --head, direct or conservative forces) and print per-domain test errors.")
        {
            train, val, valFraction, e0s, forces, test, epochs, maxAtoms, seed, output, resume, conservative,
            features, layers, backbone, tensorChannels, rbf, cutoff, lr, wd, lambdaE, lambdaF, forceLoss, ema, emaWarmup, clip, warmup, patience, threads, microBatches, byIndex, json, noUncertainty,
            units.Energy, units.Force,
        };
        foreach (var option in head.All) command.Options.Add(option);
        command.SetAction((parseResult, cancellationToken) =>
        {
            // Under mpirun/srun every rank runs this command; a plain run never loads MPI.
            using var communicator = MpiLaunch.Connect();
            if (communicator.Size == 1) return Run(parseResult, CommandContext.From(parseResult), communicator, cancellationToken);
            try
            {
                var context = CommandContext.From(parseResult);
                return Run(parseResult, communicator.IsRoot ? context : context.Silenced(), communicator, cancellationToken);
            }
            catch (Exception e)
            {
                // One rank failing must end them all now, not leave the others waiting in the next collective.
                int code = CommandFailure.Report(e, parseResult.InvocationConfiguration.Error, parseResult.GetValue<bool>(StandardOptions.VerboseName));
                communicator.Abort($"catpot: rank {communicator.Rank} of {communicator.Size} failed (above); aborting all ranks.", code);
                return Task.FromResult(code);
            }
        });
        return command;

        Task<int> Run(ParseResult parseResult, CommandContext context, Communicator communicator, CancellationToken cancellationToken)
        {
            string outDir = parseResult.GetValue(output)!;
            var trainPath = parseResult.GetValue(train)!;
            // Training and validation frames need energies; every frame must be one the model can evaluate.
            var training = units.Apply(parseResult, ExtXyzReaderOptions.ForTraining);
            // Read by index (--by-index), the training file is not scanned for isolated atoms or split: give --e0s and --val.
            using var indexed = parseResult.GetValue(byIndex) ? IndexedStructures.Open(trainPath, training) : null;
            IReadOnlyList<Structure> trainSet;
            double[]? references = null;
            if (indexed is not null) trainSet = indexed;
            else (trainSet, references) = BadInput(() => SmallDataRecipe.SplitIsolatedAtoms(Read(trainPath, context, "training", training)), "--train " + trainPath);
            if (parseResult.GetValue(e0s) is string e0Path)
            {
                var fileE0s = BadInput(() => SmallDataRecipe.ElementReferencesFrom(Read(e0Path, context, "E0", training)), "--e0s " + e0Path);
                if (references is null) references = fileE0s;
                else
                    for (int z = 0; z < references.Length; z++)
                        if (references[z] == 0) references[z] = fileE0s[z];
            }
            List<Structure> valSet;
            string? valPath = parseResult.GetValue(val);
            if (valPath is null && trainPath.StartsWith(StructureFiles.SamplePrefix, StringComparison.Ordinal)) valPath = "sample:val";
            if (valPath is null && indexed is not null) throw new CommandLineUsageException("--by-index needs --val (the training file is not split when read by index).");
            if (valPath is not null) valSet = BadInput(() => SmallDataRecipe.SplitIsolatedAtoms(Read(valPath, context, "validation", training)).Structures, "--val " + valPath);
            else
            {
                try
                {
                    (trainSet, valSet) = SmallDataRecipe.SplitValidation(trainSet, parseResult.GetValue(valFraction), parseResult.GetValue(seed));
                }
                catch (ArgumentException e)
                {
                    throw new CommandLineUsageException(e.Message);
                }
            }

            // The small-data recipe (issue 17): conservative forces, force-dominated loss with the energy in eV/atom, small
            // batches, a higher peak learning rate, and a length (atom-epoch budget) whose whole cosine fits ~30 minutes on 2 cores
            // for ~1,000 small molecules; early stopping as a safety net. Options given on the command line always win.
            string forceMode = parseResult.GetValue(conservative) ? "conservative" : parseResult.GetValue(forces)!;
            bool builtInSample = trainPath.StartsWith(StructureFiles.SamplePrefix, StringComparison.Ordinal);
            bool recipe = SmallDataRecipe.Applies(forceMode, trainSet.Count, builtInSample);
            bool Given(Option o) => parseResult.GetResult(o) is { Implicit: false };
            var options = new TrainingOptions
            {
                Model = new PotentialConfig
                {
                    Features = parseResult.GetValue(features),
                    Layers = parseResult.GetValue(layers),
                    TensorChannels = parseResult.GetValue(backbone) is "painn-t2" || (parseResult.GetValue(backbone) == "auto" && recipe)
                        ? parseResult.GetValue(tensorChannels) ?? SmallDataRecipe.TensorChannelsFor(parseResult.GetValue(features))
                        : 0,
                    RadialBasis = recipe && !Given(rbf) ? SmallDataRecipe.RadialBasis : parseResult.GetValue(rbf),
                    Cutoff = parseResult.GetValue(cutoff),
                    Head = recipe && !head.Sets(parseResult, "histogram_gradient") ? SmallDataRecipe.Head(head.Parse(parseResult)) : head.Parse(parseResult),
                },
                Epochs = recipe && !Given(epochs) ? SmallDataRecipe.EpochsFor(trainSet) : parseResult.GetValue(epochs),
                MaxAtoms = recipe && !Given(maxAtoms) ? SmallDataRecipe.BatchAtoms(trainSet, parseResult.GetValue(maxAtoms)) : parseResult.GetValue(maxAtoms),
                Seed = parseResult.GetValue(seed),
                LearningRate = recipe && !Given(lr) ? SmallDataRecipe.LearningRate : parseResult.GetValue(lr),
                WeightDecay = recipe && !Given(wd) ? SmallDataRecipe.WeightDecay : parseResult.GetValue(wd),
                EnergyWeight = recipe && !Given(lambdaE) ? SmallDataRecipe.EnergyWeight : parseResult.GetValue(lambdaE),
                ForceWeight = recipe && !Given(lambdaF) ? SmallDataRecipe.ForceWeight : parseResult.GetValue(lambdaF),
                ForceLoss = recipe && !Given(forceLoss) ? SmallDataRecipe.ForceLoss : parseResult.GetValue(forceLoss)!,
                EnergyLossPerAtom = recipe,
                ElementReferences = references,
                EmaDecay = parseResult.GetValue(ema),
                EmaWarmup = parseResult.GetValue(emaWarmup),
                ClipNorm = parseResult.GetValue(clip),
                MinWarmupEpochs = parseResult.GetValue(warmup),
                EarlyStoppingPatience = recipe && !Given(patience) ? SmallDataRecipe.Patience : parseResult.GetValue(patience),
                ConservativeForces = forceMode == "conservative" || recipe,
                Threads = parseResult.GetValue(threads),
                MicroBatches = parseResult.GetValue(microBatches) ?? communicator.Size,
            };
            if (Given(tensorChannels) && (!options.Model.TensorFeatures || parseResult.GetValue(tensorChannels) < 1))
                throw new CommandLineUsageException($"--tensor-channels must be ≥ 1 and goes with a backbone that has rank-2 features (--backbone painn-t2, or auto with the small-data recipe); got {parseResult.GetValue(tensorChannels)} with --backbone {parseResult.GetValue(backbone)}{(recipe ? "" : " and no small-data recipe")}.");
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new CommandLineUsageException(e.Message);
            }
            if (recipe) context.Error.WriteLine($"catpot: small-data recipe ({trainSet.Count} ≤ {SmallDataRecipe.MaxStructures} training structures): {(options.Model.TensorFeatures ? $"PaiNN with {options.Model.TensorChannels} rank-2 channels" : "PaiNN")}, {options.Model.RadialBasis} radial functions, conservative forces, λ_E = {options.EnergyWeight} per eV/atom, λ_F = {options.ForceWeight} ({options.ForceLoss} force term), peak learning rate {options.LearningRate}, weight decay {options.WeightDecay}, {options.MaxAtoms} atoms per batch, {options.Epochs} epochs (one cosine), patience {options.EarlyStoppingPatience}{(references is null ? "" : ", E0s from isolated atoms")}{(SmallDataRecipe.HasRecipeHistogram(options.Model.Head) ? $", histogram gradient {SmallDataRecipe.HistogramGradient}" : "")}");

            string? testPath = parseResult.GetValue(test);
            var testSet = testPath is null or "none" ? null : Read(testPath, context, "test", units.Apply(parseResult, ExtXyzReaderOptions.ForModel));

            Trainer trainer;
            if (parseResult.GetValue(resume))
            {
                trainer = LabelChecked(() => Trainer.Resume(outDir, trainSet, valSet, communicator), trainPath, valPath ?? $"a {parseResult.GetValue(valFraction)} split of --train");
                context.Error.WriteLine($"catpot: resuming {outDir} after epoch {trainer.EpochsDone} of {trainer.Options.Epochs}");
            }
            else
            {
                if (File.Exists(Path.Combine(outDir, Trainer.CheckpointFileName)))
                    throw new CommandLineUsageException($"{outDir} already holds a training run; continue it with --resume or choose another --out (nothing was overwritten).");
                // Every rank has looked before rank 0 creates anything.
                communicator.Barrier("start of training");
                trainer = LabelChecked(() => new Trainer(options, trainSet, valSet, outDir, communicator), trainPath, valPath ?? $"a {parseResult.GetValue(valFraction)} split of --train");
            }
            context.Error.WriteLine($"catpot: {trainer.Model.Parameters.ScalarCount:N0} parameters, {trainer.Model.Config.Head.Label} head, {trainSet.Count} training / {valSet.Count} validation structures, {trainer.TotalSteps} steps"
                + (communicator.Size > 1 || trainer.Options.MicroBatches > 1 ? $", {trainer.Options.MicroBatches} micro-batches per batch on {communicator.Size} rank(s)" : ""));

            long done = trainer.History.Count == 0 ? 0 : trainer.History[^1].Step;
            new TrainingProgressView(context).Run(trainer.TotalSteps, done, (progress, epochDone) =>
                trainer.Run(progress, epochDone, cancellation: cancellationToken));
            if (trainer.EarlyStopped) context.Error.WriteLine("catpot: stopped early (no validation improvement).");
            // No epoch with a finite validation score: nothing to go on with (NoTrainedModelException, exit Incomplete).
            trainer.EnsureBestModel();
            // A diverged run keeps its best model and goes on to the uncertainty and the test report, then exits Incomplete.
            int finished = ExitCodes.Ok;
            if (trainer.Divergence is string diverged)
            {
                finished = ExitCodes.Incomplete;
                var bestEpoch = trainer.History.Last(h => h.IsBest);
                context.Error.WriteLine($"catpot: error: {diverged}, so no step could be taken. {Trainer.ModelFileName} keeps the best model (epoch {bestEpoch.Epoch}). {trainer.DivergenceFix} A tighter gradient-norm clip (--clip-norm; this run: {options.ClipNorm.ToString(CultureInfo.InvariantCulture)}) can help too.");
            }
            context.Error.WriteLine($"catpot: models and checkpoint in {outDir}");

            string bestPath = Path.Combine(outDir, Trainer.ModelFileName);
            CatPot.Uncertainty.UncertaintyModel? uncertainty = null;
            // Rank 0 alone fits and writes it (one writer of model.safetensors).
            int labelledVal = valSet.Count(s => s.Energy is not null);
            if (!parseResult.GetValue(noUncertainty) && communicator.IsRoot && labelledVal < ModelUncertainty.MinCalibrationStructures)
                context.Error.WriteLine($"catpot: note: {labelledVal} validation structures are too few to calibrate the uncertainty (at least {ModelUncertainty.MinCalibrationStructures}); energy_std stays the histogram std (run 'catpot calibrate' later).");
            else if (!parseResult.GetValue(noUncertainty) && communicator.IsRoot)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // The validation parents are not trained on, so the validation set is the calibration set.
                // Read by index, the set may be far larger than memory: the uncertainty's density and rigidity are fitted
                // on at most UncertaintyFitStructures of it, evenly spaced (an in-memory set is used whole, as before).
                var fitSet = indexed is not null && trainSet.Count > UncertaintyFitStructures ? EvenlySpaced(trainSet, UncertaintyFitStructures) : trainSet;
                if (!ReferenceEquals(fitSet, trainSet)) context.Error.WriteLine($"catpot: the uncertainty is fitted on {fitSet.Count} of the {trainSet.Count} training structures read by index (evenly spaced).");
                uncertainty = ModelUncertainty.FitAndStore(bestPath, fitSet, valSet, trainPath, valPath ?? "validation split of " + trainPath, bestPath,
                    trainer.Options.MaxAtoms, 1, context.Verbose ? m => context.Error.WriteLine($"catpot: uncertainty: {m}") : null);
                if (valPath is null)
                    context.Error.WriteLine("catpot: note: the uncertainty was calibrated on a random split of --train; structures of the same parent may sit on both sides, so energy_std may be optimistic (give --val from unseen parents, or recalibrate with 'catpot calibrate').");
                context.Error.WriteLine($"catpot: fitted the uncertainty (energy_std, atom_uncertainty) on {fitSet.Count} training structures, calibrated on {valSet.Count} validation structures; stored in {bestPath}");
            }

            if (testSet is null) return Task.FromResult(finished);
            var best = PotentialFile.Load<float>(bestPath);
            var predictions = DistributedPrediction.Predict(communicator, best, testSet, trainer.Options.ConservativeForces, trainer.Options.MaxAtoms);
            if (!communicator.IsRoot) return Task.FromResult(finished);
            var report = EvaluationReport.Compute(PotentialPredictor.Compare(best, testSet, predictions));
            string reportPath = Path.Combine(outDir, "test-metrics.json");
            AtomicFile.WriteAllText(reportPath, report.ToJson());
            if (parseResult.GetValue(json)) context.Out.WriteLine(report.ToJson());
            else EvaluationTable.Render(report, context.CreateOutConsole(), $"Test set ({testPath}, best model, {(trainer.Options.ConservativeForces ? "conservative" : "direct")} forces)");
            if (uncertainty is not null)
            {
                var quality = ModelUncertainty.Assess(best, uncertainty, testSet, trainer.Options.MaxAtoms);
                // With --json stdout stays one JSON document; the uncertainty table goes to stderr then.
                quality.WriteTo(parseResult.GetValue(json) ? context.Error : context.Out, $"Calibrated uncertainty on the test set ({testPath})");
            }
            return Task.FromResult(finished);
        }
    }

    /// <summary>Most training structures the uncertainty is fitted on when the training set is read by index.</summary>
    public const int UncertaintyFitStructures = 10_000;

    private static List<Structure> EvenlySpaced(IReadOnlyList<Structure> set, int count)
    {
        var subset = new List<Structure>(count);
        for (int k = 0; k < count; k++) subset.Add(set[(int)((long)k * set.Count / count)]);
        return subset;
    }

    /// <summary>
    /// Creates the trainer; its label checks (a structure without energy or forces) throw <see cref="ArgumentException"/>,
    /// which is bad input (exit 2) naming the files, not an internal error.
    /// </summary>
    /// <summary>Isolated-atom frames that cannot serve as E0s (no energy, conflicting values) are bad input (exit 2) naming the file.</summary>
    private static TResult BadInput<TResult>(Func<TResult> read, string source)
    {
        try
        {
            return read();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    private static Trainer LabelChecked(Func<Trainer> create, string trainPath, string valPath)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"--train {trainPath}, --val {valPath}: {e.Message}", e);
        }
    }

    private static List<Structure> Read(string path, CommandContext context, string what, ExtXyzReaderOptions options)
    {
        var list = StructureFiles.ReadAll(path, options);
        LabelUnitOptions.WarnAboutUnits(list, path, context.Error);
        if (context.Verbose) context.Error.WriteLine($"catpot: {what}: {path}: {list.Count} structures");
        return list;
    }
}
