using System.Numerics;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>A linear layer y = x·Wᵀ + b with PyTorch's weight layout [out, in] and contract names <c>{prefix}.weight</c>/<c>{prefix}.bias</c>.</summary>
public sealed class LinearLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Registers the weight (decayed) and, when <paramref name="bias"/>, the bias (not decayed).</summary>
    public LinearLayer(ParameterSet<T> parameters, string prefix, int inFeatures, int outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = parameters.Add(prefix + ".weight", decay: true, outFeatures, inFeatures);
        Bias = bias ? parameters.Add(prefix + ".bias", decay: false, outFeatures) : null;
        parameters.AddLayer(this);
    }

    private Tensor<T>? _transposed;

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight [out, in].</summary>
    public Tensor<T> Weight { get; }

    /// <summary>Bias [out], or null.</summary>
    public Tensor<T>? Bias { get; }

    /// <summary>True while the layer keeps a transposed copy of its weight for inference (<see cref="Freeze"/>).</summary>
    public bool IsFrozen => _transposed is not null;

    /// <summary>
    /// Takes a transposed copy of the current weight, which <see cref="Forward"/> then reads in place whenever the weight
    /// does not require gradients (inference); call again after the weight changes, or <see cref="Unfreeze"/>.
    /// </summary>
    public void Freeze()
    {
        // Clone: ordinary memory even if called inside an arena scope.
        using (Autograd.NoGrad()) _transposed = Tensor.Transpose(Weight).Clone();
    }

    /// <summary>The transposed copy [in, out] while the layer is frozen and its weight does not require gradients, else null.</summary>
    internal Tensor<T>? InferenceTranspose => _transposed is { } wt && !Weight.TracksGrad ? wt : null;

    /// <summary>Drops the copy taken by <see cref="Freeze"/>.</summary>
    public void Unfreeze() => _transposed = null;

    /// <summary>Applies the layer to the rows of a rank-2 input [rows, in].</summary>
    public Tensor<T> Forward(Tensor<T> x) => InferenceTranspose is { } wt
        ? Tensor.Linear(x, Weight, Bias, wt)
        : Tensor.Linear(x, Weight, Bias);
}
