using System.Numerics;
using System.Text.Json.Nodes;
using CatPot.Tensors;

namespace CatPot.Models.Heads;

/// <summary>
/// The contract's regression head (<c>"mae"</c>): a per-atom scalar MLP F → F/2 → 1, averaged over each structure's
/// atoms, trained with |ŷ_n − y_n|. The scalar baseline of every study. No settings.
/// </summary>
public sealed record MaeHeadConfig : EnergyHeadConfig
{
    /// <summary>The name in files and on the command line.</summary>
    public const string HeadName = "mae";

    /// <inheritdoc/>
    public override string Name => HeadName;

    /// <inheritdoc/>
    public override string Label => "Baseline (MAE)";

    /// <inheritdoc/>
    public override bool IsDistributional => false;

    /// <inheritdoc/>
    public override void Validate()
    {
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ModelParameterSpec> Parameters(int features) =>
    [
        new("energy.mlp1.weight", [features / 2, features]),
        new("energy.mlp1.bias", [features / 2]),
        new("energy.mlp2.weight", [1, features / 2]),
        new("energy.mlp2.bias", [1]),
    ];

    /// <inheritdoc/>
    public override EnergyHead<T> Create<T>(ParameterSet<T> parameters, int features, PotentialStatistics statistics) =>
        new MaeHead<T>(this, parameters, features);

    /// <inheritdoc/>
    public override JsonObject? Settings() => null;
}

/// <summary>The runtime regression head (see <see cref="MaeHeadConfig"/>).</summary>
public sealed class MaeHead<T> : EnergyHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LinearLayer<T> _mlp1, _mlp2;

    /// <summary>Registers <c>energy.mlp1</c> [F/2, F] and <c>energy.mlp2</c> [1, F/2].</summary>
    public MaeHead(MaeHeadConfig config, ParameterSet<T> parameters, int features)
    {
        Config = config;
        _mlp1 = new LinearLayer<T>(parameters, "energy.mlp1", features, features / 2);
        _mlp2 = new LinearLayer<T>(parameters, "energy.mlp2", features / 2, 1);
    }

    /// <inheritdoc/>
    public override EnergyHeadConfig Config { get; }

    /// <inheritdoc/>
    public override HeadOutput<T> Forward(Tensor<T> s, ModelInput<T> input)
    {
        var e = _mlp2.Forward(Tensor.Silu(_mlp1.Forward(s)));                                 // [N,1]
        return new HeadOutput<T> { NormalizedEnergy = Tensor.Reshape(HeadMath.StructureMean(e, input), input.StructureCount) };
    }

    /// <inheritdoc/>
    public override Tensor<T> Loss(HeadOutput<T> output, ReadOnlySpan<double> targets) =>
        HeadMath.MeanAbsoluteError(output.NormalizedEnergy, targets);
}
