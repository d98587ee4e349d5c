using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Distributed;
using CatPot.Models;

namespace CatPot.Training;

/// <summary>
/// Everything the trainer needs from its training set before the first step, from ONE pass that reads every structure
/// once, in index order, and keeps none: the label checks, the atom counts (for the batch plan), the element references
/// (least squares of total energy on element counts and the charge columns Q and Q², fitted by
/// a streaming Givens QR instead of a structures × columns matrix), the mean and standard deviation of the referenced per-atom energy, the force RMS, the HL-Gauss support and
/// the normalised targets the energy head fits its support to.
/// </summary>
/// <remarks>
/// Per structure it keeps its atom count, its energy and the id of its composition (16 bytes with the target; distinct
/// compositions are stored once), so a set read by index (<see cref="IIndexedStructures"/>) costs no more memory here
/// than those arrays. The results equal the plain in-memory computation (tests: <c>InMemoryStatistics</c>, which reads the set several
/// times and builds the dense matrix) to float64 round-off: the QR and the SVD of the full matrix differ in the order
/// of their operations, and a structure's reference energy is summed by element (Σ_Z n_Z·ref[Z]) instead of atom by atom. The scan
/// is deterministic, and under MPI rank 0 alone runs it and broadcasts the result (<see cref="Shared"/>), so every rank
/// and every number of ranks trains from bit-identical statistics.
/// </remarks>
internal sealed class TrainingSetScan
{
    private const int Slots = DatasetStatistics.ElementSlots;


    /// <summary>Element references, mu, sd, force RMS and HL-Gauss support [Lo, Hi] of the training set.</summary>
    public required PotentialStatistics Statistics { get; init; }

    /// <summary>Atoms of each training structure, by index.</summary>
    public required int[] AtomCounts { get; init; }

    /// <summary>Normalised target y_n of each training structure (for fitting the energy head's support).</summary>
    public required double[] Targets { get; init; }

    /// <summary>Scans <paramref name="train"/> in one pass (see the class remarks).</summary>
    /// <param name="train">The training set (in memory or read by index).</param>
    /// <param name="elementReferences">Given E0s indexed by Z, or null to fit them.</param>
    /// <param name="requireForces">Every structure must have forces (the loss has a force term).</param>
    /// <param name="heartbeat">Called every few thousand structures (rank 0 keeps the other ranks' wait short with it).</param>
    /// <exception cref="ArgumentException">A structure has no energy (or no forces), no atoms or an atomic number out of range, or the E0s miss an element.</exception>
    public static TrainingSetScan Run(IReadOnlyList<Structure> train, double[]? elementReferences, bool requireForces, Action? heartbeat = null)
    {
        int n = train.Count;
        if (n == 0) throw new ArgumentException("The training set is empty.", nameof(train));
        var atomCounts = new int[n];
        var energies = new double[n];
        var compositionOf = new int[n];
        var compositionIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var compositions = new List<(int Z, int Count)[]>();
        var compositionCharge = new List<int>();
        var elementCounts = new long[Slots];
        var counts = new int[Slots];
        var touched = new List<int>();
        var key = new StringBuilder();
        var fit = elementReferences is null ? new StreamingLeastSquares(DatasetStatistics.ReferenceFitColumns) : null;
        double forceSquares = 0;
        long forceComponents = 0;

        for (int i = 0; i < n; i++)
        {
            if ((i & 4095) == 4095) heartbeat?.Invoke();
            var s = train[i];
            if (s.Energy is not double energy)
                throw new ArgumentException($"The training set's structure {i} has no energy; every training and validation structure needs one.");
            if (requireForces && s.Forces is null)
                throw new ArgumentException($"The training set's structure {i} has no forces; give forces or train with a force weight of 0.");
            if (s.AtomCount == 0) throw new ArgumentException($"Structure {i} has no atoms; per-atom energies need at least one.", nameof(train));
            touched.Clear();
            foreach (int z in s.Numbers)
            {
                if (z < 1 || z >= Slots) throw new ArgumentException($"Structure {i} has atomic number {z}; expected 1..{Slots - 1}.", nameof(train));
                if (counts[z]++ == 0) touched.Add(z);
                elementCounts[z]++;
            }
            touched.Sort();
            key.Clear();
            var composition = new (int Z, int Count)[touched.Count];
            for (int t = 0; t < touched.Count; t++)
            {
                int z = touched[t];
                composition[t] = (z, counts[z]);
                key.Append(z).Append(':').Append(counts[z]).Append(' ');
                counts[z] = 0;
            }
            key.Append('q').Append(s.Charge);
            string k = key.ToString();
            if (!compositionIds.TryGetValue(k, out int id))
            {
                id = compositions.Count;
                compositionIds.Add(k, id);
                compositions.Add(composition);
                compositionCharge.Add(s.Charge);
            }
            compositionOf[i] = id;
            atomCounts[i] = s.AtomCount;
            energies[i] = energy;
            if (fit is not null) DatasetStatistics.AddReferenceRow(fit, composition, s.Charge, energy);
            if (s.Forces is not null)
            {
                foreach (double f in s.Forces) forceSquares += f * f;
                forceComponents += s.Forces.Length;
            }
        }

        double[] references;
        var charge = ChargeReference.None;
        if (fit is not null)
        {
            var x = DatasetStatistics.SolveReferenceFit(fit, n, elementCounts.Count(c => c > 0));
            references = x[..Slots];
            charge = new ChargeReference(x[DatasetStatistics.ChargeColumn], x[DatasetStatistics.ChargeSquaredColumn]);
        }
        else
        {
            references = new double[Slots];
            elementReferences!.AsSpan(0, Math.Min(elementReferences!.Length, Slots)).CopyTo(references);
            for (int z = 1; z < Slots; z++)
                if (elementCounts[z] > 0 && references[z] == 0)
                    throw new ArgumentException($"The reference energies (E0s) have none for Z = {z}, which occurs in the training set.");
        }

        var referenceSum = new double[compositions.Count];
        for (int c = 0; c < compositions.Count; c++)
        {
            double sum = charge.Energy(compositionCharge[c]);
            foreach (var (z, count) in compositions[c]) sum += count * references[z];
            referenceSum[c] = sum;
        }
        // y per structure, then mu and the population sd by two passes over y (as DatasetStatistics does).
        var targets = new double[n];
        double mu = 0;
        for (int i = 0; i < n; i++)
        {
            targets[i] = (energies[i] - referenceSum[compositionOf[i]]) / atomCounts[i];
            mu += targets[i];
        }
        mu /= n;
        double variance = 0;
        foreach (double y in targets) variance += (y - mu) * (y - mu);
        double sd = Math.Sqrt(variance / n);
        double forceRms = forceComponents == 0 ? 0 : Math.Sqrt(forceSquares / forceComponents);
        var statistics = new PotentialStatistics { ElementReferences = references, Charge = charge, Mu = mu, Sd = sd > 0 ? sd : 1, ForceRms = forceRms > 0 ? forceRms : 1 };
        for (int i = 0; i < n; i++) targets[i] = (targets[i] - statistics.Mu) / statistics.Sd;
        var (lo, hi) = HLGaussSupport.RangeFromTargets(targets);
        return new TrainingSetScan { Statistics = statistics with { Lo = lo, Hi = hi }, AtomCounts = atomCounts, Targets = targets };
    }

