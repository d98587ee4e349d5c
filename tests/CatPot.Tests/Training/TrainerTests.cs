using CatPot.Tests.Models;
using CatPot.Models.Heads;
using CatPot.Chemistry;
using CatPot.Data;
using CatPot.IO;
using CatPot.Models;
using CatPot.Training;
using Xunit;

namespace CatPot.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "catpot-trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    internal static List<Structure> Sample(Func<Stream> open, int count)
    {
        using var reader = new ExtXyzReader(open(), "sample", null, leaveOpen: false);
        var list = new List<Structure>();
        while (list.Count < count && reader.TryRead(out var s)) list.Add(s!);
        return list;
    }

    private static TrainingOptions Tiny(string head, int epochs = 2) => new()
    {
        Model = new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = TestHeads.Of(head) },
        Epochs = epochs,
        MaxAtoms = 150,
        Seed = 3,
        Threads = 2,
        LearningRate = 5e-3,
    };

    [Theory]
    [MemberData(nameof(TestHeads.Names), MemberType = typeof(TestHeads))]
    public void Two_epochs_straight_equal_one_epoch_then_resume_then_one_epoch(string head)
    {
        var train = Sample(SampleData.OpenTrain, 48);
        var val = Sample(SampleData.OpenValidation, 12);

        var straight = new Trainer(Tiny(head), train, val, Path.Combine(_dir, "a"));
        straight.Run();

        var first = new Trainer(Tiny(head), train, val, Path.Combine(_dir, "b"));
        first.Run(maxEpochsThisCall: 1);
        Assert.Equal(1, first.EpochsDone);
        var resumed = Trainer.Resume(Path.Combine(_dir, "b"), train, val);
        Assert.Equal(1, resumed.EpochsDone);
        resumed.Run();
        Assert.Equal(2, resumed.EpochsDone);

        foreach (var (name, t, _) in straight.Model.Parameters.Items)
            Assert.True(t.Span.SequenceEqual(resumed.Model.Parameters[name].Span), $"parameter {name} differs after resume");
        Assert.Equal(straight.History.Select(h => h.ValidationScore), resumed.History.Select(h => h.ValidationScore));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a", Trainer.LastModelFileName)), File.ReadAllBytes(Path.Combine(_dir, "b", Trainer.LastModelFileName)));
    }

    [Fact]
    public void A_model_with_rank_two_features_resumes_bit_for_bit_on_conservative_forces()
    {
        var train = Sample(SampleData.OpenTrain, 24);
        var val = Sample(SampleData.OpenValidation, 6);
        var options = Tiny("mae") with { Model = Tiny("mae").Model with { TensorChannels = 2 }, ConservativeForces = true };
        var straight = new Trainer(options, train, val, Path.Combine(_dir, "a"));
        straight.Run();
        var first = new Trainer(options, train, val, Path.Combine(_dir, "b"));
        first.Run(maxEpochsThisCall: 1);
        var resumed = Trainer.Resume(Path.Combine(_dir, "b"), train, val);
        Assert.Equal(2, resumed.Model.Config.TensorChannels);
        resumed.Run();
        foreach (var (name, t, _) in straight.Model.Parameters.Items)
            Assert.True(t.Span.SequenceEqual(resumed.Model.Parameters[name].Span), $"parameter {name} differs after resume");
        Assert.Contains(straight.Model.Parameters.Items, p => p.Name.Contains(".tensor.", StringComparison.Ordinal));
    }

    [Fact]
    public void Training_lowers_the_loss_and_writes_loadable_models_and_a_metrics_log()
    {
        var train = Sample(SampleData.OpenTrain, 48);
        var val = Sample(SampleData.OpenValidation, 12);
        var trainer = new Trainer(Tiny("hlgauss", epochs: 6), train, val, _dir);
        trainer.Run();
        Assert.True(trainer.History[^1].TrainLoss < trainer.History[0].TrainLoss,
            $"loss did not fall: {string.Join(", ", trainer.History.Select(h => h.TrainLoss))}");
        Assert.Equal(6, File.ReadAllLines(Path.Combine(_dir, Trainer.MetricsFileName)).Length);
        var best = PotentialFile.Load<float>(Path.Combine(_dir, Trainer.ModelFileName));
        Assert.Equal(trainer.Statistics.Mu, best.Statistics.Mu);
        Assert.Equal(trainer.Statistics.Lo, best.Statistics.Lo);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void A_run_whose_weights_become_non_finite_stops_in_the_first_epoch_without_a_step()
    {
        var train = Sample(SampleData.OpenTrain, 24);
        var val = Sample(SampleData.OpenValidation, 6);
        // An absurd learning rate: the first steps throw the weights out of float range, after which every gradient is
        // non-finite and every step is skipped.
        var trainer = new Trainer(Tiny("mae", epochs: 6) with { LearningRate = 1e30 }, train, val, _dir);
        trainer.Run();
        Assert.NotNull(trainer.DivergedAtEpoch);
        Assert.True(trainer.EpochsDone < 6, $"ran all {trainer.EpochsDone} epochs");
        Assert.Equal(trainer.DivergedAtEpoch, trainer.EpochsDone);
        // a best model exists exactly when some epoch had a finite validation score
        Assert.Equal(trainer.History.Any(h => h.IsBest), File.Exists(Path.Combine(_dir, Trainer.ModelFileName)));

        var healthy = new Trainer(Tiny("mae", epochs: 2), train, val, Path.Combine(_dir, "healthy"));
        healthy.Run();
        Assert.Null(healthy.DivergedAtEpoch);
        Assert.Equal(2, healthy.EpochsDone);
    }

    [Fact]
    public void Resuming_from_a_corrupted_checkpoint_is_a_clear_error_and_keeps_the_file()
    {
        var train = Sample(SampleData.OpenTrain, 20);
        var val = Sample(SampleData.OpenValidation, 5);
        new Trainer(Tiny("mae", epochs: 1), train, val, _dir).Run();
        string ckpt = Path.Combine(_dir, Trainer.CheckpointFileName);
        var bytes = File.ReadAllBytes(ckpt);
        File.WriteAllBytes(ckpt, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var e = Assert.Throws<ModelFileException>(() => Trainer.Resume(_dir, train, val));
        Assert.Contains(Trainer.CheckpointFileName, e.Message);
        Assert.True(File.Exists(ckpt));
    }

    [Fact]
    public void Training_data_without_forces_is_rejected_with_the_structure_index()
    {
        var train = Sample(SampleData.OpenTrain, 5);
        train[3].Forces = null;
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Tiny("mae"), train, train, _dir));
        Assert.Contains("structure 3", e.Message);
    }
}
