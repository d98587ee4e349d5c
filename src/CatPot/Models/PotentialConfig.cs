namespace CatPot.Models;

/// <summary>
/// Hyperparameters of the model contract (<c>spec/model.md</c>): PaiNN width and depth, radial basis, cutoff,
/// the energy head and its settings.
/// </summary>
public sealed record PotentialConfig
{
    /// <summary>Scalar feature width F (vectors are 3×F). Must be even (the force head uses F/2).</summary>
    public int Features { get; init; } = 128;

    /// <summary>Number of interaction + mixing layers L.</summary>
    public int Layers { get; init; } = 3;

    /// <summary>Radial basis size n_rbf.</summary>
    public int RadialBasis { get; init; } = 20;

    /// <summary>Cutoff r_c in Å.</summary>
    public double Cutoff { get; init; } = 5.0;

    /// <summary>
    /// Channels of rank-2 (symmetric traceless 3×3) features every atom carries beside PaiNN's scalars and vectors:
    /// CatPot's own extension (<see cref="RankTwoFeatures{T}"/>, docs/backbone.md), not part of the v1 contract. 0 is
    /// the contract's PaiNN.
    /// </summary>
    public int TensorChannels { get; init; }

    /// <summary>Whether atoms carry rank-2 features (<see cref="TensorChannels"/> &gt; 0).</summary>
    public bool TensorFeatures => TensorChannels > 0;

    /// <summary>The energy head and its settings (see <see cref="Heads.EnergyHeads"/>).</summary>
    public Heads.EnergyHeadConfig Head { get; init; } = new Heads.HLGaussHeadConfig();

    /// <summary>The epsilon inside every vector norm.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Throws <see cref="ArgumentException"/> with a readable reason when a value is out of range.</summary>
    public void Validate()
    {
        if (Features < 2 || Features % 2 != 0) throw new ArgumentException($"Features (F) must be an even number ≥ 2, got {Features}.");
        if (Layers < 1) throw new ArgumentException($"Layers (L) must be ≥ 1, got {Layers}.");
        if (TensorChannels < 0) throw new ArgumentException($"TensorChannels must be ≥ 0 (0 = PaiNN without rank-2 features), got {TensorChannels}.");
        if (RadialBasis < 1) throw new ArgumentException($"RadialBasis (n_rbf) must be ≥ 1, got {RadialBasis}.");
        if (!(Cutoff > 0)) throw new ArgumentException($"Cutoff must be > 0 Å, got {Cutoff}.");
        ArgumentNullException.ThrowIfNull(Head);
        Head.Validate();
    }
}
