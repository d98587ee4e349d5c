using CatPot.Distributed;
using CatPot.Tensors;
using CatPot.Tensors.Optim;

namespace CatPot.Training;

/// <summary>
/// Sums the gradients of a step's micro-batches in a fixed order, whoever computed them. Each rank copies the gradient
/// of each micro-batch it computed into a slot; <see cref="Reduce"/> gathers every rank's slots and adds the micro-batch
/// gradients in micro-batch order 0, 1, …, M − 1 (float32, one after another), then installs the sum as the parameters'
/// gradients. A single process computing all M micro-batches performs the very same additions, so one process with
/// M micro-batches and M ranks produce bit-identical gradients, whatever the timing.
/// </summary>
internal sealed class GradientReducer
{
    private const int LossTerms = 4; // total, energy, force, 1 when the slot holds a micro-batch

    private readonly Parameter[] _parameters;
    private readonly Communicator _communicator;
    private readonly int[] _offsets;
    private readonly int _slotLength;         // gradient floats + one presence flag per parameter
    private readonly float[] _send, _receive;
    private readonly double[] _sendLoss, _receiveLoss;
    private readonly Tensor<float>[] _sums;

    public GradientReducer(Parameter[] parameters, Communicator communicator, int microBatches)
    {
        _parameters = parameters;
        _communicator = communicator;
        MicroBatches = microBatches;
        Slots = MicroBatchPlanner.SlotsPerRank(microBatches, communicator.Size);
        _offsets = new int[parameters.Length + 1];
        for (int i = 0; i < parameters.Length; i++) _offsets[i + 1] = checked(_offsets[i] + parameters[i].Value.Length);
        _slotLength = checked(_offsets[^1] + parameters.Length);
        _send = new float[checked(_slotLength * Slots)];
        _receive = communicator.Size == 1 ? _send : new float[checked(_send.Length * communicator.Size)];
        _sendLoss = new double[LossTerms * Slots];
        _receiveLoss = communicator.Size == 1 ? _sendLoss : new double[_sendLoss.Length * communicator.Size];
        _sums = [.. parameters.Select(p => new Tensor<float>(p.Value.Shape))];
    }

    /// <summary>Micro-batches per global batch.</summary>
    public int MicroBatches { get; }

    /// <summary>Slots per rank.</summary>
    public int Slots { get; }

    /// <summary>Stores the current gradients (after a micro-batch's backward pass) and loss terms in <paramref name="slot"/>.</summary>
    public void Capture(int slot, double loss, double energy, double forces)
    {
        var buffer = _send.AsSpan(slot * _slotLength, _slotLength);
        int flags = _offsets[^1];
        for (int i = 0; i < _parameters.Length; i++)
        {
            var target = buffer.Slice(_offsets[i], _offsets[i + 1] - _offsets[i]);
            if (_parameters[i].Grad is { } g)
            {
                g.Span.CopyTo(target);
                buffer[flags + i] = 1;
            }
            else
            {
                target.Clear();
                buffer[flags + i] = 0;
            }
        }
        var l = _sendLoss.AsSpan(slot * LossTerms, LossTerms);
        l[0] = loss;
        l[1] = energy;
        l[2] = forces;
        l[3] = 1;
    }

    /// <summary>Marks <paramref name="slot"/> as holding no micro-batch (zero gradient, no loss).</summary>
    public void Clear(int slot)
    {
        _send.AsSpan(slot * _slotLength, _slotLength).Clear();
        _sendLoss.AsSpan(slot * LossTerms, LossTerms).Clear();
    }

    /// <summary>
    /// Gathers all slots, sums them in micro-batch order into the parameters' gradients (a parameter that no micro-batch
    /// gave a gradient keeps none) and returns the summed loss terms.
    /// </summary>
    public (double Loss, double Energy, double Forces) Reduce(long step)
    {
        int ranks = _communicator.Size;
        if (ranks > 1)
        {
            _communicator.AllGather(_send, _receive, $"gradient all-gather, step {step + 1}");
            _communicator.AllGather(_sendLoss, _receiveLoss, $"loss all-gather, step {step + 1}");
        }
        double loss = 0, energy = 0, forces = 0;
        int flags = _offsets[^1];
        var present = new bool[_parameters.Length];
        bool first = true;
        for (int m = 0; m < MicroBatches; m++)
        {
            int rank = m % ranks, slot = m / ranks;
            int at = (rank * Slots) + slot;
            var l = _receiveLoss.AsSpan(at * LossTerms, LossTerms);
            if (l[3] == 0) continue; // an empty micro-batch adds nothing
            loss += l[0];
            energy += l[1];
            forces += l[2];
            var buffer = _receive.AsSpan(at * _slotLength, _slotLength);
            for (int i = 0; i < _parameters.Length; i++)
            {
                var source = buffer.Slice(_offsets[i], _offsets[i + 1] - _offsets[i]);
                var sum = _sums[i].Span;
                if (first) source.CopyTo(sum);
                else
                {
                    for (int k = 0; k < sum.Length; k++) sum[k] += source[k];
                }
                present[i] |= buffer[flags + i] != 0;
            }
            first = false;
        }
        for (int i = 0; i < _parameters.Length; i++)
            _parameters[i].Value.Grad = present[i] ? _sums[i] : null;
        return (loss, energy, forces);
    }
}
