using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.IO;
using CatPot.Models;
using CatPot.Simulation;
using CatPot.Tensors;
using CatPot.Tensors.Kernels;

namespace CatPot.Performance;

/// <summary>Settings of <see cref="StructureBenchmark"/>.</summary>
public sealed record StructureBenchmarkOptions
{
    /// <summary>Structure file; its first frame is timed.</summary>
    public required string StructurePath { get; init; }

    /// <summary>Model file, or null for random weights (seeded) of the default configuration (F = 128, L = 3).</summary>
    public string? ModelPath { get; init; }

    /// <summary>Kernel threads.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Timed calls per force kind (after one untimed warm-up call).</summary>
    public int Reps { get; init; } = 3;

    /// <summary>Time energy + direct forces.</summary>
    public bool Direct { get; init; } = true;

    /// <summary>Time energy + conservative forces.</summary>
    public bool Conservative { get; init; } = true;

    /// <summary>Seed of random weights.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Structures from this many atoms take the large-system path (<see cref="PotentialCalculator{T}.ChunkedFromAtoms"/>);
    /// 0 forces it, <see cref="int.MaxValue"/> forces the whole-graph autodiff path.
    /// </summary>
    public int ChunkedFromAtoms { get; init; } = PotentialCalculator<float>.DefaultChunkedFromAtoms;
}

/// <summary>
/// Times energy + direct forces and energy + conservative forces of one structure of any size, as a simulation calls the
/// model (<see cref="PotentialCalculator{T}"/>: neighbour list, model input, forward, backward for conservative forces;
/// buffers reused between calls), and reports the median call, the GEMM work per call and its rate against one
/// model-shaped GEMM measured in the same process, and the peak resident memory of each kind.
/// </summary>
/// <remarks>
/// Peak memory is the process's high-water mark (VmHWM), reset before each kind by writing 5 to /proc/self/clear_refs
/// after a full garbage collection, so each figure is the peak while that kind ran (including what the process already
/// held: runtime, structure, model). Where the reset is not possible the figure is the process peak so far.
/// </remarks>
public static class StructureBenchmark
{
    /// <summary>Runs the benchmark and returns the JSON report.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static JsonObject Run(StructureBenchmarkOptions options, TextWriter? log = null)
    {
        int threads = TensorThreading.MaxThreads;
        try
        {
            TensorThreading.MaxThreads = options.Threads;
            return RunAt(options, log);
        }
        finally
        {
            TensorThreading.MaxThreads = threads;
        }
    }

