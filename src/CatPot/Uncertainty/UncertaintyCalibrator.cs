using System.Text.Json.Nodes;
using CatPot.Chemistry;
using CatPot.Models;

namespace CatPot.Uncertainty;

/// <summary>Settings of <see cref="UncertaintyCalibrator"/>.</summary>
public sealed record CalibrationOptions
{
    /// <summary>Gaussian components per element (1: DDU's class-conditional Gaussian).</summary>
    public int DensityComponents { get; init; } = 1;

    /// <summary>Least shrinkage of the density covariances towards their diagonal.</summary>
    public double DensityShrinkage { get; init; } = GaussianMixture.DefaultShrinkage;

    /// <summary>k of the structure's top-k mean atom novelty.</summary>
    public int TopAtoms { get; init; } = 3;

    /// <summary>Parent-grouped folds for the out-of-fold scores the conformal factors are computed from.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Ridge penalty of the fused model on standardised inputs.</summary>
    public double Ridge { get; init; } = 1e-2;

    /// <summary>Added to |ΔE| (eV) before the logarithm.</summary>
    public double ErrorFloor { get; init; } = 1e-3;

    /// <summary>
    /// Whether the fused model's weights are fitted on the variation inside calibration parents (parent fixed effects,
    /// then one common scale; <see cref="LogErrorModel.Fit"/>) rather than on the pooled structures. Default true: with
    /// a few dozen calibration parents the pooled fit learns which parents happened to be hard (docs/uncertainty.md).
    /// </summary>
    public bool FusedWithinParents { get; init; } = true;

    /// <summary>Inputs of the fused model; null for <see cref="SignalFeatures.FusedNames"/>.</summary>
    public string[]? Features { get; init; }

    /// <summary>
    /// Exponent β of the out-of-domain term (<see cref="NoveltyInflation"/>): energy_std grows as (ν/ν_ref)^β beyond the
    /// calibration set's largest atom novelty ν_ref of each element; 0 switches it off.
    /// </summary>
    public double NoveltyExponent { get; init; } = NoveltyInflation.DefaultExponent;

    /// <summary>Whether to fit the geometric out-of-domain term (<see cref="Uncertainty.BondSupport"/>).</summary>
    public bool BondSupport { get; init; } = true;

    /// <summary>Seed of the mixture initialisation.</summary>
    public int Seed { get; init; }

    /// <summary>Atom budget per batch during extraction.</summary>
    public int MaxAtoms { get; init; } = 2000;
}

/// <summary>
/// Fits a model's <see cref="UncertaintyModel"/> after training, without retraining: one pass over the training set
/// fits the feature density and the last-layer rigidity; one pass over calibration structures (parents not used for
/// training) fits the fused log-error model and its conformal factors. The conformal ratios come from parent-grouped
/// out-of-fold scores, so the calibration set is not used twice for the same structure.
/// </summary>
public static class UncertaintyCalibrator
{
    /// <summary>The fewest labelled calibration structures <see cref="Calibrate"/> accepts.</summary>
    public const int MinCalibrationStructures = 10;

    /// <summary>Fits density and rigidity on the training structures' signals.</summary>
    public static (FeatureDensity Density, LastLayerRigidity Rigidity) FitEstimators(IReadOnlyList<StructureSignals> training, CalibrationOptions? options = null)
    {
        options ??= new CalibrationOptions();
        if (training.Count == 0) throw new ArgumentException("Fitting the uncertainty estimators needs training structures.", nameof(training));
        int d = training[0].AtomFeatures.Length / training[0].AtomCount, dr = training[0].ReadoutFeatures.Length;
        long atoms = training.Sum(s => (long)s.AtomCount);
        var features = new double[atoms * d];
        var numbers = new int[atoms];
        var readout = new double[training.Count * dr];
        long off = 0;
        for (int i = 0; i < training.Count; i++)
        {
            var s = training[i];
            s.AtomFeatures.CopyTo(features, off * d);
            s.Numbers.CopyTo(numbers, off);
            off += s.AtomCount;
            s.ReadoutFeatures.CopyTo(readout, i * dr);
        }
        var density = FeatureDensity.Fit(features, numbers, d, options.DensityComponents, seed: options.Seed, shrinkage: options.DensityShrinkage);
        var rigidity = LastLayerRigidity.Fit(readout, dr);
        return (density, rigidity);
    }

