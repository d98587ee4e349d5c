using System.Runtime.Intrinsics;

namespace CatPot.Tensors.Kernels;

/// <summary>Which micro-kernel family the GEMM uses on this process, fixed at start-up from the hardware flags.</summary>
internal enum GemmKernelPath
{
    /// <summary>Scalar 4×4 tile, for runs with hardware intrinsics disabled.</summary>
    Scalar,

    /// <summary>6×2 Vector256 tile with FMA (AVX2).</summary>
    Vector256,

    /// <summary>12×2 Vector512 tile with FMA (AVX-512F).</summary>
    Vector512,
}

/// <summary>Selects the <see cref="GemmKernelPath"/> once per process.</summary>
internal static class GemmKernelSelection
{
    /// <summary>The path every GEMM call in this process takes.</summary>
    public static readonly GemmKernelPath Current =
        Vector512.IsHardwareAccelerated ? GemmKernelPath.Vector512
        : Vector256.IsHardwareAccelerated ? GemmKernelPath.Vector256
        : GemmKernelPath.Scalar;
}
