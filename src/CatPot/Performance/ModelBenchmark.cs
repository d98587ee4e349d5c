using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Graphs;
using CatPot.IO;
using CatPot.Models;
using CatPot.Tensors;
using CatPot.Tensors.Kernels;
using CatPot.Tensors.Optim;
using CatPot.Training;

namespace CatPot.Performance;

/// <summary>
/// Times the model the way the PyTorch peer's <c>bench_ref.py</c> does and reports the same JSON fields:
/// training steps (forward + loss + backward + AdamW, direct forces, on prebuilt batches with cached neighbour
/// lists) and the latency of one molecule (neighbour list + forward, with direct or conservative forces).
/// </summary>
/// <remarks>
/// Random seeded weights, statistics from <see cref="DatasetStatistics.Compute"/> on the data. Every section
/// records the CPU that other processes used while it ran (from /proc/stat), because the numbers mean little
/// on a loaded machine. GEMM FLOPs are counted from the layer shapes and compared with the measured rate of
/// one representative GEMM.
/// </remarks>
public static class ModelBenchmark
{
    /// <summary>Runs the benchmark and returns the JSON report.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="log">Progress messages (stderr in the CLI), or null.</param>
    /// <exception cref="FileNotFoundException">A data file does not exist.</exception>
    public static JsonObject Run(ModelBenchmarkOptions options, TextWriter? log = null)
    {
        TensorThreading.MaxThreads = options.Threads;
        var res = new JsonObject
        {
            ["implementation"] = "CatPot (C#)",
            ["dotnet"] = Environment.Version.ToString(),
            ["threads"] = options.Threads,
            ["gemm_kernel"] = Gemm.ActiveKernel,
            ["n_cpus"] = Environment.ProcessorCount,
            ["loadavg_before"] = LoadAverage(),
        };
        var t0 = Stopwatch.GetTimestamp();
        var structures = StructureFiles.ReadAll(options.DataPath, ExtXyzReaderOptions.ForModel);
        if (options.MaxStructures > 0 && structures.Count > options.MaxStructures) structures = structures.GetRange(0, options.MaxStructures);
        res["data"] = new JsonObject
        {
            ["file"] = options.DataPath,
            ["n_structures"] = structures.Count,
            ["read_s"] = Stopwatch.GetElapsedTime(t0).TotalSeconds,
            ["mean_atoms"] = structures.Average(s => s.AtomCount),
        };

        var dataStats = DatasetStatistics.Compute(structures);
        var normalised = new double[structures.Count];
        for (int k = 0; k < structures.Count; k++)
            normalised[k] = structures[k].Energy is null ? 0 : (dataStats.PerAtomReferencedEnergy(structures[k]) - dataStats.Mu) / dataStats.Sd;
        var (lo, hi) = HLGaussSupport.RangeFromTargets(normalised);
        var stats = new PotentialStatistics
        {
            ElementReferences = dataStats.ReferenceEnergies,
            Mu = dataStats.Mu,
            Sd = dataStats.Sd,
            Lo = lo,
            Hi = hi,
            ForceRms = dataStats.ForceRms > 0 ? dataStats.ForceRms : 1,
        };
        var config = new PotentialConfig { Head = options.Head.Fit(normalised, stats), TensorChannels = options.TensorChannels };
        var model = new Potential<float>(config, stats);
        model.InitializeParameters(options.Seed);
        res["model"] = new JsonObject
        {
            ["head"] = config.Head.Name,
            ["head_label"] = config.Head.Label,
            ["F"] = config.Features,
            ["L"] = config.Layers,
            ["bins"] = model.Head.BinCount,
            ["params"] = model.Parameters.ScalarCount,
        };

        log?.WriteLine($"bench: {structures.Count} structures read; training steps...");
        var c0 = CpuSnapshot.Take();
        var train = BenchTrain(options, structures, normalised, model);
        var c1 = CpuSnapshot.Take();
        train["other_processes_cpu_cores"] = CpuSnapshot.OtherLoad(c0, c1);
        res["train"] = train;

        log?.WriteLine("bench: latency...");
        var molecule = LatencyMolecule(options, structures, out int frameIndex);
        var inference = BenchLatency(options, molecule, model);
        inference["frame_index"] = frameIndex;
        inference["source"] = options.MoleculePath ?? options.DataPath;
        var c2 = CpuSnapshot.Take();
        inference["other_processes_cpu_cores"] = CpuSnapshot.OtherLoad(c1, c2);
        res["inference"] = inference;

        res["gemm"] = MeasureGemmRate(train);
        double gemmRate = res["gemm"]!["gflops"]!.GetValue<double>();
        int latencyAtoms = inference["n_atoms"]!.GetValue<int>(), latencyEdges = inference["n_edges"]!.GetValue<int>();
        foreach (var (name, flops) in new[]
                 {
                     ("energy_direct_forces", GemmFlops.Forward(model.Config, latencyAtoms, latencyEdges, directForces: true)),
                     ("energy_conservative_forces", GemmFlops.ConservativeForces(model.Config, latencyAtoms, latencyEdges)),
                 })
        {
            var entry = inference[name]!.AsObject();
            double rate = flops / 1e9 / entry["median_s"]!.GetValue<double>();
            entry["gemm_gflop"] = flops / 1e9;
            entry["gemm_gflops_at_median"] = rate;
            entry["fraction_of_gemm_rate"] = rate / gemmRate;
        }
        res["loadavg_after"] = LoadAverage();
        return res;
    }

