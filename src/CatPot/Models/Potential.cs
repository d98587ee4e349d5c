using System.Numerics;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>
/// The whole model of the contract: PaiNN backbone, one energy head (HL-Gauss or regression), the direct force
/// head, and conservative forces −∂E/∂R by automatic differentiation, plus the statistics that map normalised
/// predictions back to eV.
/// </summary>
/// <typeparam name="T">float for use, double for exact checks.</typeparam>
public sealed class Potential<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly PaiNN<T> _backbone;
    private readonly HLGaussHead<T>? _hlGauss;
    private readonly RegressionHead<T>? _regression;
    private readonly DirectForceHead<T> _forces;
    private readonly double[] _binCentres = [];
    private readonly Tensor<T>? _centreColumn; // the bin centres as a constant [K, 1] operand, built once

    /// <summary>Builds a model with zero parameters; call <see cref="InitializeParameters"/> or load weights.</summary>
    public Potential(PotentialConfig config, PotentialStatistics statistics)
    {
        config.Validate();
        Config = config;
        Statistics = statistics;
        _backbone = new PaiNN<T>(Parameters, config);
        if (config.Head == EnergyHeadKind.HLGauss)
        {
            _hlGauss = new HLGaussHead<T>(Parameters, config.Features, config.Bins, config.Temperature);
            double w = (statistics.Hi - statistics.Lo) / config.Bins;
            _binCentres = new double[config.Bins];
            for (int k = 0; k < config.Bins; k++) _binCentres[k] = statistics.Lo + (w * (k + 0.5));
            _centreColumn = new Tensor<T>(config.Bins, 1);
            for (int k = 0; k < config.Bins; k++) _centreColumn[k] = T.CreateChecked(_binCentres[k]);
        }
        else
        {
            _regression = new RegressionHead<T>(Parameters, config.Features);
        }
        _forces = new DirectForceHead<T>(Parameters, config.Features, config.Eps);
    }

    /// <summary>Hyperparameters.</summary>
    public PotentialConfig Config { get; }

    /// <summary>Element references, normalisation and support.</summary>
    public PotentialStatistics Statistics { get; }

    /// <summary>All trainable tensors under the contract's names.</summary>
    public ParameterSet<T> Parameters { get; } = new();

    /// <summary>HL-Gauss bin centres in normalised units (empty for the regression head).</summary>
    public ReadOnlySpan<double> BinCentres => _binCentres;

    /// <summary>
    /// Prepares the model for repeated inference on fixed weights: every linear layer keeps a transposed copy of its
    /// weight, so products with few rows (one small molecule per call, as in MD) read the weight in place instead of
    /// re-transposing it each call. Used only while weights do not require gradients; call again after changing the
    /// weights (loading, training), or <see cref="Unfreeze"/>. <see cref="Simulation.PotentialCalculator{T}"/> calls it.
    /// </summary>
    public void FreezeForInference()
    {
        foreach (var layer in Parameters.Layers) layer.Freeze();
    }

    /// <summary>Drops the copies made by <see cref="FreezeForInference"/>.</summary>
    public void Unfreeze()
    {
        foreach (var layer in Parameters.Layers) layer.Unfreeze();
    }

    /// <summary>
    /// PyTorch-style initialisation: linear weights uniform(±1/√in), biases 0, embeddings N(0, 1), from a seeded generator.
    /// </summary>
    public void InitializeParameters(ulong seed)
    {
        var rng = new Xoshiro256StarStar(seed);
        foreach (var (name, t, _) in Parameters.Items)
        {
            if (name.StartsWith("embedding.", StringComparison.Ordinal)) Init.Normal(t, rng);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) t.Span.Clear();
            else
            {
                double bound = 1.0 / Math.Sqrt(t.Shape[1]);
                Init.Uniform(t, -bound, bound, rng);
            }
        }
    }

    /// <summary>Runs the model.</summary>
    /// <param name="input">The packed structures.</param>
    /// <param name="directForces">Evaluate the direct force head.</param>
    /// <param name="conservativeForces">Compute F = −∂E/∂R (marks the positions as requiring gradients).</param>
    /// <param name="createGraph">Keep the force computation differentiable (training on conservative forces).</param>
    public PotentialOutput<T> Forward(ModelInput<T> input, bool directForces = true, bool conservativeForces = false, bool createGraph = false)
    {
        if (conservativeForces && !input.Positions.RequiresGrad)
        {
            if (!input.Positions.IsLeaf) throw new ArgumentException("Positions must be a leaf tensor to differentiate with respect to them.", nameof(input));
            input.Positions.RequiresGrad = true;
        }
        // The fused message gradient is first order: keep the composite ops when forces must be differentiated again.
        var (s, v) = _backbone.Forward(input, allowFused: !(conservativeForces && createGraph));
        var output = EnergyReadout(s, input);

        if (directForces)
            output.DirectForces = _forces.Forward(s, v) * T.CreateChecked(Statistics.ForceRms);
        if (conservativeForces)
        {
            var grad = Autograd.Grad(Tensor.Sum(output.ModelEnergy), [input.Positions], createGraph)[0];
            output.ConservativeForces = Tensor.Neg(grad);
        }
        return output;
    }

    /// <summary>The backbone (for <see cref="ChunkedPotentialEvaluator{T}"/>).</summary>
    internal PaiNN<T> Backbone => _backbone;

    /// <summary>The direct force head (for <see cref="ChunkedPotentialEvaluator{T}"/>).</summary>
    internal DirectForceHead<T> ForceHead => _forces;

    /// <summary>The energy head on the final scalar features s [N, F]: energies, histogram statistics, recorded when s is.</summary>
    internal PotentialOutput<T> EnergyReadout(Tensor<T> s, ModelInput<T> input)
    {
        var output = new PotentialOutput<T> { ScalarFeatures = s };
        Tensor<T> yHat;
        int structures = input.StructureCount;
        if (_hlGauss is not null)
        {
            var logp = _hlGauss.Forward(s, input);
            output.LogProbabilities = logp;
            yHat = Tensor.Reshape(Tensor.MatMul(Tensor.Exp(logp), _centreColumn!), structures);
            FillHistogramStatistics(output, logp, input);
        }
        else
        {
            yHat = _regression!.Forward(s, input);
        }
        output.NormalizedEnergy = yHat;

        // E = N (sd·ŷ + mu) in T, plus the element-reference sum in double.
        var scale = Tensor<T>.Scratch(structures);
        var offset = Tensor<T>.Scratch(structures);
        for (int k = 0; k < structures; k++)
        {
            scale[k] = T.CreateChecked(input.AtomCounts[k] * Statistics.Sd);
            offset[k] = T.CreateChecked(input.AtomCounts[k] * Statistics.Mu);
        }
        var modelEnergy = (yHat * scale) + offset;
        output.ModelEnergy = modelEnergy;
        output.Energy = new double[structures];
        var refSums = ReferenceSums(input);
        for (int k = 0; k < structures; k++) output.Energy[k] = double.CreateChecked(modelEnergy[k]) + refSums[k];
        return output;
    }

    /// <summary>Σ ref[Z] per structure, in double.</summary>
    public double[] ReferenceSums(ModelInput<T> input)
    {
        var sums = new double[input.StructureCount];
        for (int a = 0; a < input.AtomCount; a++) sums[input.AtomToStructure[a]] += Statistics.ElementReferences[input.AtomicNumbers[a]];
        return sums;
    }

    private void FillHistogramStatistics(PotentialOutput<T> output, Tensor<T> logp, ModelInput<T> input)
    {
        int structures = input.StructureCount, k = _binCentres.Length;
        output.Entropy = new double[structures];
        output.EnergyStd = new double[structures];
        output.Probabilities = new double[structures * k];
        var lp = logp.Span;
        for (int st = 0; st < structures; st++)
        {
            double h = 0, mean = 0, total = 0;
            for (int b = 0; b < k; b++)
            {
                double l = double.CreateChecked(lp[(st * k) + b]);
                double p = Math.Exp(l);
                output.Probabilities[(st * k) + b] = p;
                total += p;
                mean += p * _binCentres[b];
                if (p > 0) h -= p * l;
            }
            mean /= total;
            double var = 0;
            for (int b = 0; b < k; b++)
            {
                double d = _binCentres[b] - mean;
                var += output.Probabilities[(st * k) + b] / total * d * d;
            }
            output.Entropy[st] = h;
            output.EnergyStd[st] = input.AtomCounts[st] * Statistics.Sd * Math.Sqrt(Math.Max(var, 0));
        }
    }
}

