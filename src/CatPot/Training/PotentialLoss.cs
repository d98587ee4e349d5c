using System.Numerics;
using CatPot.Models;
using CatPot.Tensors;

namespace CatPot.Training;

/// <summary>
/// The contract's training loss: λ_E · energy loss + λ_F · force loss. Energy loss is the HL-Gauss cross-entropy
/// −Σ q log p (mean over structures) or |ŷ_n − y_n| (mean over structures); force loss is, per structure, the mean
/// over its atoms of ‖F̂_i − F_i‖₂ (eV/Å, ε inside the norm), then the mean over structures.
/// </summary>
public static class PotentialLoss
{
    /// <summary>The loss terms of one batch.</summary>
    /// <param name="Total">λ_E·Energy + λ_F·Forces, in the graph.</param>
    /// <param name="Energy">The energy term (detached value).</param>
    /// <param name="Forces">The force term (detached value), 0 when forces are not trained.</param>
    public readonly record struct Terms<T>(Tensor<T> Total, double Energy, double Forces) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Energy term: cross-entropy against HL-Gauss targets <paramref name="targets"/> [S, K].</summary>
    public static Tensor<T> CrossEntropy<T>(Tensor<T> logProbabilities, Tensor<T> targets) where T : unmanaged, IFloatingPointIeee754<T>
        => Tensor.Neg(Tensor.Sum(targets * logProbabilities)) * (T.One / T.CreateChecked(logProbabilities.Shape[0]));

    /// <summary>Energy term: mean absolute error of normalised per-atom energies, <paramref name="targets"/> [S].</summary>
    public static Tensor<T> MeanAbsoluteError<T>(Tensor<T> predicted, Tensor<T> targets) where T : unmanaged, IFloatingPointIeee754<T>
        => Tensor.Mean(Tensor.Abs(predicted - targets));

    /// <summary>Force term ("L2MAE"): per-structure mean of per-atom error norms, then the mean over structures.</summary>
    public static Tensor<T> ForceL2Mae<T>(Tensor<T> predicted, Tensor<T> reference, ModelInput<T> input, T eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var norms = Tensor.Norm(predicted - reference, -1, eps, keepDim: true);          // [N,1]
        var perStructure = StructureMean.Of(norms, input);                              // [S,1]
        return Tensor.Mean(perStructure);
    }
}
