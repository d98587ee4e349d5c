using System.Numerics;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>Random GEMM operands and the error bound used to compare a fast GEMM with the reference loop.</summary>
internal static class GemmTestData
{
    /// <summary>Uniform values in [-1, 1) from a seeded generator.</summary>
    public static T[] Random<T>(Random rng, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = T.CreateChecked((rng.NextDouble() * 2.0) - 1.0);
        }

        return values;
    }

    /// <summary>Span length a rows×cols matrix with the given row stride occupies.</summary>
    public static int Extent(int rows, int cols, int stride) => rows == 0 || cols == 0 ? 0 : ((rows - 1) * stride) + cols;

    /// <summary>
    /// Asserts |actual − expected| is within a forward-error bound for dot products of length k:
    /// a few units of roundoff times (|alpha|·k·max|A|·max|B| + |beta|·max|C₀|), and that elements of C
    /// outside the m×n window (stride padding) are untouched.
    /// </summary>
    public static void AssertClose<T>(T[] expected, T[] actual, T[] original, int m, int n, int k, int ldc,
        double alpha, double beta, double maxA, double maxB, string label)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double eps = typeof(T) == typeof(float) ? 1.1920929e-7 : 2.220446049250313e-16;
        double maxC = 0;
        foreach (T v in original)
        {
            maxC = Math.Max(maxC, Math.Abs(double.CreateChecked(v)));
        }

        double tolerance = 4 * eps * ((Math.Abs(alpha) * (k + 2) * maxA * maxB) + (Math.Abs(beta) * maxC) + 1e-30);
        for (int idx = 0; idx < actual.Length; idx++)
        {
            int i = idx / ldc;
            int j = idx % ldc;
            double got = double.CreateChecked(actual[idx]);
            if (i >= m || j >= n)
            {
                Assert.True(got.Equals(double.CreateChecked(original[idx])),
                    $"{label}: padding element ({i},{j}) changed from {original[idx]} to {got}");
                continue;
            }

            double want = double.CreateChecked(expected[idx]);
            Assert.True(Math.Abs(got - want) <= tolerance,
                $"{label}: C[{i},{j}] = {got}, reference {want}, |diff| {Math.Abs(got - want)} > tolerance {tolerance}");
        }
    }

    /// <summary>Largest magnitude in the array.</summary>
    public static double MaxAbs<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = 0;
        foreach (T v in values)
        {
            max = Math.Max(max, Math.Abs(double.CreateChecked(v)));
        }

        return max;
    }
}