    private static JsonObject BenchTrain(ModelBenchmarkOptions options, List<Structure> structures, double[] normalised, Potential<float> model)
    {
        var config = model.Config;
        var cache = new NeighborListCache(structures, config.Cutoff);
        var planner = new BatchPlanner(options.Seed, options.MaxAtoms);
        var counts = structures.Select(s => s.AtomCount).ToArray();
        int need = options.Steps + options.Warmup;
        var batches = new List<int[]>();
        for (int epoch = 0; batches.Count < need; epoch++)
        {
            var plan = planner.Plan(counts, epoch);
            if (plan.Batches.Count == 0) throw new InvalidOperationException("No batch fits the atom budget.");
            batches.AddRange(plan.Batches.Take(need - batches.Count));
        }
        var collateTimes = new List<double>();
        var graphs = new List<GraphBatch>();
        foreach (var b in batches)
        {
            long tc = Stopwatch.GetTimestamp();
            graphs.Add(GraphBatch.Create(structures, b, cache));
            collateTimes.Add(Stopwatch.GetElapsedTime(tc).TotalSeconds);
        }

        var parameters = model.Parameters.Items.Select(p => new Parameter(p.Name, p.Tensor, p.Decay)).ToList();
        var optimizer = new AdamW(parameters, learningRate: 5e-4, weightDecay: 0.01);
        float eps = (float)config.Eps;
        var phases = new[] { "input", "forward", "loss", "backward", "adamw" };
        var phaseTimes = phases.ToDictionary(p => p, _ => new List<double>());
        var stepTimes = new List<double>();
        var arena = new TensorArena();
        // Direct forces (the phases above), then the same batches trained on conservative forces (createGraph backward,
        // then backward again), so the two step times come from one run.
        var conservativeTimes = new List<double>();
        var conservativePhaseTimes = phases.ToDictionary(p => p, _ => new List<double>());
        foreach (bool conservative in new[] { false, true })
        {
            for (int k = 0; k < graphs.Count; k++)
            {
                var g = graphs[k];
                using var scope = arena.Use();
                var marks = new long[6];
                marks[0] = Stopwatch.GetTimestamp();
                var input = ModelInput<float>.FromBatch(g);
                marks[1] = Stopwatch.GetTimestamp();
                var output = model.Forward(input, directForces: !conservative, conservativeForces: conservative, createGraph: conservative);
                marks[2] = Stopwatch.GetTimestamp();
                var targets = new double[g.StructureCount];
                for (int s = 0; s < g.StructureCount; s++) targets[s] = normalised[g.StructureIndices[s]];
                var energyLoss = model.Head.Loss(output.Head, targets);
                var reference = new Tensor<float>(g.Forces ?? new float[3 * g.AtomCount], g.AtomCount, 3);
                var loss = energyLoss + PotentialLoss.ForceL2Mae(conservative ? output.ConservativeForces! : output.DirectForces!, reference, input, eps);
                marks[3] = Stopwatch.GetTimestamp();
                optimizer.ZeroGrad();
                Autograd.Backward(loss);
                marks[4] = Stopwatch.GetTimestamp();
                optimizer.Step();
                marks[5] = Stopwatch.GetTimestamp();
                if (k < options.Warmup) continue;
                if (conservative)
                {
                    for (int p = 0; p < phases.Length; p++) conservativePhaseTimes[phases[p]].Add(Seconds(marks[p], marks[p + 1]));
                    conservativeTimes.Add(Seconds(marks[0], marks[5]));
                    continue;
                }
                for (int p = 0; p < phases.Length; p++) phaseTimes[phases[p]].Add(Seconds(marks[p], marks[p + 1]));
                stepTimes.Add(Seconds(marks[0], marks[5]));
            }
        }

        var timed = graphs.Skip(options.Warmup).ToList();
        double total = stepTimes.Sum();
        double median = TimingStatistics.Median(stepTimes);
        double meanStructures = timed.Average(g => g.StructureCount), meanAtoms = timed.Average(g => g.AtomCount), meanEdges = timed.Average(g => g.EdgeCount);
        var phaseJson = new JsonObject();
        foreach (var p in phases) phaseJson[p] = TimingStatistics.Json(phaseTimes[p]);
        var conservativePhaseJson = new JsonObject();
        foreach (var p in phases) conservativePhaseJson[p] = TimingStatistics.Json(conservativePhaseTimes[p]);
        var flops = GemmFlops.TrainingStep(config, meanAtoms, meanEdges);
        return new JsonObject
        {
            ["step"] = TimingStatistics.Json(stepTimes),
            ["conservative_step"] = TimingStatistics.Json(conservativeTimes),
            ["conservative_phases"] = conservativePhaseJson,
            ["conservative_to_direct_step_ratio"] = TimingStatistics.Median(conservativeTimes) / median,
            ["phases"] = phaseJson,
            ["structures_per_s"] = timed.Sum(g => g.StructureCount) / total,
            ["atoms_per_s"] = timed.Sum(g => g.AtomCount) / total,
            ["structures_per_s_at_median"] = meanStructures / median,
            ["atoms_per_s_at_median"] = meanAtoms / median,
            ["mean_batch_structures"] = meanStructures,
            ["mean_batch_atoms"] = meanAtoms,
            ["mean_batch_edges"] = meanEdges,
            ["collate"] = TimingStatistics.Json(collateTimes.Skip(options.Warmup).ToList()),
            ["gemm_gflop_per_step"] = flops / 1e9,
            ["gemm_gflops_at_median"] = flops / 1e9 / median,
        };
    }

