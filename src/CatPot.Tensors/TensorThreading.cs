namespace CatPot.Tensors;

/// <summary>
/// Process-wide threading settings shared by the tensor kernels.
/// </summary>
/// <remarks>
/// Kernels split work only over independent output blocks, never over a reduction, so results are
/// bit-identical for every value of <see cref="MaxThreads"/>; the setting changes speed, not numbers.
/// </remarks>
public static class TensorThreading
{
    private static int maxThreads = Environment.ProcessorCount;

    /// <summary>
    /// Largest number of threads a single kernel call may use. Defaults to <see cref="Environment.ProcessorCount"/>.
    /// Set to 1 to run every kernel on the calling thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref maxThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref maxThreads, value);
        }
    }
}
