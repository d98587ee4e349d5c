using System.Numerics;
using CatPot.Tensors.Kernels;
using Xunit;

namespace CatPot.Tensors.Tests;

public class GemmTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 7, 3), (5, 1, 9), (3, 4, 1), (2, 2, 0), (13, 33, 17), (12, 32, 256), (11, 31, 255),
        (25, 65, 300), (241, 31, 7), (21, 128, 128), (100, 384, 20), (37, 2049, 5), (130, 97, 513),
    ];

    private static readonly (double Alpha, double Beta)[] Scalings = [(1, 0), (0.5, -1.5), (-2, 1)];

    public static TheoryData<int, int, int, bool, bool, double, double, int> FloatCases()
    {
        var data = new TheoryData<int, int, int, bool, bool, double, double, int>();
        int variant = 0;
        foreach ((int m, int n, int k) in Shapes)
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    (double alpha, double beta) = Scalings[variant % Scalings.Length];
                    data.Add(m, n, k, ta, tb, alpha, beta, variant % 2 == 0 ? 0 : 3);
                    variant++;
                }
            }
        }

        return data;
    }

    public static TheoryData<int, int, int, bool, bool, double, double, int> DoubleCases()
    {
        var data = new TheoryData<int, int, int, bool, bool, double, double, int>();
        int variant = 1;
        foreach ((int m, int n, int k) in Shapes)
        {
            bool ta = variant % 2 == 0;
            bool tb = variant / 2 % 2 == 0;
            (double alpha, double beta) = Scalings[variant % Scalings.Length];
            data.Add(m, n, k, ta, tb, alpha, beta, variant % 3);
            variant++;
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FloatCases))]
    public void Float_matches_reference(int m, int n, int k, bool transA, bool transB, double alpha, double beta, int pad)
        => CheckAgainstReference<float>(m, n, k, transA, transB, alpha, beta, pad, seed: (m * 31) + (n * 7) + k);

    [Theory]
    [MemberData(nameof(DoubleCases))]
    public void Double_matches_reference(int m, int n, int k, bool transA, bool transB, double alpha, double beta, int pad)
        => CheckAgainstReference<double>(m, n, k, transA, transB, alpha, beta, pad, seed: (m * 17) + (n * 5) + k);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Largest_float_shape_matches_reference(bool transA, bool transB)
        => CheckAgainstReference<float>(1025, 383, 257, transA, transB, 1.0, 0.0, pad: 0, seed: 1025);

    [Fact]
    public void Largest_double_shape_matches_reference()
        => CheckAgainstReference<double>(1025, 383, 257, true, false, 0.75, 0.5, pad: 1, seed: 257);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Packed_overload_overwrites_or_accumulates(bool transA, bool transB)
    {
        const int m = 29, n = 45, k = 33;
        var rng = new Random(11);
        float[] a = GemmTestData.Random<float>(rng, m * k);
        float[] b = GemmTestData.Random<float>(rng, k * n);
        float[] c0 = GemmTestData.Random<float>(rng, m * n);

        float[] overwritten = (float[])c0.Clone();
        Gemm.Multiply<float>(transA, transB, m, n, k, a, b, overwritten);
        float[] expectedOverwrite = (float[])c0.Clone();
        GemmReference.Multiply(transA, transB, m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, 0f, expectedOverwrite, n);
        GemmTestData.AssertClose(expectedOverwrite, overwritten, c0, m, n, k, n, 1, 0, 1, 1, "overwrite");

        float[] accumulated = (float[])c0.Clone();
        Gemm.Multiply<float>(transA, transB, m, n, k, a, b, accumulated, accumulate: true);
        float[] expectedAccumulate = (float[])c0.Clone();
        GemmReference.Multiply(transA, transB, m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, 1f, expectedAccumulate, n);
        GemmTestData.AssertClose(expectedAccumulate, accumulated, c0, m, n, k, n, 1, 1, 1, 1, "accumulate");
    }

    [Theory]
    [InlineData(7, 9, 5)]
    [InlineData(300, 200, 40)]
    public void Beta_zero_ignores_nan_in_c(int m, int n, int k)
    {
        var rng = new Random(3);
        float[] a = GemmTestData.Random<float>(rng, m * k);
        float[] b = GemmTestData.Random<float>(rng, k * n);
        float[] c = new float[m * n];
        Array.Fill(c, float.NaN);
        Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
        Assert.DoesNotContain(c, float.IsNaN);
    }

    [Fact]
    public void Zero_alpha_scales_c_by_beta_only()
    {
        float[] a = [float.NaN, 1, 2, 3];
        float[] b = [1, 2, 3, 4];
        float[] c = [1, 2, 3, 4];
        Gemm.Multiply(false, false, 2, 2, 2, 0f, a, 2, b, 2, 3f, c, 2);
        Assert.Equal(new float[] { 3, 6, 9, 12 }, c);
    }

    [Fact]
    public void Rejects_short_spans_and_small_strides()
    {
        float[] a = new float[6], b = new float[6], c = new float[4];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a.AsSpan(0, 5), 3, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c.AsSpan(0, 3), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(true, false, 2, 2, 3, 1f, a, 1, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
    }

    private static void CheckAgainstReference<T>(int m, int n, int k, bool transA, bool transB, double alpha, double beta, int pad, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        int lda = (transA ? m : k) + pad;
        int ldb = (transB ? k : n) + pad;
        int ldc = n + pad;
        T[] a = GemmTestData.Random<T>(rng, Math.Max(1, GemmTestData.Extent(transA ? k : m, transA ? m : k, lda)));
        T[] b = GemmTestData.Random<T>(rng, Math.Max(1, GemmTestData.Extent(transB ? n : k, transB ? k : n, ldb)));
        T[] c0 = GemmTestData.Random<T>(rng, Math.Max(1, m * ldc));
        lda = Math.Max(1, lda);
        ldb = Math.Max(1, ldb);

        T[] expected = (T[])c0.Clone();
        GemmReference.Multiply(transA, transB, m, n, k, T.CreateChecked(alpha), a, lda, b, ldb, T.CreateChecked(beta), expected, ldc);
        T[] actual = (T[])c0.Clone();
        Gemm.Multiply(transA, transB, m, n, k, T.CreateChecked(alpha), a, lda, b, ldb, T.CreateChecked(beta), actual, ldc);

        GemmTestData.AssertClose(expected, actual, c0, m, n, k, ldc, alpha, beta,
            GemmTestData.MaxAbs(a), GemmTestData.MaxAbs(b), $"{typeof(T).Name} {m}x{n}x{k} tA={transA} tB={transB}");
    }
}
