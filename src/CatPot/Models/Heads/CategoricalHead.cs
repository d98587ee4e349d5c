using System.Globalization;
using System.Numerics;
using CatPot.Tensors;

namespace CatPot.Models.Heads;

/// <summary>
/// CatPot's categorical head (<c>"cat"</c>): a histogram over a <see cref="TailedSupport"/> (the training range padded
/// by 5 % of its span plus 3σ, then two tail bins), σ given in meV/atom with the bin width w = σ / sigma_ratio derived
/// from it (so K follows from the range, up to <see cref="TailedHistogramHeadConfig.MaxBins"/>), equal or quantile-blended bins, and the hybrid
/// loss CE + λ·|E_p[y] − y|. The atoms' hidden features are averaged before the last layer (a linear map commutes
/// with the mean), so K costs one [S, F]·[F, K + 2] product per batch, not one per atom.
/// </summary>
public sealed record CategoricalHeadConfig : TailedHistogramHeadConfig
{
    /// <summary>The name in files and on the command line.</summary>
    public const string HeadName = "cat";

    /// <summary>"uniform" (equal bins) or "quantile" (mean of equal-width and equal-count edges).</summary>
    public string Spacing { get; init; } = "quantile";

    /// <summary>Weight λ of |E_p[y] − y| (normalised units) beside the cross-entropy.</summary>
    public double ExpectationWeight { get; init; } = 1.0;

    /// <inheritdoc/>
    public override string Name => HeadName;

    /// <inheritdoc/>
    public override string Label => string.Create(CultureInfo.InvariantCulture,
        $"Categorical ({Spacing}, σ = {SigmaMeV:0.##} meV/atom, σ/w = {SigmaRatio:0.##}, λ = {ExpectationWeight:0.##}, T = {Temperature:0.##}{(Edges is null ? "" : $", {Edges.Length - 1}+2 bins")})");

    /// <inheritdoc/>
    protected override int ExtraOutputs => 0;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (Spacing is not ("uniform" or "quantile")) throw new ArgumentException($"spacing must be \"uniform\" or \"quantile\", got \"{Spacing}\".");
        if (!(ExpectationWeight >= 0) || !double.IsFinite(ExpectationWeight)) throw new ArgumentException($"expectation_weight must be ≥ 0, got {ExpectationWeight}.");
    }

    /// <inheritdoc/>
    public override EnergyHead<T> Create<T>(ParameterSet<T> parameters, int features, PotentialStatistics statistics) =>
        new CategoricalHead<T>(this, parameters, features, new TailedSupport(RequireEdges()), Sigma(statistics));

    /// <inheritdoc/>
    public override EnergyHeadConfig Fit(ReadOnlySpan<double> trainingTargets, PotentialStatistics statistics)
    {
        double sigma = Sigma(statistics);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double y in trainingTargets)
        {
            min = Math.Min(min, y);
            max = Math.Max(max, y);
        }
        double pad = (0.05 * (max - min)) + (3 * sigma);
        var edges = TailedSupport.BuildEdges(min - pad, max + pad, sigma / SigmaRatio, MaxBins, Spacing == "quantile" ? trainingTargets.ToArray() : null);
        return this with { Edges = edges };
    }
}

