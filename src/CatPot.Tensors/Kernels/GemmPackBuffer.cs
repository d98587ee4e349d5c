using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CatPot.Tensors.Kernels;

/// <summary>
/// Per-thread, 64-byte aligned scratch memory for packed GEMM panels; grows on demand and is then reused,
/// so steady-state GEMM calls allocate nothing.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
internal static unsafe class GemmPackBuffer<T>
    where T : unmanaged
{
    private const int Alignment = 64;

    [ThreadStatic]
    private static T[]? storage;

    /// <summary>
    /// Returns a 64-byte aligned pointer to at least <paramref name="elements"/> elements owned by the calling thread.
    /// The memory is pinned (pinned object heap) and stays valid until the next call on the same thread.
    /// </summary>
    public static T* Rent(int elements)
    {
        int needed = elements + (Alignment / sizeof(T));
        T[]? current = storage;
        if (current is null || current.Length < needed)
        {
            // Grow geometrically so a sequence of slightly larger shapes does not reallocate every call.
            int size = Math.Max(needed, current is null ? 0 : current.Length * 2);
            current = GC.AllocateUninitializedArray<T>(size, pinned: true);
            storage = current;
        }

        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(current));
        nint aligned = (address + (Alignment - 1)) & ~(nint)(Alignment - 1);
        return (T*)aligned;
    }
}
