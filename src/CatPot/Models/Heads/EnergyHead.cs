using System.Numerics;
using System.Text.Json.Nodes;
using CatPot.Tensors;

namespace CatPot.Models.Heads;

/// <summary>
/// The description of an energy head: its name in the model file and the CLI, its settings, the parameters it owns
/// and how it is built. One subclass per head, each in its own file beside its runtime <see cref="EnergyHead{T}"/>;
/// <see cref="EnergyHeads"/> lists them by name. Immutable (a record), so a model's description can be compared and
/// copied freely.
/// </summary>
public abstract record EnergyHeadConfig
{
    /// <summary>The head's name in model files, grid files and <c>--head</c> (a key of <see cref="EnergyHeads.ByName"/>).</summary>
    public abstract string Name { get; }

    /// <summary>A short human-readable label with the settings, e.g. for result tables.</summary>
    public abstract string Label { get; }

    /// <summary>True for heads that predict a histogram (entropy, std_E, edge mass are read out).</summary>
    public abstract bool IsDistributional { get; }

    /// <summary>False for a head that still needs <see cref="Fit"/> (its support comes from the training data).</summary>
    public virtual bool IsFitted => true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting that is out of range.</summary>
    public abstract void Validate();

    /// <summary>The head's parameters (names under <c>energy.</c> and shapes) for feature width <paramref name="features"/>, in registration order.</summary>
    public abstract IReadOnlyList<ModelParameterSpec> Parameters(int features);

    /// <summary>Builds the runtime head, registering its parameters in <paramref name="parameters"/>.</summary>
    public abstract EnergyHead<T> Create<T>(ParameterSet<T> parameters, int features, PotentialStatistics statistics)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The configuration completed from the training targets y_n (e.g. a support derived from their range); heads
    /// that need nothing from the data return themselves. Called once by the trainer before the model is built.
    /// </summary>
    public virtual EnergyHeadConfig Fit(ReadOnlySpan<double> trainingTargets, PotentialStatistics statistics) => this;

    /// <summary>
    /// The head's own settings as written to the model file under <c>head_settings</c> (null for the v1 heads, whose
    /// settings are the contract's top-level keys K, sigma_ratio and T).
    /// </summary>
    public abstract JsonObject? Settings();

    /// <summary>
    /// Settings added after model files of this head were first written, with the value those older files imply
    /// (their <c>head_settings</c> lack the key). The model-file reader fills them in before reading; the defaults of
    /// new configurations are the record's own.
    /// </summary>
    public virtual IReadOnlyDictionary<string, double> ImpliedByOlderFiles() => new Dictionary<string, double>();
}

/// <summary>What a head's forward pass gives: the normalised point energy and, for distributional heads, log-probabilities.</summary>
public sealed class HeadOutput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Normalised per-atom point energy ŷ_n per structure [S] (in the graph).</summary>
    public required Tensor<T> NormalizedEnergy { get; init; }

    /// <summary>Log-probabilities [S, bins] of each structure's histogram, or null.</summary>
    public Tensor<T>? LogProbabilities { get; init; }
}

/// <summary>Readouts of a distributional head for one batch, in double.</summary>
public sealed class HistogramReadouts
{
    /// <summary>Probabilities, flat [S·bins] (tail bins included where the head has them).</summary>
    public required double[] Probabilities { get; init; }

    /// <summary>Entropy per structure (nats).</summary>
    public required double[] Entropy { get; init; }

    /// <summary>std_E per structure: N·sd·(std of the histogram in y_n units), eV.</summary>
    public required double[] EnergyStd { get; init; }

    /// <summary>Mass in the bins at the support's ends (tail bins, or the end bins of a head without tails).</summary>
    public required double[] EdgeMass { get; init; }
}

/// <summary>Where training or evaluation targets fall relative to a head's support.</summary>
/// <param name="Outside">Fraction of targets outside the support's finite edges (in a tail bin, or clamped).</param>
/// <param name="NearEdge">Fraction inside but within one σ of an end edge.</param>
public readonly record struct SupportCoverage(double Outside, double NearEdge);

