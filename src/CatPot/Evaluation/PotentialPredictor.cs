using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Models.Heads;
using CatPot.Tensors;

namespace CatPot.Evaluation;

/// <summary>One structure's prediction: total energy, forces and (HL-Gauss) the histogram and its uncertainty.</summary>
public sealed record PredictedStructure
{
    /// <summary>Total energy (eV).</summary>
    public required double Energy { get; init; }

    /// <summary>Forces (eV/Å), flat [3N]: conservative when asked for, else direct.</summary>
    public required double[] Forces { get; init; }

    /// <summary>Normalised per-atom energy ŷ_n.</summary>
    public required double NormalizedEnergy { get; init; }

    /// <summary>Histogram entropy (nats), distributional heads only.</summary>
    public double? Entropy { get; init; }

    /// <summary>std_E (eV), distributional heads only.</summary>
    public double? EnergyStd { get; init; }

    /// <summary>Bin probabilities (tail bins included), distributional heads only.</summary>
    public double[]? Probabilities { get; init; }

    /// <summary>Mass in the support's end (tail) bins, distributional heads only.</summary>
    public double? EdgeMass { get; init; }
}

/// <summary>Runs a model over many structures in batches bounded by an atom budget, in input order.</summary>
public static class PotentialPredictor
{
    /// <summary>Batches with at least this many atoms (a structure larger than the budget gets its own) take the large-system path.</summary>
    public const int LargeBatchAtoms = 2000;

    /// <summary>Predictions for every structure, in order.</summary>
    /// <param name="model">The model (its parameters are temporarily set not to require gradients).</param>
    /// <param name="structures">Validated structures.</param>
    /// <param name="conservativeForces">Forces as −∂E/∂R instead of the direct head.</param>
    /// <param name="maxAtoms">Atom budget per batch.</param>
    /// <param name="progress">Called with the number of structures done.</param>
    /// <param name="arena">Where the batches' tensor storage is recycled (e.g. a trainer's, so that validation reuses the
    /// training steps' arrays); null for a private one that is dropped afterwards.</param>
    public static PredictedStructure[] Predict(Potential<float> model, IReadOnlyList<Structure> structures, bool conservativeForces = false, int maxAtoms = 1000, Action<int>? progress = null, TensorArena? arena = null)
    {
        var results = new PredictedStructure[structures.Count];
        var counts = structures.Select(s => s.AtomCount).ToArray();
        var plan = new BatchPlanner(0, maxAtoms, OversizeStructurePolicy.OwnBatch, shuffle: false).Plan(counts, 0);
        var builder = new NeighborListBuilder(model.Config.Cutoff);
        var keep = model.Parameters.Items.Select(p => p.Tensor.RequiresGrad).ToArray();
        model.Parameters.SetRequiresGrad(false);
        try
        {
            int done = 0;
            arena ??= new TensorArena();
            ChunkedPotentialEvaluator<float>? chunked = null;
            foreach (var indices in plan.Batches)
            {
                // Results are copied into ordinary arrays below, so each batch's tensors can serve the next batch.
                using var scope = arena.Use();
                var batch = GraphBatch.Create(structures, indices, builder);
                var input = ModelInput<float>.FromBatch(batch);
                PotentialOutput<float> output;
                if (batch.AtomCount >= LargeBatchAtoms && input.Topology is not null && ChunkedPotentialEvaluator<float>.Supports(model.Config))
                {
                    // A big structure (its own batch): the large-system path, memory linear in the atom count.
                    chunked ??= new ChunkedPotentialEvaluator<float>(model);
                    using (conservativeForces ? default : Autograd.NoGrad())
                        output = chunked.Evaluate(input, directForces: !conservativeForces, conservativeForces);
                }
                else if (conservativeForces) output = model.Forward(input, directForces: false, conservativeForces: true);
                else
                {
                    using var _ = Autograd.NoGrad();
                    output = model.Forward(input, directForces: true);
                }
                var forces = (conservativeForces ? output.ConservativeForces : output.DirectForces)!.Span;
                int k = model.Head.BinCount;
                for (int s = 0; s < indices.Length; s++)
                {
                    int n = batch.AtomCounts[s], off = batch.AtomOffsets[s];
                    var f = new double[3 * n];
                    for (int i = 0; i < f.Length; i++) f[i] = forces[(3 * off) + i];
                    results[indices[s]] = new PredictedStructure
                    {
                        Energy = output.Energy[s],
                        Forces = f,
                        NormalizedEnergy = output.NormalizedEnergy[s],
                        Entropy = output.Entropy?[s],
                        EnergyStd = output.EnergyStd?[s],
                        Probabilities = output.Probabilities?.AsSpan(s * k, k).ToArray(),
                        EdgeMass = output.EdgeMass?[s],
                    };
                }
                done += indices.Length;
                progress?.Invoke(done);
            }
        }
        finally
        {
            for (int i = 0; i < keep.Length; i++) model.Parameters.Items[i].Tensor.RequiresGrad = keep[i];
        }
        return results;
    }

    /// <summary>
    /// Where the labelled structures' normalised targets fall relative to the model's support (residual heads: the
    /// residuals relative to theirs); null for a point-only head.
    /// </summary>
    public static SupportCoverage? Coverage(Potential<float> model, IReadOnlyList<Structure> structures, IReadOnlyList<PredictedStructure> predictions)
    {
        var stats = model.Statistics;
        var targets = new List<double>(structures.Count);
        var points = new List<double>(structures.Count);
        for (int i = 0; i < structures.Count; i++)
        {
            if (structures[i].Energy is not double e) continue;
            targets.Add(((e - stats.ReferenceEnergy(structures[i].Numbers, structures[i].Charge)) / structures[i].AtomCount - stats.Mu) / stats.Sd);
            points.Add(predictions[i].NormalizedEnergy);
        }
        return model.Head.Coverage(targets.ToArray(), points.ToArray());
    }

    /// <summary>Pairs predictions with the labels of labelled structures, for <see cref="EvaluationReport.Compute"/>.</summary>
    public static List<StructurePrediction> Compare(Potential<float> model, IReadOnlyList<Structure> structures, IReadOnlyList<PredictedStructure> predictions)
    {
        var list = new List<StructurePrediction>(structures.Count);
        var stats = model.Statistics;
        for (int i = 0; i < structures.Count; i++)
        {
            var s = structures[i];
            var p = predictions[i];
            if (s.Energy is not double e) continue;
            PredictedHistogram? histogram = null;
            // A diverged model (during training) predicts non-finite energies: no histogram, the errors come out NaN.
            if (p.Probabilities is not null && double.IsFinite(p.NormalizedEnergy) && model.Head.HistogramEdges(p.NormalizedEnergy) is { } edges)
            {
                double yn = ((e - stats.ReferenceEnergy(s.Numbers, s.Charge)) / s.AtomCount - stats.Mu) / stats.Sd;
                histogram = new PredictedHistogram(p.Probabilities, edges, yn, s.AtomCount * stats.Sd);
            }
            list.Add(new StructurePrediction
            {
                Domain = s.Domain ?? "all",
                AtomCount = s.AtomCount,
                TrueEnergy = e,
                PredictedEnergy = p.Energy,
                TrueForces = s.Forces,
                PredictedForces = s.Forces is null ? null : p.Forces,
                Entropy = p.Entropy,
                StdE = p.EnergyStd,
                Histogram = histogram,
            });
        }
        return list;
    }
}
