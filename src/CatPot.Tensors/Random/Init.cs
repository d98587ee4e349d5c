using System.Numerics;

namespace CatPot.Tensors;

/// <summary>Seeded in-place initialisation of tensors (row-major order, one draw per element).</summary>
public static class Init
{
    /// <summary>Fills <paramref name="tensor"/> with uniform values in [lo, hi).</summary>
    public static void Uniform<T>(Tensor<T> tensor, double lo, double hi, Xoshiro256StarStar rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = tensor.Span;
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateTruncating(lo + ((hi - lo) * rng.NextDouble()));
    }

    /// <summary>Fills <paramref name="tensor"/> with normal values of the given mean and standard deviation.</summary>
    public static void Normal<T>(Tensor<T> tensor, Xoshiro256StarStar rng, double mean = 0, double std = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = tensor.Span;
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateTruncating(mean + (std * rng.NextGaussian()));
    }
}
