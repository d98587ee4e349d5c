using CatPot.Performance;
using Xunit;

namespace CatPot.Tests.Performance;

public class ModelBenchmarkTests
{
    [Fact]
    public void Reports_the_peer_fields_and_the_gemm_work_of_each_call()
    {
        // Few steps and calls on the embedded sample: checks the report's shape and internal consistency, not speed.
        var json = ModelBenchmark.Run(new ModelBenchmarkOptions
        {
            DataPath = "sample:val", MaxAtoms = 300, Steps = 2, Warmup = 1, Reps = 3, LatencyWarmup = 1, Threads = 1, MaxStructures = 60,
        });
        var train = json["train"]!;
        Assert.True(train["step"]!["median_s"]!.GetValue<double>() > 0);
        Assert.True(train["gemm_gflop_per_step"]!.GetValue<double>() > 0);
        var inference = json["inference"]!;
        double direct = inference["energy_direct_forces"]!["gemm_gflop"]!.GetValue<double>();
        double conservative = inference["energy_conservative_forces"]!["gemm_gflop"]!.GetValue<double>();
        // Conservative forces need the forward pass without the force head, twice; direct forces the forward with it.
        Assert.InRange(conservative / direct, 1.5, 2.0);
        foreach (string name in new[] { "energy_direct_forces", "energy_conservative_forces" })
        {
            var e = inference[name]!;
            double rate = e["gemm_gflops_at_median"]!.GetValue<double>();
            Assert.Equal(e["gemm_gflop"]!.GetValue<double>() / e["median_s"]!.GetValue<double>(), rate, 1e-9 * rate);
            Assert.Equal(rate / json["gemm"]!["gflops"]!.GetValue<double>(), e["fraction_of_gemm_rate"]!.GetValue<double>(), 1e-12);
        }
        Assert.True(inference["n_atoms"]!.GetValue<int>() > 0);
    }
}
