using System.Globalization;
using System.Numerics;
using System.Text.Json.Serialization;
using CatPot.Tensors;

namespace CatPot.Models.Heads;

/// <summary>
/// CatPot's residual categorical head (<c>"catres"</c>): a regression readout gives the point energy ŷ_n (trained with
/// |ŷ_n − y_n|, smooth in the positions, so conservative forces and MD see an ordinary regression energy), and a
/// histogram over the residual y_n − ŷ_n on equal bins from −R to +R (R = <see cref="HalfRangeMeV"/>, w = σ/sigma_ratio)
/// with two tail bins models the error, trained with <see cref="CrossEntropyWeight"/>·CE against the Gaussian target
/// of the residual (ŷ_n is a constant there). Both readouts share the hidden layer; as in <c>"cat"</c> the atoms are
/// averaged before the last layer. Entropy, std_E and the histogram describe E around the point energy. With
/// <see cref="HistogramGradient"/> <c>"detached"</c> the cross-entropy trains the histogram rows only, so the potential
/// energy surface is trained by the regression loss alone, as in the <c>mae</c> head.
/// </summary>
public sealed record ResidualCategoricalHeadConfig : TailedHistogramHeadConfig
{
    /// <summary>The name in files and on the command line.</summary>
    public const string HeadName = "catres";

    /// <summary>Half-width R of the residual support in meV/atom (beyond it: the tail bins).</summary>
    [JsonPropertyName("half_range_mev")]
    public double HalfRangeMeV { get; init; } = 1000.0;

    /// <summary>Weight of the cross-entropy beside the regression's |ŷ_n − y_n|.</summary>
    public double CrossEntropyWeight { get; init; } = 0.1;

    /// <summary>
    /// Width of the hidden layer as a fraction of F. The default 0.5 gives the <c>mae</c> head's F/2, so the regression
    /// row is the baseline head exactly (same shapes, and the same initial weights at the same seed: the head's
    /// initialisation stream draws mlp1 and then row 0 of mlp2 first) and the histogram rows are what the head adds.
    /// Files written before this setting existed used 1 (F).
    /// </summary>
    public double HiddenRatio { get; init; } = DefaultHiddenRatio;

    /// <summary>
    /// Where the cross-entropy's gradient goes: <c>"shared"</c> (the default, and what files written before this setting
    /// existed did) trains the histogram rows, the hidden layer and the backbone; <c>"detached"</c> stops it at the hidden
    /// layer, so the histogram reads the regression's features without bending them (the design of Orb-v3's confidence
    /// head) and a run trains the same energy surface as the <c>mae</c> head at the same seed, up to the order of float
    /// sums. The small-data recipe picks <c>"detached"</c> (<see cref="Training.SmallDataRecipe.HistogramGradient"/>).
    /// Outputs are computed the same way for both; only training differs.
    /// </summary>
    public string HistogramGradient { get; init; } = SharedGradient;

    /// <summary>The <see cref="HistogramGradient"/> value that lets the cross-entropy train the whole model.</summary>
    public const string SharedGradient = "shared";

    /// <summary>The <see cref="HistogramGradient"/> value that lets the cross-entropy train the histogram rows only.</summary>
    public const string DetachedGradient = "detached";

    /// <summary>The default <see cref="HiddenRatio"/> (the label names the ratio only when it differs).</summary>
    public const double DefaultHiddenRatio = 0.5;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double> ImpliedByOlderFiles() => new Dictionary<string, double> { ["hidden_ratio"] = 1.0 };

    /// <inheritdoc/>
    public override int HiddenFeatures(int features) => (int)Math.Round(features * HiddenRatio);

    /// <inheritdoc/>
    public override string Name => HeadName;

    /// <inheritdoc/>
    public override string Label => string.Create(CultureInfo.InvariantCulture,
        $"Residual categorical (σ = {SigmaMeV:0.##} meV/atom, ±{HalfRangeMeV:0.##} meV/atom, CE weight {CrossEntropyWeight:0.###}, T = {Temperature:0.##}{(HiddenRatio == DefaultHiddenRatio ? "" : $", hidden {HiddenRatio:0.##}·F")}{(HistogramGradient == DetachedGradient ? ", histogram detached" : "")})");

    /// <summary>Row 0 of the last layer is the regression energy.</summary>
    protected override int ExtraOutputs => 1;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (!(HalfRangeMeV > SigmaMeV) || !double.IsFinite(HalfRangeMeV)) throw new ArgumentException($"half_range_mev must be finite and > sigma_mev, got {HalfRangeMeV}.");
        if (!(CrossEntropyWeight >= 0) || !double.IsFinite(CrossEntropyWeight)) throw new ArgumentException($"cross_entropy_weight must be ≥ 0, got {CrossEntropyWeight}.");
        if (!(HiddenRatio > 0 && HiddenRatio <= 1)) throw new ArgumentException($"hidden_ratio must be in (0, 1] (the hidden width as a fraction of F), got {HiddenRatio}.");
        if (HistogramGradient is not (SharedGradient or DetachedGradient)) throw new ArgumentException($"histogram_gradient must be \"{SharedGradient}\" or \"{DetachedGradient}\", got \"{HistogramGradient}\".");
    }

    /// <inheritdoc/>
    public override EnergyHead<T> Create<T>(ParameterSet<T> parameters, int features, PotentialStatistics statistics) =>
        new ResidualCategoricalHead<T>(this, parameters, features, new TailedSupport(RequireEdges()), Sigma(statistics));

    /// <inheritdoc/>
    public override EnergyHeadConfig Fit(ReadOnlySpan<double> trainingTargets, PotentialStatistics statistics)
    {
        double sigma = Sigma(statistics), r = HalfRangeMeV / 1000.0 / statistics.Sd;
        return this with { Edges = TailedSupport.BuildEdges(-r, r, sigma / SigmaRatio, MaxBins, null) };
    }
}

/// <summary>The runtime residual categorical head (see <see cref="ResidualCategoricalHeadConfig"/>).</summary>
public sealed class ResidualCategoricalHead<T> : EnergyHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ResidualCategoricalHeadConfig _config;
    private readonly LinearLayer<T> _mlp1, _mlp2;
    private readonly T _inverseTemperature;
    private readonly TailedSupport _support;
    private readonly double _sigma;
    private readonly bool _detached;

