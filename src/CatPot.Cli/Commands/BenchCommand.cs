using System.CommandLine;
using System.Text.Json;
using CatPot.Models;
using CatPot.Performance;
using CatPot.Simulation;

namespace CatPot.Cli.Commands;

/// <summary><c>catpot bench</c>: training-step and single-molecule timings of the model, as JSON on stdout (fields of the PyTorch peer's bench_ref.py).</summary>
public static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Training data (extxyz): batches, statistics and the latency molecule (training and latency benchmark)." };
        var structure = new Option<string?>("--structure") { Description = "Time only inference on the first frame of this file (any size): energy + direct and energy + conservative forces, GFLOP/s, fraction of the GEMM rate, peak memory." };
        var modelFile = new Option<string?>("--model") { Description = "With --structure: model file to time (default: random weights, F = 128, L = 3)." };
        var forces = new Option<string>("--forces") { Description = "With --structure: which forces to time: direct, conservative or both.", DefaultValueFactory = _ => "both" };
        forces.AcceptOnlyFromAmong("direct", "conservative", "both");
        var path = new Option<string>("--path") { Description = "With --structure: auto (large-system path from 1,000 atoms), chunked or autodiff (the whole-graph path, for comparison).", DefaultValueFactory = _ => "auto" };
        path.AcceptOnlyFromAmong("auto", "chunked", "autodiff");
        var head = new HeadOptions(Models.Heads.HLGaussHeadConfig.HeadName);
        var maxAtoms = new Option<int>("--max-atoms") { Description = "Atom budget per training batch.", DefaultValueFactory = _ => 1000 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps.", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed training steps first.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads.", DefaultValueFactory = _ => 2 };
        var reps = new Option<int?>("--reps") { Description = "Timed repetitions of each latency measurement (default 200; 3 with --structure)." };
        var molecule = new Option<string?>("--molecule") { Description = "Molecule file (extxyz) whose first frame is used for latency; default: the frame of --data closest to 21 atoms." };
        var seed = new Option<int>("--seed") { Description = "Seed of weights and batch shuffle.", DefaultValueFactory = _ => 0 };
        var maxStructures = new Option<int>("--max-structures") { Description = "Read only the first N frames of --data (0 = all).", DefaultValueFactory = _ => 0 };
        var backbone = new Option<string>("--backbone") { Description = "Training and latency benchmark: painn or painn-t2 (with rank-2 tensor features).", DefaultValueFactory = _ => "painn" };
        backbone.AcceptOnlyFromAmong("painn", "painn-t2");
        var tensorChannels = new Option<int>("--tensor-channels") { Description = "With --backbone painn-t2: channels C of the rank-2 features.", DefaultValueFactory = _ => 32 };
        var command = new Command("bench", "Time training steps and single-molecule inference of a random-weight model, or inference on one structure of any size (--structure); prints JSON.")
        {
            data, structure, modelFile, forces, path, maxAtoms, steps, warmup, threads, reps, molecule, seed, maxStructures, backbone, tensorChannels,
        };
        foreach (var option in head.All) command.Options.Add(option);
        command.SetAction(parseResult =>
        {
            var context = CommandContext.From(parseResult);
            if (parseResult.GetValue(structure) is { } structurePath)
            {
                string which = parseResult.GetValue(forces)!;
                var structureOptions = new StructureBenchmarkOptions
                {
                    StructurePath = structurePath,
                    ModelPath = parseResult.GetValue(modelFile),
                    Threads = parseResult.GetValue(threads),
                    Reps = parseResult.GetValue(reps) ?? 3,
                    Direct = which != "conservative",
                    Conservative = which != "direct",
                    Seed = (ulong)Math.Max(0, parseResult.GetValue(seed)),
                    ChunkedFromAtoms = parseResult.GetValue(path) switch
                    {
                        "chunked" => 0,
                        "autodiff" => int.MaxValue,
                        _ => PotentialCalculator<float>.DefaultChunkedFromAtoms,
                    },
                };
                // A missing file propagates to CommandFailure (exit 2), like every other command.
                var report = StructureBenchmark.Run(structureOptions, context.Error);
                context.Out.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            if (parseResult.GetValue(data) is null)
                throw new CommandLineUsageException("catpot bench needs --data FILE (training and latency benchmark) or --structure FILE (inference on one structure).");
            var options = new ModelBenchmarkOptions
            {
                DataPath = parseResult.GetValue(data)!,
                Head = head.Parse(parseResult),
                MaxAtoms = parseResult.GetValue(maxAtoms),
                Steps = parseResult.GetValue(steps),
                Warmup = parseResult.GetValue(warmup),
                Threads = parseResult.GetValue(threads),
                Reps = parseResult.GetValue(reps) ?? 200,
                MoleculePath = parseResult.GetValue(molecule),
                Seed = (ulong)Math.Max(0, parseResult.GetValue(seed)),
                MaxStructures = parseResult.GetValue(maxStructures),
                TensorChannels = parseResult.GetValue(backbone) == "painn-t2" ? parseResult.GetValue(tensorChannels) : 0,
            };
            // A missing file propagates to CommandFailure (exit 2), like every other command.
            var json = ModelBenchmark.Run(options, context.Error);
            context.Out.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        });
        return command;
    }
}
