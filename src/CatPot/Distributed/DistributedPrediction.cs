using CatPot.Chemistry;
using CatPot.Evaluation;
using CatPot.Graphs;
using CatPot.Models;
using CatPot.Tensors;

namespace CatPot.Distributed;

/// <summary>
/// <see cref="PotentialPredictor.Predict"/> split over the ranks of a job: the batches of the single-process plan are
/// dealt out round-robin (batch b to rank b mod size), each rank predicts its batches exactly as one process would,
/// and every rank receives every prediction. The predictions, and so any metric computed from them, are therefore
/// bit-identical to a single process's, whatever the number of ranks.
/// </summary>
public static class DistributedPrediction
{
    /// <summary>Predictions for every structure, in order, on every rank.</summary>
    public static PredictedStructure[] Predict(Communicator communicator, Potential<float> model, IReadOnlyList<Structure> structures, bool conservativeForces, int maxAtoms, TensorArena? arena = null)
    {
        if (communicator.Size == 1) return PotentialPredictor.Predict(model, structures, conservativeForces, maxAtoms, arena: arena);
        int ranks = communicator.Size;
        var counts = structures.Select(s => s.AtomCount).ToArray();
        var batches = new BatchPlanner(0, maxAtoms, OversizeStructurePolicy.OwnBatch, shuffle: false).Plan(counts, 0).Batches;
        int k = model.Head.BinCount; // bins of any histogram head (tail bins included), 0 for a point-only head
        int Length(int index) => 4 + (3 * counts[index]) + k;

        // Every rank knows every rank's share, so the payload sizes are known without asking.
        var share = new long[ranks];
        for (int b = 0; b < batches.Count; b++)
            foreach (int i in batches[b]) share[b % ranks] += Length(i);
        int slot = checked((int)share.Max());

        var send = new double[slot];
        int at = 0;
        for (int b = communicator.Rank; b < batches.Count; b += ranks)
        {
            var subset = batches[b].Select(i => structures[i]).ToArray();
            var predicted = PotentialPredictor.Predict(model, subset, conservativeForces, maxAtoms, arena: arena);
            foreach (var p in predicted)
            {
                send[at++] = p.Energy;
                send[at++] = p.NormalizedEnergy;
                send[at++] = p.Entropy ?? double.NaN;
                send[at++] = p.EnergyStd ?? double.NaN;
                p.Forces.CopyTo(send, at);
                at += p.Forces.Length;
                if (k > 0)
                {
                    p.Probabilities!.CopyTo(send, at);
                    at += k;
                }
            }
        }

        var receive = new double[checked(slot * ranks)];
        communicator.AllGather(send, receive, "prediction all-gather");
        var results = new PredictedStructure[structures.Count];
        var cursor = new int[ranks];
        for (int r = 0; r < ranks; r++) cursor[r] = r * slot;
        for (int b = 0; b < batches.Count; b++)
        {
            int r = b % ranks;
            foreach (int i in batches[b])
            {
                int c = cursor[r];
                int n = 3 * counts[i];
                results[i] = new PredictedStructure
                {
                    Energy = receive[c],
                    NormalizedEnergy = receive[c + 1],
                    Entropy = k > 0 ? receive[c + 2] : null,
                    EnergyStd = k > 0 ? receive[c + 3] : null,
                    Forces = receive.AsSpan(c + 4, n).ToArray(),
                    Probabilities = k > 0 ? receive.AsSpan(c + 4 + n, k).ToArray() : null,
                };
                cursor[r] = c + Length(i);
            }
        }
        return results;
    }
}
