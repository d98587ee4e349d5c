namespace CatPot.Bench;

/// <summary>
/// One GEMM product benchmarked against PyTorch: C[m×n] = op(A)·op(B) with op(A) m×k, op(B) k×n.
/// The same list, in the same order and with the same names, is in bench/gemm_torch.py.
/// </summary>
public sealed record GemmShape(string Name, bool TransA, bool TransB, int M, int N, int K)
{
    /// <summary>The model's products: dense layers (forward), and the weight/input gradients of their backward pass.</summary>
    public static readonly GemmShape[] ModelShapes =
    [
        new("fwd_1000x128.128x384", false, false, 1000, 384, 128),
        new("fwd_30000x20.20x384", false, false, 30000, 384, 20),
        new("fwd_1000x256.256x128", false, false, 1000, 128, 256),
        new("dW_384x1000.1000x128_tA", true, false, 384, 128, 1000),
        new("dW_20x30000.30000x384_tA", true, false, 20, 384, 30000),
        new("dW_256x1000.1000x128_tA", true, false, 256, 128, 1000),
        new("dX_1000x384.384x128_tB", false, true, 1000, 128, 384),
        new("dX_30000x384.384x20_tB", false, true, 30000, 20, 384),
        new("dX_1000x128.128x256_tB", false, true, 1000, 256, 128),
        new("small_21x128.128x128", false, false, 21, 128, 128),
    ];

    /// <summary>Floating-point operations of one product (a multiply and an add per term).</summary>
    public double Flops => 2.0 * M * N * K;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
