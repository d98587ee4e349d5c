// Reads GEMM cases from a binary file, runs them through CatPot.Tensors.Kernels.Gemm and writes the results,
// so the parent test can check them against its oracle. Also prints which SIMD paths this runtime enabled.
// Usage: CatPot.Tensors.SimdProbe <cases.bin> <results.bin>
using System.Numerics;
using System.Runtime.Intrinsics;
using CatPot.Tensors.Kernels;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: CatPot.Tensors.SimdProbe <cases.bin> <results.bin>");
    return 2;
}

Console.WriteLine($"Vector512={Vector512.IsHardwareAccelerated}");
Console.WriteLine($"Vector256={Vector256.IsHardwareAccelerated}");
Console.WriteLine($"Vector128={Vector128.IsHardwareAccelerated}");
Console.WriteLine($"Kernel={Gemm.ActiveKernel}");

using var input = new BinaryReader(File.OpenRead(args[0]));
using var output = new BinaryWriter(File.Create(args[1]));
int count = input.ReadInt32();
for (int i = 0; i < count; i++)
{
    bool isDouble = input.ReadBoolean();
    if (isDouble)
    {
        RunCase<double>(input, output);
    }
    else
    {
        RunCase<float>(input, output);
    }
}

Console.WriteLine($"Cases={count}");
Console.WriteLine("RowDotMaxRelErr=" + RowDotError().ToString("R", System.Globalization.CultureInfo.InvariantCulture));
return 0;

// RowDotProducts on float (AVX-512 tiles, or Vector<T> tiles where AVX-512 is off) against a double loop; shapes
// with tile and tail rows, columns and depth.
static double RowDotError()
{
    double worst = 0;
    var rng = new Random(5);
    foreach (var (m, n, k) in new[] { (9, 20, 384), (7, 5, 37), (4, 4, 16) })
    {
        var a = new float[m * k];
        var b = new float[n * k];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() - 0.5);
        RowDotProducts.Multiply<float>(m, n, k, a, k, b, k, c, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, scale = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i * k + p] * b[j * k + p];
                    scale += Math.Abs((double)a[i * k + p] * b[j * k + p]);
                }
                worst = Math.Max(worst, Math.Abs(c[i * n + j] - sum) / Math.Max(scale, 1e-30));
            }
    }
    return worst;
}

static void RunCase<T>(BinaryReader input, BinaryWriter output)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    bool transA = input.ReadBoolean();
    bool transB = input.ReadBoolean();
    int m = input.ReadInt32(), n = input.ReadInt32(), k = input.ReadInt32();
    int lda = input.ReadInt32(), ldb = input.ReadInt32(), ldc = input.ReadInt32();
    T alpha = T.CreateChecked(input.ReadDouble());
    T beta = T.CreateChecked(input.ReadDouble());
    T[] a = ReadArray<T>(input);
    T[] b = ReadArray<T>(input);
    T[] c = ReadArray<T>(input);
    Gemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    output.Write(c.Length);
    foreach (T value in c)
    {
        output.Write(double.CreateChecked(value));
    }
}

static T[] ReadArray<T>(BinaryReader input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    var values = new T[input.ReadInt32()];
    for (int i = 0; i < values.Length; i++)
    {
        values[i] = T.CreateChecked(input.ReadDouble());
    }

    return values;
}
