using System.CommandLine;
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
        var val = new Option<string>("--val") { Description = "Validation structures (model selection, early stopping).", DefaultValueFactory = _ => "sample:val" };
        var test = new Option<string?>("--test") { Description = "Test structures evaluated with the best model at the end ('none' to skip).", DefaultValueFactory = _ => "sample:test" };
        var head = new HeadOptions(Models.Heads.EnergyHeads.DefaultName);
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => DefaultEpochs };
        var maxAtoms = new Option<int>("--max-atoms") { Description = "Atom budget per batch.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of weights and shuffles; same seed, same run, bit for bit.", DefaultValueFactory = _ => 0UL };
        var output = new Option<string>("--out") { Description = "Output directory (model.safetensors, last.safetensors, checkpoint.safetensors, metrics.jsonl, test-metrics.json).", DefaultValueFactory = _ => "catpot-run" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its checkpoint (same data)." };
        var conservative = new Option<bool>("--conservative") { Description = "Train on conservative forces −∂E/∂R (double backward) instead of the direct force head." };
        var features = new Option<int>("--features") { Description = "PaiNN width F.", DefaultValueFactory = _ => 128 };
        var layers = new Option<int>("--layers") { Description = "PaiNN layers L.", DefaultValueFactory = _ => 3 };
        var rbf = new Option<int>("--rbf") { Description = "Radial basis size n_rbf.", DefaultValueFactory = _ => 20 };
        var cutoff = new Option<double>("--cutoff") { Description = "Cutoff r_c (Å).", DefaultValueFactory = _ => 5.0 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (AdamW).", DefaultValueFactory = _ => 8e-4 };
        var wd = new Option<double>("--weight-decay") { Description = "AdamW weight decay (not on biases).", DefaultValueFactory = _ => 1e-3 };
        var lambdaE = new Option<double>("--lambda-e") { Description = "Energy loss weight λ_E.", DefaultValueFactory = _ => 1.0 };
        var lambdaF = new Option<double>("--lambda-f") { Description = "Force loss weight λ_F.", DefaultValueFactory = _ => 1.0 };
        var ema = new Option<double>("--ema-decay") { Description = "EMA decay of the weights used for validation and saving.", DefaultValueFactory = _ => 0.999 };
        var emaWarmup = new Option<bool>("--ema-warmup") { Description = "Warm the EMA up (decay min(d, (1+n)/(10+n))); false = constant decay as in the contract and the PyTorch peer.", DefaultValueFactory = _ => true };
        var clip = new Option<double>("--clip-norm") { Description = "Global gradient-norm clipping.", DefaultValueFactory = _ => 100.0 };
        var warmup = new Option<double>("--warmup-epochs") { Description = "Minimum warm-up length in epochs (the warm-up is at least 1 % of all steps).", DefaultValueFactory = _ => 1.0 };
        var patience = new Option<int?>("--patience") { Description = "Early stopping: stop after this many epochs without validation improvement." };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (results do not depend on it).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var microBatches = new Option<int?>("--micro-batches") { Description = "Split every batch into this many micro-batches of about equal atoms and sum their gradients in a fixed order (default: 1, or the number of MPI ranks). The same value gives bit-identical weights on any number of ranks." };
        var byIndex = new Option<bool>("--read-by-index") { Description = "Read training structures by index from disk as batches need them (.aselmdb shards, or uncompressed extxyz through a cached byte-offset index) instead of loading the set into memory; neighbour lists are then built per batch." };
        var json = StandardOptions.CreateJson("Print the test report as JSON instead of tables.");

        var command = new Command("train", "Train a CatPot model (any energy head of --head, direct or conservative forces) and print per-domain test errors.")
        {
            train, val, test, epochs, maxAtoms, seed, output, resume, conservative,
            features, layers, rbf, cutoff, lr, wd, lambdaE, lambdaF, ema, emaWarmup, clip, warmup, patience, threads, microBatches, byIndex, json,
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
                int code = CommandFailure.Report(e, parseResult.InvocationConfiguration.Error, parseResult.GetValue(StandardOptions.Verbose));
                communicator.Abort($"catpot: rank {communicator.Rank} of {communicator.Size} failed (above); aborting all ranks.", code);
                return Task.FromResult(code);
            }
        });
        return command;

        Task<int> Run(ParseResult parseResult, CommandContext context, Communicator communicator, CancellationToken cancellationToken)
        {
            string outDir = parseResult.GetValue(output)!;
            var options = new TrainingOptions
            {
                Model = new PotentialConfig
                {
                    Features = parseResult.GetValue(features),
                    Layers = parseResult.GetValue(layers),
                    RadialBasis = parseResult.GetValue(rbf),
                    Cutoff = parseResult.GetValue(cutoff),
                    Head = head.Parse(parseResult),
                },
                Epochs = parseResult.GetValue(epochs),
                MaxAtoms = parseResult.GetValue(maxAtoms),
                Seed = parseResult.GetValue(seed),
                LearningRate = parseResult.GetValue(lr),
                WeightDecay = parseResult.GetValue(wd),
                EnergyWeight = parseResult.GetValue(lambdaE),
                ForceWeight = parseResult.GetValue(lambdaF),
                EmaDecay = parseResult.GetValue(ema),
                EmaWarmup = parseResult.GetValue(emaWarmup),
                ClipNorm = parseResult.GetValue(clip),
                MinWarmupEpochs = parseResult.GetValue(warmup),
                EarlyStoppingPatience = parseResult.GetValue(patience),
                ConservativeForces = parseResult.GetValue(conservative),
                Threads = parseResult.GetValue(threads),
                MicroBatches = parseResult.GetValue(microBatches) ?? communicator.Size,
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new CommandLineUsageException(e.Message);
            }

            using var indexed = parseResult.GetValue(byIndex) ? IndexedStructures.Open(parseResult.GetValue(train)!) : null;
            IReadOnlyList<Structure> trainSet = indexed ?? (IReadOnlyList<Structure>)Read(parseResult.GetValue(train)!, context, "training");
            var valSet = Read(parseResult.GetValue(val)!, context, "validation");
            string? testPath = parseResult.GetValue(test);
            var testSet = testPath is null or "none" ? null : Read(testPath, context, "test");

            Trainer trainer;
            if (parseResult.GetValue(resume))
            {
                trainer = LabelChecked(() => Trainer.Resume(outDir, trainSet, valSet, communicator), parseResult.GetValue(train)!, parseResult.GetValue(val)!);
                context.Error.WriteLine($"catpot: resuming {outDir} after epoch {trainer.EpochsDone} of {trainer.Options.Epochs}");
            }
            else
            {
                if (File.Exists(Path.Combine(outDir, Trainer.CheckpointFileName)))
                    throw new CommandLineUsageException($"{outDir} already holds a training run; continue it with --resume or choose another --out (nothing was overwritten).");
                // Every rank has looked before rank 0 creates anything.
                communicator.Barrier("start of training");
                trainer = LabelChecked(() => new Trainer(options, trainSet, valSet, outDir, communicator), parseResult.GetValue(train)!, parseResult.GetValue(val)!);
            }
            context.Error.WriteLine($"catpot: {trainer.Model.Parameters.ScalarCount:N0} parameters, {trainer.Model.Config.Head.Label} head, {trainSet.Count} training / {valSet.Count} validation structures, {trainer.TotalSteps} steps"
                + (communicator.Size > 1 || trainer.Options.MicroBatches > 1 ? $", {trainer.Options.MicroBatches} micro-batches per batch on {communicator.Size} rank(s)" : ""));

            long done = trainer.History.Count == 0 ? 0 : trainer.History[^1].Step;
            new TrainingProgressView(context).Run(trainer.TotalSteps, done, (progress, epochDone) =>
                trainer.Run(progress, epochDone, cancellation: cancellationToken));
            if (trainer.EarlyStopped) context.Error.WriteLine("catpot: stopped early (no validation improvement).");
            context.Error.WriteLine($"catpot: models and checkpoint in {outDir}");

            if (testSet is null) return Task.FromResult(ExitCodes.Ok);
            var best = PotentialFile.Load<float>(Path.Combine(outDir, Trainer.ModelFileName));
            var predictions = DistributedPrediction.Predict(communicator, best, testSet, trainer.Options.ConservativeForces, trainer.Options.MaxAtoms);
            if (!communicator.IsRoot) return Task.FromResult(ExitCodes.Ok);
            var report = EvaluationReport.Compute(PotentialPredictor.Compare(best, testSet, predictions));
            string reportPath = Path.Combine(outDir, "test-metrics.json");
            AtomicFile.WriteAllText(reportPath, report.ToJson());
            if (parseResult.GetValue(json)) context.Out.WriteLine(report.ToJson());
            else EvaluationTable.Render(report, context.CreateOutConsole(), $"Test set ({testPath}, best model, {(trainer.Options.ConservativeForces ? "conservative" : "direct")} forces)");
            return Task.FromResult(ExitCodes.Ok);
        }
    }

    /// <summary>
    /// Creates the trainer; its label checks (a structure without energy or forces) throw <see cref="ArgumentException"/>,
    /// which is bad input (exit 2) naming the files, not an internal error.
    /// </summary>
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

    private static List<Structure> Read(string path, CommandContext context, string what)
    {
        var list = StructureFiles.ReadAll(path);
        if (context.Verbose) context.Error.WriteLine($"catpot: {what}: {path}: {list.Count} structures");
        return list;
    }
}
