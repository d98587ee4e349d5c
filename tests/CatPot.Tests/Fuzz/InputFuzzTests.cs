using System.Diagnostics;
using System.Globalization;
using CatPot.Tests.Cli;
using Xunit;

namespace CatPot.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of every input format (see <see cref="InputFuzzer"/>): no case may end in an internal error
/// (exit 3) or run past the hang limit. The default is a small case count per format; <c>tools/fuzz_inputs.sh</c>
/// sets CATPOT_FUZZ_CASES (e.g. 10000), CATPOT_FUZZ_SEED and CATPOT_FUZZ_REPORT (a folder for the JSON reports).
/// </summary>
public class InputFuzzTests
{
    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("CATPOT_FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 40;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("CATPOT_FUZZ_SEED"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int s) ? s : 14;

    [Theory]
    [InlineData("extxyz")]
    [InlineData("safetensors")]
    [InlineData("aselmdb")]
    [InlineData("ase-db-sqlite")]
    [InlineData("ase-db-json")]
    [InlineData("ipi")]
    [InlineData("prediction")]
    public void MutatedInputs_NeverEndInAnInternalErrorOrAHang(string format)
    {
        string? folder = Environment.GetEnvironmentVariable("CATPOT_FUZZ_REPORT") is { Length: > 0 } f ? f : null;
        using var fuzzer = new InputFuzzer(CliFixtures.Root, TimeSpan.FromSeconds(60)) { FailureFolder = folder is null ? null : Path.Combine(folder, "failures") };
        var result = fuzzer.Run(format, Cases, Seed);
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
            using var process = Process.GetCurrentProcess();
            File.WriteAllText(Path.Combine(folder, format + ".json"), InputFuzzer.ToJson([result], Seed, process.PeakWorkingSet64));
        }
        Assert.Equal(Cases, result.Cases);
        Assert.True(result.InternalErrors == 0 && result.Hangs == 0,
            $"{result.InternalErrors} internal errors, {result.Hangs} hangs in {result.Cases} {format} cases:\n" + string.Join('\n', result.Failures.Take(20)));
        // The seeds are valid, so some cases must still be accepted and mutations must be refused: the harness tests something.
        Assert.True(result.Refused > 0, $"no {format} case was refused");
    }

    [Fact]
    public void Mutations_AreReproducibleFromTheSeed()
    {
        var input = "3\nenergy=-1.5\nO 0 0 0\nH 0 0 1\nH 0 1 0\n"u8.ToArray();
        var a = InputFuzzer.MutateBytes(input, new Random(5), text: true);
        var b = InputFuzzer.MutateBytes(input, new Random(5), text: true);
        Assert.Equal(a, b);
        Assert.NotEqual(input, a);
    }
}