    private static JsonObject RunAt(StructureBenchmarkOptions options, TextWriter? log)
    {
        if (!File.Exists(options.StructurePath)) throw new FileNotFoundException($"Structure file '{options.StructurePath}' does not exist.", options.StructurePath);
        var structure = StructureFiles.Read(options.StructurePath, ExtXyzReaderOptions.ForModel).First();
        Potential<float> model;
        if (options.ModelPath is not null)
        {
            if (!File.Exists(options.ModelPath)) throw new FileNotFoundException($"Model file '{options.ModelPath}' does not exist.", options.ModelPath);
            model = PotentialFile.Load<float>(options.ModelPath);
        }
        else
        {
            model = new Potential<float>(new PotentialConfig(), new PotentialStatistics
            {
                ElementReferences = new double[119], Mu = 0, Sd = 1, Lo = -5, Hi = 5, ForceRms = 1,
            });
            model.InitializeParameters(options.Seed);
        }
        int edges = new NeighborListBuilder(model.Config.Cutoff).Build(structure).EdgeCount;
        var res = new JsonObject
        {
            ["implementation"] = "CatPot (C#)",
            ["structure"] = options.StructurePath,
            ["model"] = options.ModelPath ?? $"random weights (seed {options.Seed})",
            ["F"] = model.Config.Features,
            ["L"] = model.Config.Layers,
            ["n_atoms"] = structure.AtomCount,
            ["n_edges"] = edges,
            ["threads"] = options.Threads,
            ["path"] = structure.AtomCount >= options.ChunkedFromAtoms ? "chunked" : "autodiff",
            ["gemm_kernel"] = Gemm.ActiveKernel,
            ["loadavg_before"] = ModelBenchmark.LoadAverage(),
        };
        log?.WriteLine($"bench: {structure.AtomCount} atoms, {edges} edges");
        double gemmRate = ModelBenchmark.GemmRate(Math.Clamp(structure.AtomCount, 64, 8192), warmup: 5, reps: 30, out string shape);
        res["gemm"] = new JsonObject { ["shape"] = shape, ["gflops"] = gemmRate };

        var kinds = new List<(string Name, ForceSource Source, double Flops)>();
        if (options.Direct) kinds.Add(("energy_direct_forces", ForceSource.Direct, GemmFlops.Forward(model.Config, structure.AtomCount, edges, directForces: true)));
        if (options.Conservative) kinds.Add(("energy_conservative_forces", ForceSource.Conservative, GemmFlops.ConservativeForces(model.Config, structure.AtomCount, edges)));
        foreach (var (name, source, flops) in kinds)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            bool reset = ResetPeakMemory();
            var c0 = CpuSnapshot.Take();
            var calculator = new PotentialCalculator<float>(model, source) { ChunkedFromAtoms = options.ChunkedFromAtoms };
            var result = new CalculationResult(structure.AtomCount);
            long t = Stopwatch.GetTimestamp();
            calculator.Calculate(structure, result);
            double first = Stopwatch.GetElapsedTime(t).TotalSeconds;
            var times = new List<double>();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            int gen2 = GC.CollectionCount(2);
            for (int r = 0; r < options.Reps; r++)
            {
                t = Stopwatch.GetTimestamp();
                calculator.Calculate(structure, result);
                times.Add(Stopwatch.GetElapsedTime(t).TotalSeconds);
            }
            var c1 = CpuSnapshot.Take();
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            double cpuPerCall = options.Reps > 0 ? (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / options.Reps : double.NaN;
            gen2 = GC.CollectionCount(2) - gen2;
            var gcInfo = GC.GetGCMemoryInfo();
            double median = TimingStatistics.Median(times);
            var entry = TimingStatistics.Json(times);
            entry["first_call_s"] = first;
            // CPU seconds of this process per call (all threads, helpers' polling included): on a machine shared with other
            // jobs the wall time stretches with the load, this much less.
            entry["cpu_s_per_call"] = cpuPerCall;
            entry["per_atom_us"] = median / structure.AtomCount * 1e6;
            entry["gemm_gflop"] = flops / 1e9;
            entry["gemm_gflops_at_median"] = flops / 1e9 / median;
            entry["fraction_of_gemm_rate"] = flops / 1e9 / median / gemmRate;
            entry["peak_rss_gb"] = PeakResidentBytes() / 1e9;
            entry["peak_rss_reset"] = reset;
            entry["allocated_per_call_mb"] = options.Reps > 0 ? allocated / 1e6 / options.Reps : double.NaN;
            entry["gen2_collections"] = gen2;
            entry["gc_heap_gb_after"] = gcInfo.HeapSizeBytes / 1e9;
            entry["gc_committed_gb_after"] = gcInfo.TotalCommittedBytes / 1e9;
            entry["energy_eV"] = result.Energy;
            entry["max_force_eV_per_A"] = result.MaxForceNorm();
            entry["other_processes_cpu_cores"] = CpuSnapshot.OtherLoad(c0, c1);
            res[name] = entry;
            log?.WriteLine($"bench: {name}: median {median:F3} s, peak {PeakResidentBytes() / 1e9:F2} GB");
        }
        res["loadavg_after"] = ModelBenchmark.LoadAverage();
        return res;
    }

    private static bool ResetPeakMemory()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>VmHWM from /proc/self/status, or the runtime's peak working set elsewhere.</summary>
    private static long PeakResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
