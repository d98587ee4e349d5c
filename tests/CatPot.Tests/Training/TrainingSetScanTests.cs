using CatPot.Chemistry;
using CatPot.Data;
using CatPot.IO;
using CatPot.Models;
using CatPot.Tests.Distributed;
using CatPot.Training;
using Xunit;
using CatPot.Tests.Cli;

namespace CatPot.Tests.Training;

public sealed class TrainingSetScanTests
{
    // The one-pass statistics against the in-memory reference (InMemoryStatistics.Compute: dense matrix, SVD, atom-order
    // reference sums): equal to float64 round-off, the force RMS (same additions in the same order) exactly.
    private static void AssertMatchesInMemory(IReadOnlyList<Structure> train, double[]? references)
    {
        var expected = InMemoryStatistics.Compute(train, references);
        var scan = TrainingSetScan.Run(train, references, requireForces: false);
        var actual = scan.Statistics;
        double refScale = expected.ElementReferences.Max(Math.Abs);
        for (int z = 0; z < expected.ElementReferences.Length; z++)
            Assert.True(Math.Abs(expected.ElementReferences[z] - actual.ElementReferences[z]) <= 1e-10 * refScale, $"ref[{z}]: {expected.ElementReferences[z]} vs {actual.ElementReferences[z]}");
        Assert.Equal(expected.Mu, actual.Mu, 1e-10 * Math.Abs(expected.Mu) + 1e-12);
        Assert.Equal(expected.Sd, actual.Sd, 1e-8 * expected.Sd);
        Assert.Equal(expected.Lo, actual.Lo, 1e-8 * (expected.Hi - expected.Lo));
        Assert.Equal(expected.Hi, actual.Hi, 1e-8 * (expected.Hi - expected.Lo));
        Assert.Equal(expected.ForceRms, actual.ForceRms);
        double chargeScale = refScale + Math.Abs(expected.Charge.PerCharge) + Math.Abs(expected.Charge.PerChargeSquared);
        Assert.Equal(expected.Charge.PerCharge, actual.Charge.PerCharge, 1e-10 * chargeScale);
        Assert.Equal(expected.Charge.PerChargeSquared, actual.Charge.PerChargeSquared, 1e-10 * chargeScale);
        Assert.Equal(train.Select(s => s.AtomCount), scan.AtomCounts);
        for (int i = 0; i < train.Count; i++)
            Assert.Equal(Trainer.NormalizedTarget(expected, train[i]), scan.Targets[i], 1e-7);
        if (references is null)
        {
            // DatasetStatistics.Compute (catpot bench) fits with the same streaming QR: the same dense reference holds.
            var d = DatasetStatistics.Compute(train);
            for (int z = 0; z < expected.ElementReferences.Length; z++)
                Assert.True(Math.Abs(expected.ElementReferences[z] - d.ReferenceEnergies[z]) <= 1e-10 * refScale, $"Compute ref[{z}]: {expected.ElementReferences[z]} vs {d.ReferenceEnergies[z]}");
            Assert.Equal(expected.Charge.PerCharge, d.Charge.PerCharge, 1e-10 * chargeScale);
            Assert.Equal(expected.Charge.PerChargeSquared, d.Charge.PerChargeSquared, 1e-10 * chargeScale);
            Assert.Equal(expected.Mu, d.Mu, 1e-10 * Math.Abs(expected.Mu) + 1e-12);
            Assert.Equal(expected.Sd, d.Sd, 1e-8 * expected.Sd);
        }
        // Deterministic: the same data give the same bits.
        var again = TrainingSetScan.Run(train, references, requireForces: false).Statistics;
        Assert.Equal(actual.ElementReferences, again.ElementReferences);
        Assert.Equal((actual.Mu, actual.Sd, actual.Lo, actual.Hi), (again.Mu, again.Sd, again.Lo, again.Hi));
    }

    [Fact]
    public void One_pass_statistics_equal_the_in_memory_ones_with_fitted_references()
        => AssertMatchesInMemory(TrainerTests.Sample(SampleData.OpenTrain, 120), null);

    [Fact]
    public void One_pass_statistics_fit_the_charge_terms_as_in_memory()
    {
        // Charges and multiplicities that vary, with a known ionisation-like term in the energies.
        var train = TrainerTests.Sample(SampleData.OpenTrain, 80);
        for (int i = 0; i < train.Count; i++)
        {
            var s = train[i];
            int q = (i % 5) - 2, spin = 1 + (i % 3);
            var charged = new Structure(s.Numbers, s.Positions, q, spin) { Energy = s.Energy + (7.5 * q) + (1.25 * q * q), Forces = s.Forces };
            foreach (var (key, value) in s.Info) charged.Info[key] = value;
            train[i] = charged;
        }
        AssertMatchesInMemory(train, null);
        var scan = TrainingSetScan.Run(train, null, requireForces: true);
        Assert.False(scan.Statistics.Charge.IsNone);
    }

