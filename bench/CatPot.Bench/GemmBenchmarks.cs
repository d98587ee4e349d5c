using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CatPot.Tensors;
using CatPot.Tensors.Kernels;

namespace CatPot.Bench;

/// <summary>
/// float32 GEMM at the model's shapes on 2 threads. Compare with bench/gemm_torch.py through bench/run-gemm-bench.sh.
/// Run: dotnet run -c Release --project bench/CatPot.Bench -- --filter '*Gemm*'
/// </summary>
[Config(typeof(GemmBenchmarkConfig))]
public class GemmBenchmarks
{
    private float[] a = [];
    private float[] b = [];
    private float[] c = [];

    /// <summary>Shapes to run.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.ModelShapes;

    /// <summary>The product being measured.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.ModelShapes[0];

    /// <summary>Random operands, 2 threads like the PyTorch side.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TensorThreading.MaxThreads = 2;
        var rng = new Random(42);
        a = Enumerable.Range(0, Shape.M * Shape.K).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        b = Enumerable.Range(0, Shape.K * Shape.N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        c = new float[Shape.M * Shape.N];
    }

    /// <summary>C = op(A)·op(B).</summary>
    [Benchmark]
    public void Multiply() => Gemm.Multiply<float>(Shape.TransA, Shape.TransB, Shape.M, Shape.N, Shape.K, a, b, c);
}

/// <summary>Short, fixed job plus a GFLOP/s column computed from the median time.</summary>
internal sealed class GemmBenchmarkConfig : ManualConfig
{
    public GemmBenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1));
        AddColumn(new GemmGflopsColumn());
        AddColumn(StatisticColumn.Median);
    }
}

/// <summary>GFLOP/s = 2·m·n·k / median time.</summary>
internal sealed class GemmGflopsColumn : IColumn
{
    public string Id => nameof(GemmGflopsColumn);

    public string ColumnName => "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Billions of floating-point operations per second (2·m·n·k / median)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats || benchmarkCase.Parameters["Shape"] is not GemmShape shape)
        {
            return "-";
        }

        return (shape.Flops / stats.Median).ToString("F1");
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