    /// <summary>The nearest-neighbour ranges of the training atoms, or null when the signals lack the distances.</summary>
    public static BondSupport? FitBondSupport(IReadOnlyList<StructureSignals> training) =>
        training.Count > 0 && training.All(s => s.NearestNeighbour is not null) ? BondSupport.Fit(training.Select(s => (s.Numbers, s.NearestNeighbour!))) : null;

    /// <summary>
    /// Fits the fused model and the conformal factors on calibration structures with known energies.
    /// </summary>
    /// <param name="density">Fitted on the training set.</param>
    /// <param name="rigidity">Fitted on the training set.</param>
    /// <param name="calibration">Signals of the calibration structures.</param>
    /// <param name="trueEnergies">Their reference total energies (eV).</param>
    /// <param name="groups">Their parent (or other group) labels; folds never split a group.</param>
    /// <param name="options">Settings.</param>
    /// <param name="provenance">Stored with the model (data names, counts).</param>
    /// <param name="trainingBonds">Nearest-neighbour ranges of the training atoms (<see cref="FitBondSupport"/>), widened here by the
    /// calibration atoms; null leaves the geometric term out.</param>
    public static UncertaintyModel Calibrate(FeatureDensity density, LastLayerRigidity rigidity, IReadOnlyList<StructureSignals> calibration,
        IReadOnlyList<double> trueEnergies, IReadOnlyList<string> groups, CalibrationOptions? options = null, JsonObject? provenance = null,
        BondSupport? trainingBonds = null)
    {
        options ??= new CalibrationOptions();
        int n = calibration.Count;
        if (n < MinCalibrationStructures) throw new ArgumentException($"Calibration needs at least {MinCalibrationStructures} structures with energies; got {n}.", nameof(calibration));
        if (trueEnergies.Count != n || groups.Count != n) throw new ArgumentException($"Need one energy and group per structure; got {trueEnergies.Count} and {groups.Count} for {n}.");
        var signals = calibration.Select(s => UncertaintyModel.ComputeSignals(density, rigidity, s, options.TopAtoms)).ToArray();
        bool histogram = signals.All(s => s.Entropy is not null);
        string[] names = options.Features ?? SignalFeatures.FusedNames(histogram);
        int p = names.Length;
        var x = new double[n * p];
        var err = new double[n];
        var atomX = new double[n * 2];
        var atomErr = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < p; j++) x[(i * p) + j] = signals[i].Feature(names[j]);
            err[i] = Math.Abs(calibration[i].Energy - trueEnergies[i]);
            atomX[2 * i] = signals[i].Feature("log_novelty_max");
            atomX[(2 * i) + 1] = signals[i].RarityMax;
            atomErr[i] = err[i] / signals[i].AtomCount;
        }
        string[] atomNames = SignalFeatures.AtomNames;
        var fold = AssignFolds(groups, options.Folds);
        int folds = fold.Max() + 1;
        var oof = new double[n];
        var atomOof = new double[n];
        for (int f = 0; f < folds; f++)
        {
            var train = Enumerable.Range(0, n).Where(i => fold[i] != f).ToArray();
            if (train.Length < 2) train = Enumerable.Range(0, n).ToArray();
            var m = LogErrorModel.Fit(names, Rows(x, p, train), train.Select(i => err[i]).ToArray(), options.ErrorFloor, options.Ridge,
                groups: options.FusedWithinParents ? train.Select(i => groups[i]).ToArray() : null);
            var am = LogErrorModel.Fit(atomNames, Rows(atomX, 2, train), train.Select(i => atomErr[i]).ToArray(), options.ErrorFloor / 10, options.Ridge);
            for (int i = 0; i < n; i++)
                if (fold[i] == f)
                {
                    oof[i] = m.Size(x.AsSpan(i * p, p));
                    atomOof[i] = am.Size(atomX.AsSpan(2 * i, 2));
                }
        }
        var energyModel = LogErrorModel.Fit(names, x, err, options.ErrorFloor, options.Ridge, groups: options.FusedWithinParents ? groups : null);
        var atomModel = LogErrorModel.Fit(atomNames, atomX, atomErr, options.ErrorFloor / 10, options.Ridge);
        var prov = provenance is null ? new JsonObject() : (JsonObject)provenance.DeepClone();
        prov["calibration_structures"] = n;
        prov["calibration_groups"] = groups.Distinct(StringComparer.Ordinal).Count();
        prov["folds"] = folds;
        prov["density_components"] = options.DensityComponents;
        prov["fused_fit"] = options.FusedWithinParents ? "within_parents" : "pooled";
        var inflation = NoveltyInflation.Fit(signals.Select(s => (s.AtomNovelty, s.Numbers)), options.NoveltyExponent);
        var bonds = trainingBonds is not null && options.BondSupport && calibration.All(s => s.NearestNeighbour is not null)
            ? trainingBonds.Including(calibration.Select(s => (s.Numbers, s.NearestNeighbour!)))
            : null;
        return new UncertaintyModel(density, rigidity, energyModel, NormalisedResidualQuantiles.Fit(err, oof),
            atomModel, NormalisedResidualQuantiles.Fit(atomErr, atomOof), options.TopAtoms, prov, inflation, bonds);
    }

    /// <summary>
    /// The whole fit from a model and structures: extraction over <paramref name="training"/> and
    /// <paramref name="calibration"/> (which must have energies; groups from the <c>parent</c> info key, else one per structure).
    /// </summary>
    public static UncertaintyModel Fit(Potential<float> model, IReadOnlyList<Structure> training, IReadOnlyList<Structure> calibration,
        CalibrationOptions? options = null, JsonObject? provenance = null, Action<string>? log = null)
    {
        options ??= new CalibrationOptions();
        var labelled = calibration.Where(s => s.Energy is not null).ToList();
        log?.Invoke($"extracting features of {training.Count} training structures");
        var train = SignalExtractor.Extract(model, training, options.MaxAtoms);
        log?.Invoke("fitting feature density and last-layer rigidity");
        var (density, rigidity) = FitEstimators(train, options);
        var bonds = FitBondSupport(train);
        train = null;
        log?.Invoke($"extracting features of {labelled.Count} calibration structures");
        var cal = SignalExtractor.Extract(model, labelled, options.MaxAtoms);
        var prov = provenance is null ? new JsonObject() : (JsonObject)provenance.DeepClone();
        prov["training_structures"] = training.Count;
        return Calibrate(density, rigidity, cal, labelled.Select(s => s.Energy!.Value).ToArray(), GroupsOf(labelled), options, prov, bonds);
    }

    /// <summary>The <c>parent</c> info value of each structure, or a unique label when absent.</summary>
    public static string[] GroupsOf(IReadOnlyList<Structure> structures) =>
        structures.Select((s, i) => s.Info.TryGetValue("parent", out var p) && p?.ToString() is { Length: > 0 } t ? t : $"#{i}").ToArray();

    /// <summary>Fold of each item: the distinct groups in order of first appearance, dealt round-robin.</summary>
    public static int[] AssignFolds(IReadOnlyList<string> groups, int folds)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in groups) index.TryAdd(g, index.Count);
        int k = Math.Max(1, Math.Min(folds, index.Count));
        return groups.Select(g => index[g] % k).ToArray();
    }

    private static double[] Rows(double[] x, int p, int[] rows)
    {
        var r = new double[rows.Length * p];
        for (int i = 0; i < rows.Length; i++) x.AsSpan(rows[i] * p, p).CopyTo(r.AsSpan(i * p, p));
        return r;
    }
}
