using System.Numerics;
using System.Globalization;
using System.Text.Json.Nodes;
using CatPot.Tensors;

namespace CatPot.Models.Heads;

/// <summary>
/// The contract's HL-Gauss head (<c>"hlgauss"</c>, <c>spec/model.md</c> v1), unchanged: per-atom logits over K equal
/// bins of the support [lo, hi] (statistics), averaged over each structure's atoms, softmax with temperature T, the
/// expectation over the bin centres as the point energy, trained with cross-entropy against the Gaussian target of
/// σ = sigma_ratio·w (clamped into the support and renormalised; <see cref="HLGaussSupport.Target"/>). Its settings
/// are the contract's top-level keys K, sigma_ratio and T.
/// </summary>
public sealed record HLGaussHeadConfig : EnergyHeadConfig
{
    /// <summary>The name in files and on the command line.</summary>
    public const string HeadName = "hlgauss";

    /// <summary>Bins K.</summary>
    public int Bins { get; init; } = 128;

    /// <summary>σ divided by the bin width.</summary>
    public double SigmaRatio { get; init; } = 0.75;

    /// <summary>Softmax temperature T, applied in training and at inference.</summary>
    public double Temperature { get; init; } = 2.0;

    /// <inheritdoc/>
    public override string Name => HeadName;

    /// <inheritdoc/>
    public override string Label => string.Create(CultureInfo.InvariantCulture, $"HL-Gauss ({Bins} bins, σ/w = {SigmaRatio:0.##}, T = {Temperature:0.##})");

    /// <inheritdoc/>
    public override bool IsDistributional => true;

    /// <inheritdoc/>
    public override void Validate()
    {
        if (Bins < 2) throw new ArgumentException($"Bins (K) must be ≥ 2, got {Bins}.");
        if (!(SigmaRatio > 0) || !double.IsFinite(SigmaRatio)) throw new ArgumentException($"sigma_ratio must be > 0, got {SigmaRatio}.");
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) throw new ArgumentException($"Temperature (T) must be > 0, got {Temperature}.");
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ModelParameterSpec> Parameters(int features) =>
    [
        new("energy.mlp1.weight", [features, features]),
        new("energy.mlp1.bias", [features]),
        new("energy.mlp2.weight", [Bins, features]),
        new("energy.mlp2.bias", [Bins]),
    ];

    /// <inheritdoc/>
    public override EnergyHead<T> Create<T>(ParameterSet<T> parameters, int features, PotentialStatistics statistics) =>
        new HLGaussHead<T>(this, parameters, features, new HLGaussSupport(statistics.Lo, statistics.Hi, Bins));

    /// <inheritdoc/>
    public override JsonObject? Settings() => null;
}

/// <summary>The runtime HL-Gauss head (see <see cref="HLGaussHeadConfig"/>).</summary>
public sealed class HLGaussHead<T> : EnergyHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly HLGaussHeadConfig _config;
    private readonly LinearLayer<T> _mlp1, _mlp2;
    private readonly T _inverseTemperature;
    private readonly HLGaussSupport _support;
    private readonly Tensor<T> _centreColumn; // the bin centres as a constant [K, 1] operand, built once

    /// <summary>Registers <c>energy.mlp1</c> [F, F] and <c>energy.mlp2</c> [K, F].</summary>
    public HLGaussHead(HLGaussHeadConfig config, ParameterSet<T> parameters, int features, HLGaussSupport support)
    {
        _config = config;
        _support = support;
        _mlp1 = new LinearLayer<T>(parameters, "energy.mlp1", features, features);
        _mlp2 = new LinearLayer<T>(parameters, "energy.mlp2", features, config.Bins);
        _inverseTemperature = T.CreateChecked(1.0 / config.Temperature);
        _centreColumn = HeadMath.Column<T>(support.Centres);
    }

    /// <inheritdoc/>
    public override EnergyHeadConfig Config => _config;

    /// <summary>The support (bins over [lo, hi]).</summary>
    public HLGaussSupport Support => _support;

    /// <inheritdoc/>
    public override int BinCount => _config.Bins;

    /// <inheritdoc/>
    public override HeadOutput<T> Forward(Tensor<T> s, ModelInput<T> input)
    {
        var logits = HeadMath.StructureMean(_mlp2.Forward(Tensor.Silu(_mlp1.Forward(s))), input); // [S,K]
        var logp = Tensor.LogSoftmax(logits * _inverseTemperature);
        var yHat = Tensor.Reshape(Tensor.MatMul(Tensor.Exp(logp), _centreColumn), input.StructureCount);
        return new HeadOutput<T> { NormalizedEnergy = yHat, LogProbabilities = logp };
    }

    /// <inheritdoc/>
    public override Tensor<T> Loss(HeadOutput<T> output, ReadOnlySpan<double> targets)
    {
        int s = targets.Length, k = _config.Bins;
        var q = new Tensor<T>(s, k);
        var row = new double[k];
        for (int i = 0; i < s; i++)
        {
            _support.Target(targets[i], _config.SigmaRatio, row);
            // Rounded through float as the trainer always stored them, so float runs stay bit-identical.
            for (int b = 0; b < k; b++) q[(i * k) + b] = T.CreateChecked((float)row[b]);
        }
        return HeadMath.CrossEntropy(output.LogProbabilities!, q);
    }

    /// <inheritdoc/>
    public override HistogramReadouts? Readouts(HeadOutput<T> output, ReadOnlySpan<int> atomCounts, double sd) =>
        HeadMath.Readouts(output.LogProbabilities!, _support.Centres, atomCounts, sd);

    /// <inheritdoc/>
    public override double[]? HistogramEdges(double pointEnergy) => _support.Edges.ToArray();

    /// <inheritdoc/>
    public override SupportCoverage? Coverage(ReadOnlySpan<double> targets, ReadOnlySpan<double> pointEnergies)
    {
        if (targets.IsEmpty) return new SupportCoverage(0, 0);
        double sigma = _config.SigmaRatio * _support.Width;
        int outside = 0, near = 0;
        foreach (double y in targets)
        {
            if (y < _support.Lo || y > _support.Hi) outside++;
            else if (y - _support.Lo < sigma || _support.Hi - y < sigma) near++;
        }
        return new SupportCoverage((double)outside / targets.Length, (double)near / targets.Length);
    }

    /// <inheritdoc/>
    public override bool Target(double yn, double pointEnergy, Span<double> q)
    {
        _support.Target(yn, _config.SigmaRatio, q);
        return true;
    }
}