    private static Structure LatencyMolecule(ModelBenchmarkOptions options, List<Structure> structures, out int frameIndex)
    {
        if (options.MoleculePath is not null)
        {
            if (!File.Exists(options.MoleculePath)) throw new FileNotFoundException($"Molecule file '{options.MoleculePath}' does not exist.", options.MoleculePath);
            frameIndex = 0;
            return ExtXyzReader.ReadFrames(options.MoleculePath, ExtXyzReaderOptions.ForModel).First();
        }
        frameIndex = 0;
        for (int k = 1; k < structures.Count; k++)
            if (Math.Abs(structures[k].AtomCount - options.LatencyAtoms) < Math.Abs(structures[frameIndex].AtomCount - options.LatencyAtoms)) frameIndex = k;
        return structures[frameIndex];
    }

    private static JsonObject BenchLatency(ModelBenchmarkOptions options, Structure molecule, Potential<float> model)
    {
        var builder = new NeighborListBuilder(model.Config.Cutoff);
        Structure[] one = [molecule];
        // Inference: weights are constants, so only the positions path is recorded for conservative forces.
        model.Parameters.SetRequiresGrad(false);
        model.FreezeForInference(); // as PotentialCalculator does for MD
        double energy = 0;
        PotentialOutput<float> Direct()
        {
            using var noGrad = Autograd.NoGrad();
            var input = ModelInput<float>.FromBatch(GraphBatch.Create(one, builder));
            var o = model.Forward(input, directForces: true);
            energy = o.Energy[0];
            return o;
        }
        PotentialOutput<float> Conservative()
        {
            var input = ModelInput<float>.FromBatch(GraphBatch.Create(one, builder));
            var o = model.Forward(input, directForces: false, conservativeForces: true);
            energy = o.Energy[0];
            return o;
        }
        var res = new JsonObject
        {
            ["n_atoms"] = molecule.AtomCount,
            ["n_edges"] = builder.Build(molecule).EdgeCount,
        };
        // At the requested thread count (the peer's fields), then on one thread: kernels this small may run faster without dispatch.
        var oneThread = new JsonObject();
        foreach (int threads in new[] { options.Threads, 1 })
        {
            TensorThreading.MaxThreads = threads;
            var into = threads == options.Threads ? res : oneThread;
            foreach (var (name, fn) in new (string, Func<PotentialOutput<float>>)[] { ("energy_direct_forces", Direct), ("energy_conservative_forces", Conservative) })
            {
                // Tensor storage is recycled between calls, as PotentialCalculator does in a simulation.
                var arena = new TensorArena();
                for (int i = 0; i < options.LatencyWarmup; i++)
                {
                    using var scope = arena.Use();
                    fn();
                }
                var ts = new List<double>(options.Reps);
                for (int i = 0; i < options.Reps; i++)
                {
                    long t = Stopwatch.GetTimestamp();
                    using var scope = arena.Use();
                    fn();
                    ts.Add(Stopwatch.GetElapsedTime(t).TotalSeconds);
                }
                into[name] = TimingStatistics.Json(ts);
            }
        }
        TensorThreading.MaxThreads = options.Threads;
        res["one_thread"] = oneThread;
        res["energy_eV"] = energy;
        model.Unfreeze();
        model.Parameters.SetRequiresGrad(true);
        return res;
    }

