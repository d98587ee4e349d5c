using System.Numerics;
using CatPot.Models;
using CatPot.Tensors;

namespace CatPot.Training;

/// <summary>
/// The force term of the contract's training loss λ_E · energy loss + λ_F · force loss (the energy loss belongs to
/// the energy head, <see cref="Models.Heads.EnergyHead{T}.Loss"/>): per structure, the mean over its atoms of
/// ‖F̂_i − F_i‖₂ (eV/Å, ε inside the norm), then the mean over structures (<c>l2mae</c>); and two forms beside it that
/// weigh large errors more (<c>rms</c>, the small-data recipe's, and <c>batch-rms</c>).
/// </summary>
public static class PotentialLoss
{
    /// <summary>The names of the force terms, as <c>--force-loss</c> and <see cref="TrainingOptions.ForceLoss"/> take them.</summary>
    public static readonly string[] ForceTerms = ["l2mae", "rms", "batch-rms"];

    /// <summary>Force term ("L2MAE"): per-structure mean of per-atom error norms, then the mean over structures.</summary>
    public static Tensor<T> ForceL2Mae<T>(Tensor<T> predicted, Tensor<T> reference, ModelInput<T> input, T eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var norms = Tensor.Norm(predicted - reference, -1, eps, keepDim: true);          // [N,1]
        var perStructure = Models.Heads.HeadMath.StructureMean(norms, input);                              // [S,1]
        return Tensor.Mean(perStructure);
    }

    /// <summary>Force term ("RMS"): per-structure root of the mean squared per-atom error norm, then the mean over structures.</summary>
    public static Tensor<T> ForceRms<T>(Tensor<T> predicted, Tensor<T> reference, ModelInput<T> input, T eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var diff = predicted - reference;
        var squares = Tensor.Sum(diff * diff, -1, keepDim: true);                              // [N,1]
        var perStructure = Models.Heads.HeadMath.StructureMean(squares, input);                // [S,1]
        return Tensor.Mean(Tensor.Sqrt(perStructure + eps * eps));
    }

    /// <summary>
    /// Force term ("batch-rms"): root of the mean squared per-atom error norm over all atoms of the (micro-)batch. Its
    /// gradient on an atom is its error over the batch's RMS, so a structure whose forces are far off (a bond stretched to
    /// the edge of the training range) outweighs the rest of its batch, where the per-structure forms cap each structure's
    /// share; the value keeps the units and scale of the other two, so λ_F means the same.
    /// </summary>
    public static Tensor<T> ForceBatchRms<T>(Tensor<T> predicted, Tensor<T> reference, T eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var diff = predicted - reference;
        var squares = Tensor.Sum(diff * diff, -1, keepDim: true);                              // [N,1]
        return Tensor.Sqrt(Tensor.Mean(squares) + eps * eps);
    }
}