/// <summary>The runtime categorical head (see <see cref="CategoricalHeadConfig"/>).</summary>
public sealed class CategoricalHead<T> : EnergyHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CategoricalHeadConfig _config;
    private readonly LinearLayer<T> _mlp1, _mlp2;
    private readonly T _inverseTemperature;
    private readonly TailedSupport _support;
    private readonly Tensor<T> _centreColumn;
    private readonly double _sigma;

    /// <summary>Registers <c>energy.mlp1</c> [F, F] and <c>energy.mlp2</c> [K + 2, F].</summary>
    public CategoricalHead(CategoricalHeadConfig config, ParameterSet<T> parameters, int features, TailedSupport support, double sigma)
    {
        _config = config;
        _support = support;
        _sigma = sigma;
        _mlp1 = new LinearLayer<T>(parameters, "energy.mlp1", features, features);
        _mlp2 = new LinearLayer<T>(parameters, "energy.mlp2", features, support.BinCount);
        _inverseTemperature = T.CreateChecked(1.0 / config.Temperature);
        _centreColumn = HeadMath.Column<T>(support.Centres);
    }

    /// <inheritdoc/>
    public override EnergyHeadConfig Config => _config;

    /// <inheritdoc/>
    public override int BinCount => _support.BinCount;

    /// <summary>The support.</summary>
    public TailedSupport Support => _support;

    /// <inheritdoc/>
    public override HeadOutput<T> Forward(Tensor<T> s, ModelInput<T> input)
    {
        var hidden = HeadMath.StructureMean(Tensor.Silu(_mlp1.Forward(s)), input);      // [S,F]
        var logp = Tensor.LogSoftmax(_mlp2.Forward(hidden) * _inverseTemperature);        // [S,K+2]
        var yHat = Tensor.Reshape(Tensor.MatMul(Tensor.Exp(logp), _centreColumn), input.StructureCount);
        return new HeadOutput<T> { NormalizedEnergy = yHat, LogProbabilities = logp };
    }

    /// <inheritdoc/>
    public override Tensor<T> Loss(HeadOutput<T> output, ReadOnlySpan<double> targets)
    {
        var q = CategoricalSettings.Targets<T>(_support, targets, default, _sigma);
        var loss = HeadMath.CrossEntropy(output.LogProbabilities!, q);
        if (_config.ExpectationWeight > 0)
            loss = loss + (HeadMath.MeanAbsoluteError(output.NormalizedEnergy, targets) * T.CreateChecked(_config.ExpectationWeight));
        return loss;
    }

    /// <inheritdoc/>
    public override HistogramReadouts? Readouts(HeadOutput<T> output, ReadOnlySpan<int> atomCounts, double sd) =>
        HeadMath.Readouts(output.LogProbabilities!, _support.Centres, atomCounts, sd);

    /// <inheritdoc/>
    public override double[]? HistogramEdges(double pointEnergy) => _support.PlotEdges();

    /// <inheritdoc/>
    public override SupportCoverage? Coverage(ReadOnlySpan<double> targets, ReadOnlySpan<double> pointEnergies) => _support.Coverage(targets, _sigma);

    /// <inheritdoc/>
    public override bool Target(double yn, double pointEnergy, Span<double> q)
    {
        _support.Target(yn, _sigma, q);
        return true;
    }
}

/// <summary>Settings I/O and targets shared by the categorical heads.</summary>
internal static class CategoricalSettings
{
    public static void CheckCommon(double sigmaMeV, double sigmaRatio, int maxBins, double temperature)
    {
        if (!(sigmaMeV > 0) || !double.IsFinite(sigmaMeV)) throw new ArgumentException($"sigma_mev must be > 0 meV/atom, got {sigmaMeV}.");
        if (!(sigmaRatio > 0) || !double.IsFinite(sigmaRatio)) throw new ArgumentException($"sigma_ratio must be > 0, got {sigmaRatio}.");
        if (maxBins is < 2 or > 65536) throw new ArgumentException($"max_bins must be 2 … 65536, got {maxBins}.");
        if (!(temperature > 0) || !double.IsFinite(temperature)) throw new ArgumentException($"temperature must be > 0, got {temperature}.");
    }

    /// <summary>Targets [S, K + 2] of values y − shift (shift empty for none).</summary>
    public static Tensor<T> Targets<T>(TailedSupport support, ReadOnlySpan<double> targets, ReadOnlySpan<double> shift, double sigma)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = targets.Length, k = support.BinCount;
        var q = new Tensor<T>(s, k);
        var row = new double[k];
        for (int i = 0; i < s; i++)
        {
            double y = shift.IsEmpty ? targets[i] : targets[i] - shift[i];
            // A non-finite shift is a model that has diverged (its point energy overflowed): the row becomes NaN, so the
            // loss and gradient are non-finite and the trainer skips the step, instead of an error about the target.
            if (double.IsFinite(y)) support.Target(y, sigma, row);
            else row.AsSpan().Fill(double.NaN);
            for (int b = 0; b < k; b++) q[(i * k) + b] = T.CreateChecked(row[b]);
        }
        return q;
    }
}
