namespace CatPot.Tensors;

/// <summary>How many threads the kernels may use. Results never depend on it: work is split by output blocks, never inside a reduction.</summary>
public static class TensorThreading
{
    private static int s_maxThreads = Environment.ProcessorCount;

    /// <summary>Upper bound on threads used by one kernel call (default: the processor count; at least 1).</summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set => s_maxThreads = Math.Max(1, value);
    }
}
