using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CatPot.Models.Heads;

/// <summary>
/// What the heads over a <see cref="TailedSupport"/> (<c>"cat"</c> and <c>"catres"</c>) share: σ of the Gaussian
/// target in meV/atom with the bin width derived from it, the most bins, the softmax temperature, the fitted edges,
/// the head's two layers and value equality. Each head's own file adds its loss settings, how it fits the support and
/// its runtime head.
/// </summary>
public abstract record TailedHistogramHeadConfig : EnergyHeadConfig
{
    /// <summary>σ of the Gaussian target in meV/atom.</summary>
    [JsonPropertyName("sigma_mev")]
    public double SigmaMeV { get; init; } = 10.0;

    /// <summary>σ divided by the (equal-spacing) bin width: w = σ / sigma_ratio.</summary>
    public double SigmaRatio { get; init; } = 0.75;

    /// <summary>Most finite bins; a wider range gets wider bins.</summary>
    public int MaxBins { get; init; } = 1024;

    /// <summary>Softmax temperature T.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>The finite edges b_0 … b_K in y_n units, set by <see cref="EnergyHeadConfig.Fit"/> (or read from a model file).</summary>
    public double[]? Edges { get; init; }

    /// <inheritdoc/>
    public override bool IsDistributional => true;

    /// <inheritdoc/>
    public override bool IsFitted => Edges is not null;

    /// <summary>Outputs of the last layer besides the K + 2 logits (1 for a regression row, 0 for none).</summary>
    protected abstract int ExtraOutputs { get; }

    /// <inheritdoc/>
    public override void Validate()
    {
        CategoricalSettings.CheckCommon(SigmaMeV, SigmaRatio, MaxBins, Temperature);
        if (Edges is not null) _ = new TailedSupport(Edges);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ModelParameterSpec> Parameters(int features)
    {
        int outputs = ExtraOutputs + RequireEdges().Length + 1, hidden = HiddenFeatures(features);
        return
        [
            new("energy.mlp1.weight", [hidden, features]),
            new("energy.mlp1.bias", [hidden]),
            new("energy.mlp2.weight", [outputs, hidden]),
            new("energy.mlp2.bias", [outputs]),
        ];
    }

    /// <summary>Width of the head's hidden layer for backbone width <paramref name="features"/> (F unless a head says otherwise).</summary>
    public virtual int HiddenFeatures(int features) => features;

    /// <inheritdoc/>
    public override JsonObject? Settings() => EnergyHeads.Write(this);

    /// <summary>Equal head, settings and edges (compared by value, through the settings JSON).</summary>
    public virtual bool Equals(TailedHistogramHeadConfig? other) =>
        other is not null && other.GetType() == GetType() && EnergyHeads.Write(this).ToJsonString() == EnergyHeads.Write(other).ToJsonString();

    /// <inheritdoc/>
    public override int GetHashCode() => EnergyHeads.Write(this).ToJsonString().GetHashCode(StringComparison.Ordinal);

    /// <summary>σ in y_n units (normalised energy per atom).</summary>
    protected double Sigma(PotentialStatistics statistics) => SigmaMeV / 1000.0 / statistics.Sd;

    /// <summary>The fitted edges.</summary>
    /// <exception cref="InvalidOperationException">The head has not been fitted.</exception>
    protected double[] RequireEdges() => Edges ?? throw new InvalidOperationException($"The '{Name}' head has no support yet: call Fit with the training targets (or load it from a model file).");
}
