using CatPot.Tensors.Kernels;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>C = A·Bᵀ by row dot products against the reference triple loop, on every tile-edge case.</summary>
public class RowDotProductsTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 4, 16)]
    [InlineData(7, 5, 3)]
    [InlineData(9, 20, 384)]    // the radial-basis gradient of a chunk: [edges, R] = dw·W
    [InlineData(13, 6, 37)]     // tails in every dimension
    [InlineData(128, 20, 384)]
    public void Float_matches_the_reference_product(int m, int n, int k)
    {
        var rng = new Random(m * 1000 + n * 10 + k);
        int lda = k + 3, ldb = k + 1, ldc = n + 2; // strides wider than the rows
        float[] a = GemmTestData.Random<float>(rng, m * lda);
        float[] b = GemmTestData.Random<float>(rng, n * ldb);
        float[] c = new float[m * ldc];
        float[] expected = new float[m * ldc];
        Array.Fill(c, float.NaN); // overwritten, never read
        RowDotProducts.Multiply(m, n, k, a, lda, b, ldb, c, ldc);
        GemmReference.Multiply(false, true, m, n, k, 1f, a, lda, b, ldb, 0f, expected, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float got = c[i * ldc + j], want = expected[i * ldc + j];
                Assert.True(Math.Abs(got - want) <= 1e-5f * (1 + k * 0.01f) * Math.Max(1f, Math.Abs(want)), $"C[{i},{j}] = {got} vs {want}");
            }
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++)
                Assert.True(float.IsNaN(c[i * ldc + j]), "padding between rows was written");
    }

    [Theory]
    [InlineData(5, 3, 11)]
    [InlineData(8, 20, 384)]
    public void Double_matches_the_reference_product(int m, int n, int k)
    {
        var rng = new Random(m + n + k);
        double[] a = GemmTestData.Random<double>(rng, m * k);
        double[] b = GemmTestData.Random<double>(rng, n * k);
        double[] c = new double[m * n];
        double[] expected = new double[m * n];
        RowDotProducts.Multiply<double>(m, n, k, a, k, b, k, c, n);
        GemmReference.Multiply(false, true, m, n, k, 1.0, a, k, b, k, 0.0, expected, n);
        for (int i = 0; i < c.Length; i++) Assert.Equal(expected[i], c[i], 1e-12);
    }

    [Fact]
    public void Every_output_is_summed_in_the_same_order_whichever_tile_computes_it()
    {
        // Row 5 of a 6-row product falls outside the 4-row tiles; as row 1 of a shifted product it is inside one.
        var rng = new Random(3);
        int k = 100, n = 6;
        float[] a = GemmTestData.Random<float>(rng, 6 * k);
        float[] b = GemmTestData.Random<float>(rng, n * k);
        float[] whole = new float[6 * n];
        float[] shifted = new float[4 * n];
        RowDotProducts.Multiply<float>(6, n, k, a, k, b, k, whole, n);
        RowDotProducts.Multiply<float>(4, n, k, a.AsSpan(2 * k), k, b, k, shifted, n);
        Assert.Equal(whole.AsSpan(2 * n).ToArray(), shifted);
    }

    [Fact]
    public void Short_spans_and_narrow_strides_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RowDotProducts.Multiply<float>(2, 2, 4, new float[7], 4, new float[8], 4, new float[4], 2));
        Assert.Throws<ArgumentException>(() => RowDotProducts.Multiply<float>(2, 2, 4, new float[8], 3, new float[8], 4, new float[4], 2));
    }
}
