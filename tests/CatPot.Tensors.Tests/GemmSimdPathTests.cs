using System.Diagnostics;
using System.Numerics;
using System.Runtime.Intrinsics;
using CatPot.Tensors.Kernels;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>
/// Runs GEMM in a child process (CatPot.Tensors.SimdProbe) with the runtime's SIMD switches turned off, checks that
/// the switch really took effect there, and checks the child's results against <see cref="GemmReference"/> here.
/// </summary>
public class GemmSimdPathTests
{
    private static readonly (bool TransA, bool TransB, int M, int N, int K, double Alpha, double Beta, int Pad)[] Cases =
    [
        (false, false, 1, 1, 1, 1, 0, 0),
        (false, false, 13, 33, 17, 1, 0, 1),
        (true, false, 25, 31, 40, 0.5, -1.5, 0),
        (false, true, 12, 64, 300, -2, 1, 2),
        (true, true, 29, 17, 9, 1, 0.25, 0),
        (false, false, 130, 97, 70, 1, 0, 0),
    ];

    [Fact]
    public void Default_runtime_uses_widest_vectors()
    {
        Dictionary<string, string> report = RunProbe(variable: null);
        Assert.Equal(Vector512.IsHardwareAccelerated.ToString(), report["Vector512"]);
        string expected = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "Scalar";
        Assert.StartsWith(expected, report["Kernel"], StringComparison.Ordinal);
    }

    [Fact]
    public void Avx512_disabled_falls_back_to_vector256_and_stays_correct()
    {
        Dictionary<string, string> report = RunProbe("DOTNET_EnableAVX512");
        Assert.Equal("False", report["Vector512"]);
        Assert.StartsWith(Vector256.IsHardwareAccelerated ? "Vector256" : "Scalar", report["Kernel"], StringComparison.Ordinal);
    }

    [Fact]
    public void Hardware_intrinsics_disabled_falls_back_to_scalar_and_stays_correct()
    {
        Dictionary<string, string> report = RunProbe("DOTNET_EnableHWIntrinsic");
        Assert.Equal("False", report["Vector512"]);
        Assert.Equal("False", report["Vector256"]);
        Assert.Equal("False", report["Vector128"]);
        Assert.StartsWith("Scalar", report["Kernel"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("DOTNET_EnableAVX512")]
    [InlineData("DOTNET_EnableHWIntrinsic")]
    public void Row_dot_products_stay_correct_on_every_simd_path(string? variable)
    {
        // Relative to Σ|a·b|: float rounding over k ≤ 384 terms stays far below 1e-5.
        double error = double.Parse(RunProbe(variable)["RowDotMaxRelErr"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(error, 0, 1e-5);
    }

    /// <summary>Runs the probe with <paramref name="variable"/>=0 (or no switch), verifies its GEMM results, returns its report.</summary>
    private static Dictionary<string, string> RunProbe(string? variable)
    {
        string directory = Path.Combine(Path.GetTempPath(), "catpot-simdprobe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string casesPath = Path.Combine(directory, "cases.bin");
            string resultsPath = Path.Combine(directory, "results.bin");
            var expected = new List<(double[] Expected, double[] Original, int M, int N, int K, int Ldc, double Alpha, double Beta, double MaxA, double MaxB, bool IsDouble, string Label)>();
            using (var writer = new BinaryWriter(File.Create(casesPath)))
            {
                writer.Write(Cases.Length * 2);
                int seed = 0;
                foreach (var shape in Cases)
                {
                    expected.Add(WriteCase<float>(writer, shape, seed++));
                    expected.Add(WriteCase<double>(writer, shape, seed++));
                }
            }

            string probe = Path.Combine(AppContext.BaseDirectory, "CatPot.Tensors.SimdProbe.dll");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(probe);
            start.ArgumentList.Add(casesPath);
            start.ArgumentList.Add(resultsPath);
            start.Environment.Remove("DOTNET_EnableAVX512");
            start.Environment.Remove("DOTNET_EnableHWIntrinsic");
            if (variable is not null)
            {
                start.Environment[variable] = "0";
            }

            using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the SIMD probe");
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "SIMD probe did not finish within 60 s");
            Assert.True(process.ExitCode == 0, $"SIMD probe ({variable ?? "default"}) failed with exit code {process.ExitCode}: {stderr.Result}");

            var report = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split('=', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1]);
            Assert.Equal((Cases.Length * 2).ToString(), report["Cases"]);

            using var reader = new BinaryReader(File.OpenRead(resultsPath));
            foreach (var e in expected)
            {
                var actual = new double[reader.ReadInt32()];
                for (int i = 0; i < actual.Length; i++)
                {
                    actual[i] = reader.ReadDouble();
                }

                string label = $"{variable ?? "default"} {e.Label}";
                if (e.IsDouble)
                {
                    GemmTestData.AssertClose(e.Expected, actual, e.Original, e.M, e.N, e.K, e.Ldc, e.Alpha, e.Beta, e.MaxA, e.MaxB, label);
                }
                else
                {
                    GemmTestData.AssertClose(ToFloat(e.Expected), ToFloat(actual), ToFloat(e.Original), e.M, e.N, e.K, e.Ldc, e.Alpha, e.Beta, e.MaxA, e.MaxB, label);
                }
            }

            return report;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (double[], double[], int, int, int, int, double, double, double, double, bool, string) WriteCase<T>(
        BinaryWriter writer, (bool TransA, bool TransB, int M, int N, int K, double Alpha, double Beta, int Pad) s, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        int lda = (s.TransA ? s.M : s.K) + s.Pad;
        int ldb = (s.TransB ? s.K : s.N) + s.Pad;
        int ldc = s.N + s.Pad;
        T[] a = GemmTestData.Random<T>(rng, GemmTestData.Extent(s.TransA ? s.K : s.M, s.TransA ? s.M : s.K, lda));
        T[] b = GemmTestData.Random<T>(rng, GemmTestData.Extent(s.TransB ? s.N : s.K, s.TransB ? s.K : s.N, ldb));
        T[] c = GemmTestData.Random<T>(rng, s.M * ldc);
        T[] reference = (T[])c.Clone();
        GemmReference.Multiply(s.TransA, s.TransB, s.M, s.N, s.K, T.CreateChecked(s.Alpha), a, lda, b, ldb, T.CreateChecked(s.Beta), reference, ldc);

        writer.Write(typeof(T) == typeof(double));
        writer.Write(s.TransA);
        writer.Write(s.TransB);
        writer.Write(s.M);
        writer.Write(s.N);
        writer.Write(s.K);
        writer.Write(lda);
        writer.Write(ldb);
        writer.Write(ldc);
        writer.Write(s.Alpha);
        writer.Write(s.Beta);
        foreach (T[] array in new[] { a, b, c })
        {
            writer.Write(array.Length);
            foreach (T value in array)
            {
                writer.Write(double.CreateChecked(value));
            }
        }

        return (ToDouble(reference), ToDouble(c), s.M, s.N, s.K, ldc, s.Alpha, s.Beta, GemmTestData.MaxAbs(a), GemmTestData.MaxAbs(b),
            typeof(T) == typeof(double), $"{typeof(T).Name} {s.M}x{s.N}x{s.K} tA={s.TransA} tB={s.TransB}");
    }

    private static double[] ToDouble<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => values.Select(double.CreateChecked).ToArray();

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
}
