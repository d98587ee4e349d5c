namespace CatPot.Models;

/// <summary>
/// One tensor of a safetensors file: element type, shape (row-major) and the flat data in exactly one of
/// <see cref="Float32"/>, <see cref="Float64"/> or <see cref="Int64"/> (the one matching <see cref="DType"/>).
/// </summary>
public sealed record SafeTensorsEntry
{
    private SafeTensorsEntry(SafeTensorsDType dtype, int[] shape, float[]? f32, double[]? f64, long[]? i64, int length)
    {
        long count = ElementCountOf(shape);
        if (count != length)
            throw new ArgumentException($"A tensor of shape [{string.Join(", ", shape)}] has {count} elements; the data has {length}.", nameof(shape));
        DType = dtype;
        Shape = shape;
        Float32 = f32;
        Float64 = f64;
        Int64 = i64;
    }

    /// <summary>The element type.</summary>
    public SafeTensorsDType DType { get; }

    /// <summary>The shape; empty for a scalar.</summary>
    public int[] Shape { get; }

    /// <summary>The data when <see cref="DType"/> is F32, otherwise null.</summary>
    public float[]? Float32 { get; }

    /// <summary>The data when <see cref="DType"/> is F64, otherwise null.</summary>
    public double[]? Float64 { get; }

    /// <summary>The data when <see cref="DType"/> is I64, otherwise null.</summary>
    public long[]? Int64 { get; }

    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long ElementCount => ElementCountOf(Shape);

    /// <summary>Bytes per element of <see cref="DType"/>.</summary>
    public int ElementSize => SizeOf(DType);

    /// <summary>An F32 tensor (the arrays are kept, not copied).</summary>
    public static SafeTensorsEntry FromFloat32(int[] shape, float[] data) => new(SafeTensorsDType.F32, shape, data, null, null, data.Length);

    /// <summary>An F64 tensor (the arrays are kept, not copied).</summary>
    public static SafeTensorsEntry FromFloat64(int[] shape, double[] data) => new(SafeTensorsDType.F64, shape, null, data, null, data.Length);

    /// <summary>An I64 tensor (the arrays are kept, not copied).</summary>
    public static SafeTensorsEntry FromInt64(int[] shape, long[] data) => new(SafeTensorsDType.I64, shape, null, null, data, data.Length);

    /// <summary>The data as float: the F32 array itself, or a rounded copy of F64 / I64 data.</summary>
    public float[] ToSingleArray()
    {
        if (Float32 is not null) return Float32;
        var r = new float[ElementCount];
        if (Float64 is not null) for (int i = 0; i < r.Length; i++) r[i] = (float)Float64[i];
        else for (int i = 0; i < r.Length; i++) r[i] = Int64![i];
        return r;
    }

    /// <summary>The data as double: the F64 array itself, or a widened copy of F32 / I64 data.</summary>
    public double[] ToDoubleArray()
    {
        if (Float64 is not null) return Float64;
        var r = new double[ElementCount];
        if (Float32 is not null) for (int i = 0; i < r.Length; i++) r[i] = Float32[i];
        else for (int i = 0; i < r.Length; i++) r[i] = Int64![i];
        return r;
    }

    /// <summary>Bytes per element of a dtype.</summary>
    public static int SizeOf(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 => 4,
        SafeTensorsDType.F64 => 8,
        SafeTensorsDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The product of a shape; throws when a dimension is negative or the product overflows.</summary>
    public static long ElementCountOf(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor dimensions cannot be negative; got {d}.", nameof(shape));
            n = checked(n * d);
        }
        return n;
    }
}
