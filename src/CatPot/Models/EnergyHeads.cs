using System.Numerics;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>The regression (MAE) energy head: a per-atom scalar, averaged over each structure's atoms → ŷ_n [S].</summary>
public sealed class RegressionHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LinearLayer<T> _mlp1, _mlp2;

    /// <summary>Registers <c>energy.mlp1</c> [F/2, F] and <c>energy.mlp2</c> [1, F/2].</summary>
    public RegressionHead(ParameterSet<T> parameters, int features)
    {
        _mlp1 = new LinearLayer<T>(parameters, "energy.mlp1", features, features / 2);
        _mlp2 = new LinearLayer<T>(parameters, "energy.mlp2", features / 2, 1);
    }

    /// <summary>Normalised per-atom energy prediction per structure, shape [S].</summary>
    public Tensor<T> Forward(Tensor<T> s, ModelInput<T> input)
    {
        var e = _mlp2.Forward(Tensor.Silu(_mlp1.Forward(s)));                       // [N,1]
        return Tensor.Reshape(StructureMean.Of(e, input), input.StructureCount);
    }
}

/// <summary>
/// The HL-Gauss energy head: per-atom logits over K bins, averaged over each structure's atoms (one histogram per
/// structure over the normalised per-atom energy), softmax with temperature T.
/// </summary>
public sealed class HLGaussHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LinearLayer<T> _mlp1, _mlp2;
    private readonly T _inverseTemperature;

    /// <summary>Registers <c>energy.mlp1</c> [F, F] and <c>energy.mlp2</c> [K, F].</summary>
    public HLGaussHead(ParameterSet<T> parameters, int features, int bins, double temperature)
    {
        _mlp1 = new LinearLayer<T>(parameters, "energy.mlp1", features, features);
        _mlp2 = new LinearLayer<T>(parameters, "energy.mlp2", features, bins);
        _inverseTemperature = T.CreateChecked(1.0 / temperature);
    }

    /// <summary>Log-probabilities log p [S, K] of each structure's histogram (temperature applied).</summary>
    public Tensor<T> Forward(Tensor<T> s, ModelInput<T> input)
    {
        var logits = StructureMean.Of(_mlp2.Forward(Tensor.Silu(_mlp1.Forward(s))), input); // [S,K]
        return Tensor.LogSoftmax(logits * _inverseTemperature);
    }
}

/// <summary>Mean over each structure's atoms of per-atom rows.</summary>
internal static class StructureMean
{
    public static Tensor<T> Of<T>(Tensor<T> perAtom, ModelInput<T> input) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sum = Tensor.IndexAdd(perAtom, input.AtomToStructure, input.StructureCount);
        var inv = Tensor<T>.Scratch(input.StructureCount, 1);
        for (int k = 0; k < input.StructureCount; k++) inv[k] = T.One / T.CreateChecked(input.AtomCounts[k]);
        return sum * inv;
    }
}