/// <summary>What <see cref="Potential{T}.Forward"/> returns. Tensors stay in the graph when gradients are recorded.</summary>
public sealed class PotentialOutput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Normalised per-atom energy prediction ŷ_n per structure [S].</summary>
    public Tensor<T> NormalizedEnergy { get; internal set; } = null!;

    /// <summary>The model part of the energy N(sd·ŷ + mu) per structure [S], eV, without element references.</summary>
    public Tensor<T> ModelEnergy { get; internal set; } = null!;

    /// <summary>Total energy per structure in eV (model part plus element references in double).</summary>
    public double[] Energy { get; internal set; } = [];

    /// <summary>HL-Gauss: log-probabilities [S, K]; null for the regression head.</summary>
    public Tensor<T>? LogProbabilities { get; internal set; }

    /// <summary>HL-Gauss: probabilities, flat [S·K], in double.</summary>
    public double[]? Probabilities { get; internal set; }

    /// <summary>HL-Gauss: entropy of each structure's histogram in nats.</summary>
    public double[]? Entropy { get; internal set; }

    /// <summary>HL-Gauss: std_E = N·sd·(histogram standard deviation), eV.</summary>
    public double[]? EnergyStd { get; internal set; }

    /// <summary>
    /// The backbone's final per-atom scalar features s [N, F], the input of the energy and force heads (read by the
    /// post-hoc uncertainty estimators in <c>CatPot.Uncertainty</c>; no extra pass over the backbone).
    /// </summary>
    public Tensor<T> ScalarFeatures { get; internal set; } = null!;

    /// <summary>Direct-head forces [N, 3] in eV/Å.</summary>
    public Tensor<T>? DirectForces { get; internal set; }

    /// <summary>Conservative forces −∂E/∂R [N, 3] in eV/Å.</summary>
    public Tensor<T>? ConservativeForces { get; internal set; }
}
