using System.Numerics;
using CatPot.Models.Heads;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>
/// The whole model of the contract: PaiNN backbone, one energy head (<see cref="EnergyHeads"/>), the direct force
/// head, and conservative forces −∂E/∂R by automatic differentiation, plus the statistics that map normalised
/// predictions back to eV.
/// </summary>
/// <typeparam name="T">float for use, double for exact checks.</typeparam>
public sealed class Potential<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly PaiNN<T> _backbone;
    private readonly EnergyHead<T> _head;
    private readonly DirectForceHead<T> _forces;

    /// <summary>Builds a model with zero parameters; call <see cref="InitializeParameters"/> or load weights.</summary>
    /// <exception cref="ArgumentException">A hyperparameter is out of range, or the head needs a support it has not been fitted to.</exception>
    public Potential(PotentialConfig config, PotentialStatistics statistics)
    {
        config.Validate();
        Config = config;
        Statistics = statistics;
        _backbone = new PaiNN<T>(Parameters, config);
        _head = config.Head.Create(Parameters, config.Features, statistics);
        _forces = new DirectForceHead<T>(Parameters, config.Features, config.Eps);
    }

    /// <summary>Hyperparameters.</summary>
    public PotentialConfig Config { get; }

    /// <summary>Element references, normalisation and support.</summary>
    public PotentialStatistics Statistics { get; }

    /// <summary>All trainable tensors under the contract's names.</summary>
    public ParameterSet<T> Parameters { get; } = new();

    /// <summary>The energy head (its loss, readouts and support).</summary>
    public EnergyHead<T> Head => _head;

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
    /// PyTorch-style initialisation: linear weights uniform(±1/√in), biases 0, embeddings N(0, 1), from seeded
    /// generators: the backbone (embeddings and PaiNN layers) draws from <c>seed</c> itself, and each head
    /// (<c>energy.*</c>, <c>forces.*</c>) from its own stream derived from <c>seed</c> and its name. So changing the
    /// energy head changes no other parameter's initial value, and two heads whose first rows have the same shape
    /// (the <c>catres</c> regression row and the <c>mae</c> head) start from the same weights: a comparison of heads
    /// at one seed is then a paired comparison, not two unrelated draws.
    /// </summary>
    public void InitializeParameters(ulong seed)
    {
        var streams = new Dictionary<string, Xoshiro256StarStar>(StringComparer.Ordinal);
        foreach (var (name, t, _) in Parameters.Items)
        {
            string stream = InitializationStream(name);
            if (!streams.TryGetValue(stream, out var rng))
                streams[stream] = rng = new Xoshiro256StarStar(stream.Length == 0 ? seed : StreamSeed(seed, stream));
            if (name.StartsWith("embedding.", StringComparison.Ordinal)) Init.Normal(t, rng);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) t.Span.Clear();
            else
            {
                double bound = 1.0 / Math.Sqrt(t.Shape[1]);
                Init.Uniform(t, -bound, bound, rng);
            }
        }
    }

    /// <summary>The head a parameter belongs to (<c>energy</c>, <c>forces</c>), or "" for the backbone.</summary>
    private static string InitializationStream(string name)
    {
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        string module = dot < 0 ? name : name[..dot];
        return module is "energy" or "forces" ? module : "";
    }

    /// <summary>The seed of a head's stream: FNV-1a of its name mixed into <paramref name="seed"/> (stable across runs and platforms).</summary>
    private static ulong StreamSeed(ulong seed, string stream)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in stream) h = (h ^ c) * 1099511628211UL;
        ulong x = seed ^ h;
        return Xoshiro256StarStar.SplitMix64(ref x);
    }

    /// <summary>Runs the model.</summary>
    /// <param name="input">The packed structures.</param>
    /// <param name="directForces">Evaluate the direct force head.</param>
    /// <param name="conservativeForces">Compute F = −∂E/∂R (marks the positions as requiring gradients).</param>
    /// <param name="createGraph">Keep the force computation differentiable (training on conservative forces).</param>
    public PotentialOutput<T> Forward(ModelInput<T> input, bool directForces = true, bool conservativeForces = false, bool createGraph = false)
    {
        bool positionsMarkedHere = conservativeForces && !input.Positions.RequiresGrad;
        if (positionsMarkedHere)
        {
            if (!input.Positions.IsLeaf) throw new ArgumentException("Positions must be a leaf tensor to differentiate with respect to them.", nameof(input));
            input.Positions.RequiresGrad = true;
        }
        // The fused message has a second-order path, so training on conservative forces runs fused too.
        var (s, v) = _backbone.Forward(input);
        var output = EnergyReadout(s, input);

        if (directForces)
            output.DirectForces = _forces.Forward(s, v) * T.CreateChecked(Statistics.ForceRms);
        if (conservativeForces)
        {
            var grad = Autograd.Grad(Tensor.Sum(output.ModelEnergy), [input.Positions], createGraph)[0];
            output.ConservativeForces = Tensor.Neg(grad);
            // Training: a later backward pass then needs no gradient for the positions (mark them yourself to get one).
            if (positionsMarkedHere && createGraph) input.Positions.RequiresGrad = false;
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
        int structures = input.StructureCount;
        var head = _head.Forward(s, input);
        var yHat = head.NormalizedEnergy;
        output.Head = head;
        output.LogProbabilities = head.LogProbabilities;
        if (head.LogProbabilities is not null && _head.Readouts(head, input.AtomCounts, Statistics.Sd) is { } r)
        {
            output.Probabilities = r.Probabilities;
            output.Entropy = r.Entropy;
            output.EnergyStd = r.EnergyStd;
            output.EdgeMass = r.EdgeMass;
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

    /// <summary>The reference energy per structure (Σ ref[Z] plus the charge terms), in double.</summary>
    public double[] ReferenceSums(ModelInput<T> input)
    {
        var sums = new double[input.StructureCount];
        for (int k = 0; k < sums.Length; k++) sums[k] = Statistics.Charge.Energy(input.Charges[k]);
        for (int a = 0; a < input.AtomCount; a++) sums[input.AtomToStructure[a]] += Statistics.ElementReferences[input.AtomicNumbers[a]];
        return sums;
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

    /// <summary>The energy head's own output (for its loss).</summary>
    public HeadOutput<T> Head { get; internal set; } = null!;

    /// <summary>Distributional heads: mass in the support's end (tail) bins per structure.</summary>
    public double[]? EdgeMass { get; internal set; }

    /// <summary>Distributional heads: log-probabilities [S, bins]; null for a point-only head.</summary>
    public Tensor<T>? LogProbabilities { get; internal set; }

    /// <summary>Distributional heads: probabilities, flat [S·bins], in double.</summary>
    public double[]? Probabilities { get; internal set; }

    /// <summary>Distributional heads: entropy of each structure's histogram in nats.</summary>
    public double[]? Entropy { get; internal set; }

    /// <summary>Distributional heads: std_E = N·sd·(histogram standard deviation), eV.</summary>
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