    [Fact]
    public void One_pass_statistics_equal_the_in_memory_ones_with_given_references()
    {
        var train = TrainerTests.Sample(SampleData.OpenTrain, 60);
        var refs = new double[DatasetStatistics.ElementSlots];
        foreach (var s in train)
            foreach (int z in s.Numbers) refs[z] = -13.6 * z * 1.01;
        AssertMatchesInMemory(train, refs);
        var missing = (double[])refs.Clone();
        missing[train[0].Numbers[0]] = 0;
        Assert.Throws<ArgumentException>(() => TrainingSetScan.Run(train, missing, requireForces: false));
    }

    [Fact]
    public void A_rank_deficient_fit_gives_the_minimum_norm_references()
    {
        // Only (H2O)n clusters: the H and O columns are proportional, so the references are the minimum-norm solution.
        var random = new Random(4);
        var train = new List<Structure>();
        for (int i = 0; i < 40; i++)
        {
            int n = 1 + (i % 5);
            var numbers = Enumerable.Range(0, 3 * n).Select(a => a % 3 == 0 ? 8 : 1).ToArray();
            var positions = Enumerable.Range(0, 9 * n).Select(a => (a * 1.7) + random.NextDouble()).ToArray();
            train.Add(new Structure(numbers, positions) { Energy = (-2080.0 * n) + random.NextDouble(), Forces = new double[9 * n] });
        }
        AssertMatchesInMemory(train, null);
    }

    [Fact]
    public void Streaming_least_squares_equals_the_dense_solution()
    {
        var random = new Random(11);
        int m = 500;
        int[] columns = [1, 6, 7, 8, 16];
        var dense = new double[m * columns.Length];
        var b = new double[m];
        var fit = new StreamingLeastSquares(DatasetStatistics.ElementSlots);
        for (int r = 0; r < m; r++)
        {
            var entries = new List<(int Column, double Value)>();
            for (int c = 0; c < columns.Length; c++)
            {
                int count = random.Next(0, 4) == 0 ? 0 : random.Next(1, 12);
                dense[(c * m) + r] = count;
                if (count > 0) entries.Add((columns[c], count));
            }
            if (entries.Count == 0)
            {
                entries.Add((1, 1));
                dense[r] = 1;
            }
            b[r] = entries.Sum(e => e.Value * (-10.0 * e.Column)) + (random.NextDouble() - 0.5);
            fit.AddRow(entries.ToArray(), b[r]);
        }
        var expected = LeastSquares.SolveMinimumNorm(dense, m, columns.Length, b);
        var actual = fit.SolveMinimumNorm(2.220446049250313e-16 * m);
        for (int c = 0; c < columns.Length; c++) Assert.Equal(expected[c], actual[columns[c]], 1e-10 * Math.Abs(expected[c]));
        Assert.Equal(0, actual[2]);
    }

    [Fact]
    public void Every_rank_receives_rank_0s_scan_bit_for_bit()
    {
        var train = TrainerTests.Sample(SampleData.OpenTrain, 30);
        var alone = TrainingSetScan.Run(train, null, requireForces: true);
        var communicators = ThreadCommunicator.Create(3);
        var scans = new TrainingSetScan[3];
        Parallel.For(0, 3, new ParallelOptions { MaxDegreeOfParallelism = 3 }, r => scans[r] = TrainingSetScan.Shared(train, null, true, communicators[r]));
        foreach (var scan in scans)
        {
            Assert.Equal(alone.Statistics.ElementReferences, scan.Statistics.ElementReferences);
            Assert.Equal((alone.Statistics.Mu, alone.Statistics.Sd, alone.Statistics.Lo, alone.Statistics.Hi, alone.Statistics.ForceRms),
                (scan.Statistics.Mu, scan.Statistics.Sd, scan.Statistics.Lo, scan.Statistics.Hi, scan.Statistics.ForceRms));
            Assert.Equal(alone.AtomCounts, scan.AtomCounts);
            Assert.Equal(alone.Targets, scan.Targets);
        }
    }

    [Fact]
    public void A_set_read_by_index_gives_the_same_scan_as_in_memory()
    {
        using var dir = new TempDirectory();
        string path = dir.File("train.extxyz");
        var train = TrainerTests.Sample(SampleData.OpenTrain, 40);
        ExtXyzWriter.WriteFile(path, train);
        var memory = TrainingSetScan.Run(StructureFiles.ReadAll(path), null, requireForces: true);
        using var indexed = IndexedStructures.Open(path);
        var byIndex = TrainingSetScan.Run(indexed, null, requireForces: true);
        Assert.Equal(memory.Statistics.ElementReferences, byIndex.Statistics.ElementReferences);
        Assert.Equal(memory.Targets, byIndex.Targets);
        Assert.Equal(memory.AtomCounts, byIndex.AtomCounts);
    }

    [Fact]
    public void A_structure_without_a_label_is_named()
    {
        var train = TrainerTests.Sample(SampleData.OpenTrain, 10);
        train[7].Forces = null;
        var e = Assert.Throws<ArgumentException>(() => TrainingSetScan.Run(train, null, requireForces: true));
        Assert.Contains("structure 7 has no forces", e.Message, StringComparison.Ordinal);
        train[3].Energy = null;
        e = Assert.Throws<ArgumentException>(() => TrainingSetScan.Run(train, null, requireForces: true));
        Assert.Contains("structure 3 has no energy", e.Message, StringComparison.Ordinal);
    }
}
