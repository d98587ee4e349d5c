using System.Numerics;
using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Tensors;

namespace CatPot.Simulation;

/// <summary>
/// The CatPot model as an <see cref="IForceCalculator"/> for one structure at a time (MD, optimisation, i-PI).
/// Keeps its neighbour-list builder, neighbour list, position tensor and model input between calls, so a step
/// reuses the storage of the model's tensors (a <see cref="TensorArena"/>); a step allocates only the autodiff graph's
/// small bookkeeping objects (plus new edge arrays when the edge set changes).
/// </summary>
/// <remarks>
/// The calculator is for inference: it switches <see cref="Tensor{T}.RequiresGrad"/> off on every model parameter so
/// that conservative forces record only the graph from positions to energy, and freezes the model
/// (<see cref="Potential{T}.FreezeForInference"/>): after changing the weights, build a new calculator. Do not train the same
/// <see cref="Potential{T}"/> instance while a calculator uses it. Not thread-safe.
/// </remarks>
/// <typeparam name="T">float for use, double for exact checks.</typeparam>
public sealed class PotentialCalculator<T> : IForceCalculator where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NeighborListBuilder _builder;
    private readonly NeighborList _neighbors = new();
    private Tensor<T>? _positions;
    private ModelInput<T>? _input;
    private readonly TensorArena _arena = new();
    private ChunkedPotentialEvaluator<T>? _chunked;

    /// <summary>Default of <see cref="ChunkedFromAtoms"/>.</summary>
    public const int DefaultChunkedFromAtoms = 1000;

    /// <summary>
    /// Structures with at least this many atoms go through the large-system path (memory linear in the atom count, no
    /// whole-graph autodiff record; the same results within float rounding); smaller ones through
    /// <see cref="Potential{T}.Forward"/>. <see cref="int.MaxValue"/> keeps every structure on the autodiff path.
    /// </summary>
    public int ChunkedFromAtoms { get; set; } = DefaultChunkedFromAtoms;

    /// <summary>Wraps a model.</summary>
    /// <param name="model">The potential; its parameters stop requiring gradients.</param>
    /// <param name="forces">Conservative (default, energy-conserving) or direct-head forces.</param>
    public PotentialCalculator(Potential<T> model, ForceSource forces = ForceSource.Conservative)
    {
        if (!Enum.IsDefined(forces)) throw new ArgumentOutOfRangeException(nameof(forces), forces, "Unknown force source.");
        Model = model;
        Forces = forces;
        _builder = new NeighborListBuilder(model.Config.Cutoff) { EdgeGeometry = false }; // the model computes edge geometry from positions
        foreach (var (_, parameter, _) in model.Parameters.Items) parameter.RequiresGrad = false;
        model.FreezeForInference();
    }

    /// <summary>The model.</summary>
    public Potential<T> Model { get; }

    /// <summary>Which forces <see cref="Calculate"/> returns.</summary>
    public ForceSource Forces { get; }

    /// <summary>
    /// The calibrated uncertainty of the model file (<c>catpot calibrate</c>), or null. When set, every call puts the
    /// calibrated ±1σ <see cref="CalculationResult.EnergyStd"/> (eV) in place of the histogram std and fills
    /// <see cref="CalculationResult.AtomUncertainty"/>; the features come from the same forward pass.
    /// </summary>
    public CatPot.Uncertainty.UncertaintyModel? Uncertainty { get; init; }

    /// <summary>How many times the model input was rebuilt because species, charge, spin or the edge set changed.</summary>
    public int InputRebuilds { get; private set; }

    /// <inheritdoc/>
    public void Calculate(Structure structure, CalculationResult result)
    {
        int n = structure.AtomCount;
        if (result.AtomCount != n)
            throw new ArgumentException($"The result holds {result.AtomCount} atoms but the structure has {n}.", nameof(result));
        _builder.Build(structure.Positions, structure.Cell, structure.Pbc, _neighbors);
        var input = InputFor(structure);
        // The model's intermediate tensors live only until the results are copied out, so every call reuses the
        // previous call's storage and a simulation step allocates no tensor memory.
        using var scope = _arena.Use();
        var pos = _positions!.Span;
        var src = structure.Positions;
        for (int k = 0; k < pos.Length; k++) pos[k] = T.CreateChecked(src[k]);

        PotentialOutput<T> output;
        Tensor<T> forces;
        if (n >= ChunkedFromAtoms && input.Topology is not null && ChunkedPotentialEvaluator<T>.Supports(Model.Config))
        {
            _chunked ??= new ChunkedPotentialEvaluator<T>(Model);
            bool conservative = Forces == ForceSource.Conservative;
            _positions.RequiresGrad = false;
            using (conservative ? default : Autograd.NoGrad())
                output = _chunked.Evaluate(input, directForces: !conservative, conservativeForces: conservative);
            forces = (conservative ? output.ConservativeForces : output.DirectForces)!;
        }
        else if (Forces == ForceSource.Conservative)
        {
            _positions.RequiresGrad = true;
            output = Model.Forward(input, directForces: false, conservativeForces: true);
            forces = output.ConservativeForces!;
        }
        else
        {
            _positions.RequiresGrad = false;
            using (Autograd.NoGrad()) output = Model.Forward(input, directForces: true, conservativeForces: false);
            forces = output.DirectForces!;
        }

        result.Energy = output.Energy[0];
        result.EnergyStd = output.EnergyStd is { } std ? std[0] : double.NaN;
        result.Entropy = output.Entropy is { } h ? h[0] : double.NaN;
        result.SupportEdgeMass = output.Probabilities is { } p ? p[0] + p[^1] : double.NaN;
        var f = forces.Span;
        var dst = result.Forces;
        for (int k = 0; k < dst.Length; k++) dst[k] = double.CreateChecked(f[k]);
        if (Uncertainty is not null) EstimateUncertainty(structure, output, result);
    }

    private void EstimateUncertainty(Structure structure, PotentialOutput<T> output, CalculationResult result)
    {
        int n = structure.AtomCount;
        var s = output.ScalarFeatures;
        var w1 = Model.Parameters[CatPot.Uncertainty.SignalExtractor.ReadoutHiddenWeight];
        var b1 = Model.Parameters.Names.Contains(CatPot.Uncertainty.SignalExtractor.ReadoutHiddenBias) ? Model.Parameters[CatPot.Uncertainty.SignalExtractor.ReadoutHiddenBias] : null;
        Tensor<T> h;
        using (Autograd.NoGrad()) h = Tensor.Silu(Tensor.Linear(s.Detach(), w1, b1));
        int fdim = s.Shape[1], dh = h.Shape[1];
        var sSpan = s.Span;
        var hSpan = h.Span;
        var atom = new double[n * fdim];
        for (int i = 0; i < atom.Length; i++) atom[i] = double.CreateChecked(sSpan[i]);
        var readout = new double[dh];
        for (int a = 0; a < n; a++)
            for (int j = 0; j < dh; j++) readout[j] += double.CreateChecked(hSpan[(a * dh) + j]);
        for (int j = 0; j < dh; j++) readout[j] /= n;
        double? tailMass = null;
        if (output.Probabilities is { } p)
        {
            int k = p.Length, tail = Math.Max(1, (int)Math.Ceiling(CatPot.Uncertainty.SignalExtractor.TailFraction * k));
            double m = 0;
            for (int b = 0; b < tail; b++) m += double.CreateChecked(p[b]) + double.CreateChecked(p[k - 1 - b]);
            tailMass = m;
        }
        var estimate = Uncertainty!.Estimate(new CatPot.Uncertainty.StructureSignals
        {
            Numbers = structure.Numbers,
            Energy = result.Energy,
            AtomFeatures = atom,
            ReadoutFeatures = readout,
            Entropy = double.IsNaN(result.Entropy) ? null : result.Entropy,
            HistogramStd = double.IsNaN(result.EnergyStd) ? null : result.EnergyStd,
            TailMass = tailMass,
            NearestNeighbour = NearestNeighbourDistances(structure),
        });
        result.EnergyStd = estimate.EnergyStd;
        result.AtomUncertainty = estimate.AtomUncertainty;
    }

    // Each atom's nearest-neighbour distance for the uncertainty's geometric term (CatPot.Uncertainty.BondSupport), from
    // the pairs of the neighbour list; the list keeps no periodic shifts, so periodic structures go without the term.
    private double[]? NearestNeighbourDistances(Structure structure)
    {
        if (structure.Pbc.Any(p => p)) return null;
        var pos = structure.Positions;
        var rec = _neighbors.Receivers;
        var snd = _neighbors.Senders;
        var distances = new double[rec.Length];
        for (int e = 0; e < distances.Length; e++)
        {
            int i = rec[e], j = snd[e];
            double dx = pos[3 * j] - pos[3 * i], dy = pos[(3 * j) + 1] - pos[(3 * i) + 1], dz = pos[(3 * j) + 2] - pos[(3 * i) + 2];
            distances[e] = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
        }
        return CatPot.Uncertainty.BondSupport.NearestNeighbour(structure.AtomCount, 0, rec, distances, Model.Config.Cutoff);
    }

    private ModelInput<T> InputFor(Structure structure)
    {
        var rec = _neighbors.Receivers;
        var snd = _neighbors.Senders;
        if (_input is { } cached
            && cached.Charges[0] == structure.Charge
            && cached.Spins[0] == structure.Spin
            && cached.AtomicNumbers.AsSpan().SequenceEqual(structure.Numbers)
            && cached.Receivers.AsSpan().SequenceEqual(rec)
            && cached.Senders.AsSpan().SequenceEqual(snd))
        {
            return cached;
        }

        int n = structure.AtomCount;
        if (_positions is null || _positions.Shape[0] != n) _positions = new Tensor<T>(n, 3);
        _input = new ModelInput<T>(
            (int[])structure.Numbers.Clone(), _positions, [structure.Charge], [structure.Spin],
            new int[n], [n], rec.ToArray(), snd.ToArray());
        InputRebuilds++;
        return _input;
    }
}
