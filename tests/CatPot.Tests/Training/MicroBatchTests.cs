using CatPot.Data;
using CatPot.Models;
using CatPot.Tests.Distributed;
using CatPot.Training;
using Xunit;

namespace CatPot.Tests.Training;

public sealed class MicroBatchTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "catpot-micro-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static TrainingOptions Tiny(int microBatches, string head = "hlgauss") => new()
    {
        Model = new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = CatPot.Tests.Models.TestHeads.Of(head) },
        Epochs = 2,
        MaxAtoms = 150,
        Seed = 5,
        Threads = 1,
        LearningRate = 5e-3,
        MicroBatches = microBatches,
    };

    [Fact]
    public void Split_covers_the_batch_once_keeps_order_and_balances_atoms()
    {
        int[] counts = [9, 3, 12, 5, 5, 7, 1, 20, 4, 6];
        int[] batch = [7, 2, 0, 5, 9, 3, 4, 8, 1, 6];
        var parts = MicroBatchPlanner.Split(batch, counts, 3);
        Assert.Equal(3, parts.Length);
        Assert.Equal(batch.Order(), parts.SelectMany(p => p).Order());
        foreach (var part in parts)
        {
            var positions = part.Select(i => Array.IndexOf(batch, i)).ToArray();
            Assert.Equal(positions.Order(), positions); // batch order kept inside a part
        }
        var loads = parts.Select(p => p.Sum(i => counts[i])).ToArray();
        Assert.True(loads.Max() - loads.Min() <= counts.Max(), $"loads {string.Join(", ", loads)}");
        Assert.Equal(parts.Select(p => p.ToArray()), MicroBatchPlanner.Split(batch, counts, 3)); // deterministic
    }

    [Fact]
    public void Split_of_a_batch_smaller_than_the_count_leaves_empty_parts()
    {
        var parts = MicroBatchPlanner.Split([4, 1], [1, 2, 3, 4, 5], 4);
        Assert.Equal([[4], [1], [], []], parts);
        Assert.Equal([[4, 1]], MicroBatchPlanner.Split([4, 1], [1, 2, 3, 4, 5], 1));
    }

    [Theory]
    [InlineData("hlgauss")]
    [InlineData("mae")]
    public void Micro_batches_match_the_plain_batch_to_1e5(string head)
    {
        var train = TrainerTests.Sample(SampleData.OpenTrain, 40);
        var val = TrainerTests.Sample(SampleData.OpenValidation, 10);
        var plain = new Trainer(Tiny(1, head), train, val, Path.Combine(_dir, "plain"));
        plain.Run();
        var micro = new Trainer(Tiny(3, head), train, val, Path.Combine(_dir, "micro"));
        micro.Run();
        double diff = 0, norm = 0;
        foreach (var (name, t, _) in plain.Model.Parameters.Items)
        {
            var a = t.Span;
            var b = micro.Model.Parameters[name].Span;
            for (int i = 0; i < a.Length; i++)
            {
                diff += Math.Pow(a[i] - b[i], 2);
                norm += Math.Pow(a[i], 2);
            }
        }
        double relative = Math.Sqrt(diff / norm);
        Assert.True(relative <= 1e-5, $"relative weight difference {relative:E2}");
        Assert.True(relative > 0 || head == "mae", "micro-batching is expected to round differently from the plain batch");
        for (int e = 0; e < 2; e++)
            Assert.Equal(plain.History[e].TrainLoss, micro.History[e].TrainLoss, 1e-5);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)] // uneven: rank 0 computes micro-batches 0 and 2, rank 1 micro-batch 1 and an empty slot
    [InlineData(2, 3)] // more ranks than micro-batches: rank 2 only contributes empty slots
    public void Ranks_give_bit_identical_weights_to_one_process_with_the_same_micro_batches(int microBatches, int ranks)
    {
        var train = TrainerTests.Sample(SampleData.OpenTrain, 40);
        var val = TrainerTests.Sample(SampleData.OpenValidation, 10);
        var single = new Trainer(Tiny(microBatches), train, val, Path.Combine(_dir, "single"));
        single.Run();

        var communicators = ThreadCommunicator.Create(ranks);
        var trainers = new Trainer[ranks];
        var threads = Enumerable.Range(0, ranks).Select(r => new Thread(() =>
        {
            trainers[r] = new Trainer(Tiny(microBatches), train, val, Path.Combine(_dir, "ranks"), communicators[r]);
            trainers[r].Run();
        }, 64 << 20)).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();

        foreach (var trainer in trainers)
        {
            foreach (var (name, t, _) in single.Model.Parameters.Items)
                Assert.True(t.Span.SequenceEqual(trainer.Model.Parameters[name].Span), $"parameter {name} differs");
            Assert.Equal(single.History.Select(h => h.ValidationScore), trainer.History.Select(h => h.ValidationScore));
            Assert.Equal(single.History.Select(h => h.TrainLoss), trainer.History.Select(h => h.TrainLoss));
        }
        // Rank 0 alone wrote the EMA model; it is the single process's file byte for byte.
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "single", Trainer.LastModelFileName)), File.ReadAllBytes(Path.Combine(_dir, "ranks", Trainer.LastModelFileName)));
    }
}