/// <summary>
/// A runtime energy head: it owns its parameters, computes the point energy (and the histogram) from the backbone's
/// scalar features, its training loss against normalised targets, and its readouts.
/// </summary>
public abstract class EnergyHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The head's description.</summary>
    public abstract EnergyHeadConfig Config { get; }

    /// <summary>Number of histogram bins including tail bins (0 for a point-only head).</summary>
    public virtual int BinCount => 0;

    /// <summary>The forward pass from per-atom scalar features <paramref name="s"/> [N, F].</summary>
    public abstract HeadOutput<T> Forward(Tensor<T> s, ModelInput<T> input);

    /// <summary>The energy loss (mean over the batch) against normalised targets y_n, one per structure.</summary>
    public abstract Tensor<T> Loss(HeadOutput<T> output, ReadOnlySpan<double> targets);

    /// <summary>Histogram readouts, or null for a point-only head.</summary>
    public virtual HistogramReadouts? Readouts(HeadOutput<T> output, ReadOnlySpan<int> atomCounts, double sd) => null;

    /// <summary>
    /// Bin edges in y_n units for plots, calibration and NLL (bins + 1 values; tail bins get a finite width, see
    /// the head's remarks), for the histogram of a structure whose point prediction is <paramref name="pointEnergy"/>
    /// (only residual heads depend on it); null for a point-only head.
    /// </summary>
    public virtual double[]? HistogramEdges(double pointEnergy) => null;

    /// <summary>Where normalised targets fall relative to the support (null for a point-only head).</summary>
    public virtual SupportCoverage? Coverage(ReadOnlySpan<double> targets, ReadOnlySpan<double> pointEnergies) => null;

    /// <summary>
    /// The histogram target of one structure (length <see cref="BinCount"/>) in y_n units, given its point prediction
    /// (for residual heads); used by plots. Point-only heads return false.
    /// </summary>
    public virtual bool Target(double yn, double pointEnergy, Span<double> q) => false;
}

/// <summary>Shared pieces of the heads: per-structure means and histogram statistics.</summary>
public static class HeadMath
{
    /// <summary>Mean over each structure's atoms of per-atom rows [N, C] → [S, C].</summary>
    public static Tensor<T> StructureMean<T>(Tensor<T> perAtom, ModelInput<T> input) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sum = Tensor.IndexAdd(perAtom, input.AtomToStructure, input.StructureCount);
        var inv = Tensor<T>.Scratch(input.StructureCount, 1);
        for (int k = 0; k < input.StructureCount; k++) inv[k] = T.One / T.CreateChecked(input.AtomCounts[k]);
        return sum * inv;
    }

    /// <summary>A constant column [K, 1] of <paramref name="values"/> (bin centres) for expectations by matrix product.</summary>
    public static Tensor<T> Column<T>(ReadOnlySpan<double> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new Tensor<T>(values.Length, 1);
        for (int k = 0; k < values.Length; k++) c[k] = T.CreateChecked(values[k]);
        return c;
    }

    /// <summary>Cross-entropy −Σ q log p, mean over structures, with targets q [S, K].</summary>
    public static Tensor<T> CrossEntropy<T>(Tensor<T> logProbabilities, Tensor<T> targets) where T : unmanaged, IFloatingPointIeee754<T>
        => Tensor.Neg(Tensor.Sum(targets * logProbabilities)) * (T.One / T.CreateChecked(logProbabilities.Shape[0]));

    /// <summary>Mean absolute error of normalised energies.</summary>
    public static Tensor<T> MeanAbsoluteError<T>(Tensor<T> predicted, ReadOnlySpan<double> targets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new Tensor<T>(targets.Length);
        for (int i = 0; i < targets.Length; i++) y[i] = T.CreateChecked(targets[i]);
        return Tensor.Mean(Tensor.Abs(predicted - y));
    }

    /// <summary>
    /// Probabilities, entropy, std_E (N·sd·std over <paramref name="centres"/>) and the mass of the first and last bin of
    /// log-probabilities [S, K] (for residual heads the centres are the residual's; a shift would not change the std).
    /// </summary>
    public static HistogramReadouts Readouts<T>(Tensor<T> logp, ReadOnlySpan<double> centres, ReadOnlySpan<int> atomCounts, double sd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int structures = logp.Shape[0], k = logp.Shape[1];
        var probabilities = new double[structures * k];
        var entropy = new double[structures];
        var std = new double[structures];
        var edge = new double[structures];
        var lp = logp.Span;
        for (int st = 0; st < structures; st++)
        {
            double h = 0, mean = 0, total = 0;
            for (int b = 0; b < k; b++)
            {
                double l = double.CreateChecked(lp[(st * k) + b]);
                double p = Math.Exp(l);
                probabilities[(st * k) + b] = p;
                total += p;
                mean += p * centres[b];
                if (p > 0) h -= p * l;
            }
            mean /= total;
            double variance = 0;
            for (int b = 0; b < k; b++)
            {
                double d = centres[b] - mean;
                variance += probabilities[(st * k) + b] / total * d * d;
            }
            entropy[st] = h;
            std[st] = atomCounts[st] * sd * Math.Sqrt(Math.Max(variance, 0));
            edge[st] = probabilities[st * k] + probabilities[(st * k) + k - 1];
        }
        return new HistogramReadouts { Probabilities = probabilities, Entropy = entropy, EnergyStd = std, EdgeMass = edge };
    }
}
