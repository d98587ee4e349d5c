using CatPot.Tensors.Kernels;
using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>Splitting C across threads must not change a single bit of the result.</summary>
[Collection(nameof(TensorThreading))]
public class GemmDeterminismTests
{
    [Theory]
    [InlineData(1000, 384, 128, false, false)]
    [InlineData(384, 128, 1000, true, false)]
    [InlineData(37, 1500, 300, false, true)]
    [InlineData(253, 211, 97, true, true)]
    [InlineData(20, 384, 128, false, true)] // one molecule's products: handed to the spinning helpers
    [InlineData(128, 384, 20, false, true)]
    public void One_and_two_threads_give_identical_bits(int m, int n, int k, bool transA, bool transB)
    {
        Assert.True((long)m * n * k >= Gemm.ParallelThreshold, "shape must be large enough to take the threaded path");
        var rng = new Random(m + n + k);
        float[] a = GemmTestData.Random<float>(rng, m * k);
        float[] b = GemmTestData.Random<float>(rng, k * n);
        float[] c0 = GemmTestData.Random<float>(rng, m * n);
        int lda = transA ? m : k, ldb = transB ? k : n;

        int saved = TensorThreading.MaxThreads;
        try
        {
            float[] single = (float[])c0.Clone();
            TensorThreading.MaxThreads = 1;
            Gemm.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, single, n);

            float[] dual = (float[])c0.Clone();
            TensorThreading.MaxThreads = 2;
            Gemm.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, dual, n);

            float[] many = (float[])c0.Clone();
            TensorThreading.MaxThreads = 7;
            Gemm.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, many, n);

            for (int i = 0; i < single.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(single[i]) == BitConverter.SingleToInt32Bits(dual[i]),
                    $"element {i}: 1 thread {single[i]:R}, 2 threads {dual[i]:R}");
                Assert.True(BitConverter.SingleToInt32Bits(single[i]) == BitConverter.SingleToInt32Bits(many[i]),
                    $"element {i}: 1 thread {single[i]:R}, 7 threads {many[i]:R}");
            }
        }
        finally
        {
            TensorThreading.MaxThreads = saved;
        }
    }

    [Fact]
    public void Max_threads_rejects_values_below_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorThreading.MaxThreads = 0);
    }
}
