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
        if (n >= ChunkedFromAtoms && input.Topology is not null)
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