    /// <summary>Registers <c>energy.mlp1</c> [H, F] and <c>energy.mlp2</c> [1 + K + 2, H] (row 0: the regression; H = hidden_ratio·F).</summary>
    public ResidualCategoricalHead(ResidualCategoricalHeadConfig config, ParameterSet<T> parameters, int features, TailedSupport support, double sigma)
    {
        _config = config;
        _support = support;
        _sigma = sigma;
        int hidden = config.HiddenFeatures(features);
        if (hidden < 1) throw new ArgumentException($"hidden_ratio {config.HiddenRatio} leaves no hidden feature at F = {features}.");
        _mlp1 = new LinearLayer<T>(parameters, "energy.mlp1", features, hidden);
        _mlp2 = new LinearLayer<T>(parameters, "energy.mlp2", hidden, 1 + support.BinCount);
        _inverseTemperature = T.CreateChecked(1.0 / config.Temperature);
        _detached = config.HistogramGradient == ResidualCategoricalHeadConfig.DetachedGradient;
    }

    /// <inheritdoc/>
    public override EnergyHeadConfig Config => _config;

    /// <inheritdoc/>
    public override int BinCount => _support.BinCount;

    /// <summary>The residual support.</summary>
    public TailedSupport Support => _support;

    /// <inheritdoc/>
    public override HeadOutput<T> Forward(Tensor<T> s, ModelInput<T> input)
    {
        var hidden = HeadMath.StructureMean(Tensor.Silu(_mlp1.Forward(s)), input);      // [S,H]
        var all = _mlp2.Forward(hidden);                                                   // [S,1+K+2]
        var yHat = Tensor.Reshape(Tensor.Narrow(all, 1, 0, 1), input.StructureCount);
        // Detached: the logits come from a second product on a copy of the hidden features that the tape does not trace
        // back, so the cross-entropy reaches the histogram rows of mlp2 and nothing below (the same values either way;
        // when nothing is traced, as in inference, the first product serves).
        var logits = _detached && hidden.TracksGrad ? _mlp2.Forward(hidden.Detach()) : all;
        var logp = Tensor.LogSoftmax(Tensor.Narrow(logits, 1, 1, _support.BinCount) * _inverseTemperature);
        return new HeadOutput<T> { NormalizedEnergy = yHat, LogProbabilities = logp };
    }

    /// <inheritdoc/>
    public override Tensor<T> Loss(HeadOutput<T> output, ReadOnlySpan<double> targets)
    {
        var loss = HeadMath.MeanAbsoluteError(output.NormalizedEnergy, targets);
        if (_config.CrossEntropyWeight > 0)
        {
            var point = new double[targets.Length];
            for (int i = 0; i < point.Length; i++) point[i] = double.CreateChecked(output.NormalizedEnergy[i]);
            var q = CategoricalSettings.Targets<T>(_support, targets, point, _sigma);
            loss = loss + (HeadMath.CrossEntropy(output.LogProbabilities!, q) * T.CreateChecked(_config.CrossEntropyWeight));
        }
        return loss;
    }

    /// <inheritdoc/>
    public override HistogramReadouts? Readouts(HeadOutput<T> output, ReadOnlySpan<int> atomCounts, double sd) =>
        HeadMath.Readouts(output.LogProbabilities!, _support.Centres, atomCounts, sd);

    /// <inheritdoc/>
    public override double[]? HistogramEdges(double pointEnergy)
    {
        var edges = _support.PlotEdges();
        for (int i = 0; i < edges.Length; i++) edges[i] += pointEnergy;
        return edges;
    }

    /// <inheritdoc/>
    public override SupportCoverage? Coverage(ReadOnlySpan<double> targets, ReadOnlySpan<double> pointEnergies)
    {
        var residuals = new double[targets.Length];
        for (int i = 0; i < residuals.Length; i++) residuals[i] = targets[i] - pointEnergies[i];
        return _support.Coverage(residuals, _sigma);
    }

    /// <inheritdoc/>
    public override bool Target(double yn, double pointEnergy, Span<double> q)
    {
        _support.Target(yn - pointEnergy, _sigma, q);
        return true;
    }
}