    /// <summary>
    /// The scan of a data-parallel job: rank 0 runs it and broadcasts the result; the other ranks wait in a short
    /// collective renewed every 2 s (so the collective timeout still catches a lost rank 0, however long the pass).
    /// With one rank this is <see cref="Run"/>.
    /// </summary>
    public static TrainingSetScan Shared(IReadOnlyList<Structure> train, double[]? elementReferences, bool requireForces, Communicator communicator)
    {
        if (communicator.Size == 1) return Run(train, elementReferences, requireForces);
        const string what = "statistics pass (rank 0 reads the training set)";
        var flag = new double[1];
        var flags = new double[communicator.Size];
        if (!communicator.IsRoot)
        {
            do communicator.AllGather(flag, flags, what);
            while (flags[0] == 0);
            return Deserialize(communicator.BroadcastBytes(null, 0, what));
        }
        var clock = Stopwatch.StartNew();
        var scan = Run(train, elementReferences, requireForces, () =>
        {
            if (clock.Elapsed.TotalSeconds < 2) return;
            communicator.AllGather(flag, flags, what);
            clock.Restart();
        });
        flag[0] = 1;
        communicator.AllGather(flag, flags, what);
        communicator.BroadcastBytes(scan.Serialize(), 0, what);
        return scan;
    }

    private byte[] Serialize()
    {
        byte[] stats = JsonSerializer.SerializeToUtf8Bytes(Statistics, Trainer.Json);
        var counts = MemoryMarshal.AsBytes(AtomCounts.AsSpan());
        var targets = MemoryMarshal.AsBytes(Targets.AsSpan());
        var bytes = new byte[12 + stats.Length + counts.Length + targets.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), stats.Length);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 8), (long)AtomCounts.Length);
        stats.CopyTo(bytes, 12);
        counts.CopyTo(bytes.AsSpan(12 + stats.Length));
        targets.CopyTo(bytes.AsSpan(12 + stats.Length + counts.Length));
        return bytes;
    }

    private static TrainingSetScan Deserialize(byte[] bytes)
    {
        int statsLength = BitConverter.ToInt32(bytes, 0);
        int n = (int)BitConverter.ToInt64(bytes, 4);
        var stats = JsonSerializer.Deserialize<PotentialStatistics>(bytes.AsSpan(12, statsLength), Trainer.Json)!;
        var counts = MemoryMarshal.Cast<byte, int>(bytes.AsSpan(12 + statsLength, 4 * n)).ToArray();
        var targets = MemoryMarshal.Cast<byte, double>(bytes.AsSpan(12 + statsLength + (4 * n), 8 * n)).ToArray();
        return new TrainingSetScan { Statistics = stats, AtomCounts = counts, Targets = targets };
    }
}
