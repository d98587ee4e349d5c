using System.Diagnostics;
using CatPot.Data;
using CatPot.IO;
using CatPot.Models;
using CatPot.Tests.Training;
using Xunit;

namespace CatPot.Tests.Distributed;

/// <summary>
/// <c>catpot train</c> as separate processes: under <c>mpirun</c> with 2 ranks, against one process with 2 micro-batches
/// (bit-identical) and one plain process (≤ 1e-5 relative). Where Open MPI is not installed, the single-process
/// comparison still runs and the MPI part is replaced by the missing-library check; on CI (CI=true) Open MPI is required.
/// </summary>
public sealed class MpiTrainingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "catpot-mpi-" + Guid.NewGuid().ToString("N"));

    public MpiTrainingTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "CatPot.Cli.dll");

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    internal static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    internal static (int Code, string Output) Start(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, int timeoutSeconds = 600)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var v in new[] { "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMIX_SIZE", "PMI_RANK", "PMI_SIZE" }) start.Environment.Remove(v);
        if (environment is not null) foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeoutSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private string[] TrainArguments(string data, string output, params string[] extra) =>
    [
        "train", "--train", data, "--val", data, "--test", data, "--features", "8", "--layers", "1", "--rbf", "4", "--bins", "16",
        "--epochs", "2", "--max-atoms", "150", "--seed", "7", "--threads", "1", "--json", "--out", Path.Combine(_dir, output), .. extra,
    ];

    private string WriteData()
    {
        string path = Path.Combine(_dir, "data.extxyz");
        ExtXyzWriter.WriteFile(path, TrainerTests.Sample(SampleData.OpenTrain, 30));
        return path;
    }

    [Fact]
    public void Two_ranks_equal_two_micro_batches_bit_for_bit_and_the_plain_batch_to_1e5()
    {
        string data = WriteData();
        var plain = Start(Dotnet, [Cli, .. TrainArguments(data, "plain")]);
        Assert.True(plain.Code == 0, plain.Output);
        var micro = Start(Dotnet, [Cli, .. TrainArguments(data, "micro", "--micro-batches", "2")]);
        Assert.True(micro.Code == 0, micro.Output);
        Assert.Contains("2 micro-batches per batch on 1 rank(s)", micro.Output, StringComparison.Ordinal);
        double relative = RelativeDifference(Path.Combine(_dir, "plain", "last.safetensors"), Path.Combine(_dir, "micro", "last.safetensors"));
        Assert.True(relative is > 0 and <= 1e-5, $"relative weight difference {relative:E2}");

        string? mpirun = FindOnPath("mpirun");
        if (mpirun is null)
        {
            Assert.False(OnCi, "CI=true but mpirun is not on PATH: .ci/run installs Open MPI (apt-get install openmpi-bin libopenmpi-dev).");
            return; // the missing-MPI message is checked by the test below
        }
        var ranks = Start(mpirun, ["--allow-run-as-root", "--oversubscribe", "-np", "2", Dotnet, Cli, .. TrainArguments(data, "ranks")]);
        Assert.True(ranks.Code == 0, ranks.Output);
        Assert.Contains("2 micro-batches per batch on 2 rank(s)", ranks.Output, StringComparison.Ordinal);
        foreach (var file in new[] { "last.safetensors", "model.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "micro", file)), File.ReadAllBytes(Path.Combine(_dir, "ranks", file)));
        // The test report (split over the ranks, gathered exactly) is the single process's, number for number.
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "micro", "test-metrics.json")), File.ReadAllText(Path.Combine(_dir, "ranks", "test-metrics.json")));
    }

    [Fact]
    public void Under_a_launcher_without_an_MPI_library_train_says_what_to_install()
    {
        string data = WriteData();
        var run = Start(Dotnet, [Cli, .. TrainArguments(data, "none")], new Dictionary<string, string>
        {
            ["OMPI_COMM_WORLD_SIZE"] = "2",
            ["OMPI_COMM_WORLD_RANK"] = "0",
            ["CATPOT_MPI_LIBRARY"] = "libmpi-not-installed.so.40",
        });
        Assert.True(run.Code == 3, run.Output);
        Assert.Contains("catpot: error: this process was started by an MPI launcher (OMPI_COMM_WORLD_SIZE=2", run.Output, StringComparison.Ordinal);
        Assert.Contains("'libmpi-not-installed.so.40' cannot be loaded", run.Output, StringComparison.Ordinal);
        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "none")), "nothing is written when MPI cannot start");
    }

    internal static double RelativeDifference(string a, string b)
    {
        var x = SafeTensorsFile.Read(a);
        var y = SafeTensorsFile.Read(b);
        double diff = 0, norm = 0;
        foreach (var (name, entry) in x.Tensors)
        {
            var u = entry.ToSingleArray();
            var v = y.Tensors[name].ToSingleArray();
            for (int i = 0; i < u.Length; i++)
            {
                diff += Math.Pow(u[i] - v[i], 2);
                norm += Math.Pow(u[i], 2);
            }
        }
        return Math.Sqrt(diff / norm);
    }
}
