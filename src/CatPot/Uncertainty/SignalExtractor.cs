using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Tensors;

namespace CatPot.Uncertainty;

/// <summary>
/// Runs a model over structures (energy only, no gradients, batches bounded by an atom budget) and collects the
/// <see cref="StructureSignals"/> of each: one forward pass per structure; the readout's hidden layer
/// silu(energy.mlp1(s)) is recomputed from the backbone features, which costs one small matrix product.
/// </summary>
public static class SignalExtractor
{
    /// <summary>Fraction of the bins at each end of the support whose mass is the tail mass.</summary>
    public const double TailFraction = 0.05;

    /// <summary>The parameter names of the energy readout's first (hidden) layer, shared by both v1 heads.</summary>
    public const string ReadoutHiddenWeight = "energy.mlp1.weight", ReadoutHiddenBias = "energy.mlp1.bias";

    /// <summary>Signals of every structure, in order.</summary>
    /// <exception cref="ArgumentException">The model has no <c>energy.mlp1</c> readout layer.</exception>
    public static StructureSignals[] Extract(Potential<float> model, IReadOnlyList<Structure> structures, int maxAtoms = 2000, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(structures);
        if (!model.Parameters.Names.Contains(ReadoutHiddenWeight))
            throw new ArgumentException($"The model has no '{ReadoutHiddenWeight}' parameter; the uncertainty estimators read that readout layer.", nameof(model));
        var w1 = model.Parameters[ReadoutHiddenWeight];
        var b1 = model.Parameters.Names.Contains(ReadoutHiddenBias) ? model.Parameters[ReadoutHiddenBias] : null;
        int k = model.Head.BinCount; // bins of any histogram head (tail bins included), 0 for a point-only head
        int tail = k > 0 ? Math.Max(1, (int)Math.Ceiling(TailFraction * k)) : 0;

        var results = new StructureSignals[structures.Count];
        var counts = structures.Select(s => s.AtomCount).ToArray();
        var plan = new BatchPlanner(0, maxAtoms, OversizeStructurePolicy.OwnBatch, shuffle: false).Plan(counts, 0);
        var builder = new NeighborListBuilder(model.Config.Cutoff);
        var keep = model.Parameters.Items.Select(p => p.Tensor.RequiresGrad).ToArray();
        model.Parameters.SetRequiresGrad(false);
        var arena = new TensorArena();
        try
        {
            int done = 0;
            foreach (var indices in plan.Batches)
            {
                using var scope = arena.Use();
                using var noGrad = Autograd.NoGrad();
                var batch = GraphBatch.Create(structures, indices, builder);
                var input = ModelInput<float>.FromBatch(batch);
                var output = model.Forward(input, directForces: false);
                var s = output.ScalarFeatures;
                var h = Tensor.Silu(Tensor.Linear(s, w1, b1));
                int f = s.Shape[1], dh = h.Shape[1];
                var sSpan = s.Span;
                var hSpan = h.Span;
                for (int st = 0; st < indices.Length; st++)
                {
                    int n = batch.AtomCounts[st], off = batch.AtomOffsets[st], e0 = batch.EdgeOffsets[st], e1 = batch.EdgeOffsets[st + 1];
                    var atom = new double[n * f];
                    for (int i = 0; i < atom.Length; i++) atom[i] = sSpan[(off * f) + i];
                    var readout = new double[dh];
                    for (int a = 0; a < n; a++)
                        for (int j = 0; j < dh; j++) readout[j] += hSpan[((off + a) * dh) + j];
                    for (int j = 0; j < dh; j++) readout[j] /= n;
                    double? tailMass = null;
                    if (output.Probabilities is { } p)
                    {
                        double m = 0;
                        for (int b = 0; b < tail; b++) m += p[(st * k) + b] + p[(st * k) + k - 1 - b];
                        tailMass = m;
                    }
                    results[indices[st]] = new StructureSignals
                    {
                        Numbers = structures[indices[st]].Numbers,
                        Energy = output.Energy[st],
                        AtomFeatures = atom,
                        ReadoutFeatures = readout,
                        Entropy = output.Entropy?[st],
                        HistogramStd = output.EnergyStd?[st],
                        TailMass = tailMass,
                        NearestNeighbour = BondSupport.NearestNeighbour(n, off, batch.Receivers.AsSpan(e0, e1 - e0),
                            Array.ConvertAll(batch.EdgeDistances[e0..e1], d => (double)d), model.Config.Cutoff),
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
}