    /// <summary>The rate of one GEMM of the model's most common shape ([atoms, F] · [F, 3F]) on this machine.</summary>
    private static JsonObject MeasureGemmRate(JsonObject train)
    {
        int m = (int)Math.Round(train["mean_batch_atoms"]!.GetValue<double>());
        double gflops = GemmRate(m, warmup: 20, reps: 50, out string shape);
        double stepRate = train["gemm_gflops_at_median"]!.GetValue<double>();
        return new JsonObject
        {
            ["shape"] = shape,
            ["gflops"] = gflops,
            ["training_step_fraction_of_gemm_rate"] = stepRate / gflops,
        };
    }

    /// <summary>
    /// Median rate (GFLOP/s) of one [m, F]·[F, 3F] product at F = 128, the model's commonest shape: the floor that the
    /// training and structure benchmarks report their own rates against.
    /// </summary>
    internal static double GemmRate(int m, int warmup, int reps, out string shape)
    {
        const int k = 128, n = 384;
        var a = new float[m * k];
        var b = new float[n * k];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (i % 17) * 0.01f;
        for (int i = 0; i < b.Length; i++) b[i] = (i % 13) * 0.01f;
        for (int i = 0; i < warmup; i++) Gemm.Multiply(false, true, m, n, k, a, b, c);
        var ts = new List<double>();
        for (int rep = 0; rep < reps; rep++)
        {
            long t = Stopwatch.GetTimestamp();
            Gemm.Multiply(false, true, m, n, k, a, b, c);
            ts.Add(Stopwatch.GetElapsedTime(t).TotalSeconds);
        }
        shape = string.Create(CultureInfo.InvariantCulture, $"{m}x{k} * {k}x{n}");
        return 2.0 * m * n * k / TimingStatistics.Median(ts) / 1e9;
    }

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    /// <summary>The 1/5/15-minute load averages (empty where /proc is not readable), recorded beside every timing.</summary>
    internal static JsonArray LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return [double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture)];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}
