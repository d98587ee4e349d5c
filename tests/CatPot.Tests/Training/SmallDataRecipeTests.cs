using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Models;
using CatPot.Tests.Models;
using CatPot.Training;
using Xunit;

namespace CatPot.Tests.Training;

/// <summary>The small-data recipe's pieces: isolated-atom E0s, the seeded validation split, the batch budget, and training with them.</summary>
public sealed class SmallDataRecipeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "catpot-recipe-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static Structure Atom(int z, double energy, string? configType = null)
    {
        var s = new Structure([z], [0.0, 0.0, 0.0]) { Energy = energy };
        if (configType is not null) s.Info["config_type"] = configType;
        return s;
    }

    [Fact]
    public void Isolated_atom_frames_become_reference_energies_and_leave_the_training_set()
    {
        var molecules = TrainerTests.Sample(SampleData.OpenTrain, 6);
        var list = new List<Structure> { Atom(1, -13.6), molecules[0], Atom(8, -2040.0, "IsolatedAtom"), molecules[1] };
        var (rest, refs) = SmallDataRecipe.SplitIsolatedAtoms(list);
        Assert.Equal([molecules[0], molecules[1]], rest);
        Assert.NotNull(refs);
        Assert.Equal(-13.6, refs![1]);
        Assert.Equal(-2040.0, refs[8]);
        Assert.Equal(0.0, refs[6]);
        Assert.Null(SmallDataRecipe.SplitIsolatedAtoms(molecules).ElementReferences);
        Assert.Throws<ArgumentException>(() => SmallDataRecipe.SplitIsolatedAtoms([Atom(1, -13.6), Atom(1, -13.5)]));
        Assert.Throws<ArgumentException>(() => SmallDataRecipe.ElementReferencesFrom(molecules));
    }

    [Fact]
    public void The_validation_split_is_seeded_disjoint_and_keeps_file_order()
    {
        var all = TrainerTests.Sample(SampleData.OpenTrain, 40);
        var (train, val) = SmallDataRecipe.SplitValidation(all, 0.1, seed: 7);
        Assert.Equal(4, val.Count);
        Assert.Equal(36, train.Count);
        Assert.Empty(train.Intersect(val));
        Assert.Equal(all.Where(s => train.Contains(s)), train);
        Assert.Equal(all.Where(s => val.Contains(s)), val);
        var again = SmallDataRecipe.SplitValidation(all, 0.1, seed: 7);
        Assert.Equal(val, again.Validation);
        var other = SmallDataRecipe.SplitValidation(all, 0.1, seed: 8);
        Assert.NotEqual(val, other.Validation);
        Assert.Throws<ArgumentException>(() => SmallDataRecipe.SplitValidation(all.Take(1).ToList(), 0.1, 0));
        Assert.Throws<ArgumentException>(() => SmallDataRecipe.SplitValidation(all, 1.0, 0));
    }

    [Theory]
    [InlineData("auto", 450, false, true)]
    [InlineData("auto", SmallDataRecipe.MaxStructures, false, true)]
    [InlineData("auto", SmallDataRecipe.MaxStructures + 1, false, false)]
    [InlineData("auto", 450, true, false)]
    [InlineData("direct", 450, false, false)]
    [InlineData("conservative", 450, false, false)]
    public void The_recipe_applies_to_small_user_datasets_under_auto_forces_only(string forces, int structures, bool builtInSample, bool expected)
        => Assert.Equal(expected, SmallDataRecipe.Applies(forces, structures, builtInSample));

    [Fact]
    public void The_length_is_an_atom_epoch_budget_within_bounds()
    {
        static List<Structure> Molecules(int count, int atoms)
            => Enumerable.Range(0, count).Select(_ => new Structure(Enumerable.Repeat(1, atoms).ToArray(), new double[3 * atoms])).ToList();
        // acac with the default validation fraction: 450 frames of 15 atoms; ethanol: 900 of 9.
        Assert.Equal(296, SmallDataRecipe.EpochsFor(Molecules(450, 15)));
        Assert.Equal(247, SmallDataRecipe.EpochsFor(Molecules(900, 9)));
        Assert.Equal(SmallDataRecipe.MaxEpochs, SmallDataRecipe.EpochsFor(Molecules(10, 3)));
        Assert.Equal(SmallDataRecipe.MinEpochs, SmallDataRecipe.EpochsFor(Molecules(5000, 100)));
    }

    [Fact]
    public void The_batch_budget_aims_at_a_fixed_number_of_steps_per_epoch()
    {
        var all = TrainerTests.Sample(SampleData.OpenTrain, 40);
        int largest = all.Max(s => s.AtomCount);
        long atoms = all.Sum(s => (long)s.AtomCount);
        int budget = SmallDataRecipe.BatchAtoms(all, 1000);
        Assert.Equal(Math.Clamp(atoms / SmallDataRecipe.TargetStepsPerEpoch, largest, 1000), budget);
        Assert.True(budget >= largest);
    }

    [Fact]
    public void Given_reference_energies_set_the_normalisation()
    {
        var train = TrainerTests.Sample(SampleData.OpenTrain, 30);
        var refs = new double[DatasetStatistics.ElementSlots];
        foreach (var s in train)
            foreach (int z in s.Numbers) refs[z] = -10.0 * z;
        var stats = InMemoryStatistics.Compute(train, refs);
        Assert.Equal(-10.0, stats.ElementReferences[1]);
        var y = train.Select(s => ((double)s.Energy! - s.Numbers.Sum(z => refs[z])) / s.AtomCount).ToArray();
        Assert.Equal(y.Average(), stats.Mu, 10);
        Assert.Equal(Math.Sqrt(y.Sum(v => (v - y.Average()) * (v - y.Average())) / y.Length), stats.Sd, 10);
        var missing = (double[])refs.Clone();
        missing[train[0].Numbers[0]] = 0;
        Assert.Throws<ArgumentException>(() => InMemoryStatistics.Compute(train, missing));
    }

    [Fact]
    public void Conservative_training_with_the_energy_in_eV_per_atom_lowers_the_loss_and_resumes_exactly()
    {
        var train = TrainerTests.Sample(SampleData.OpenTrain, 24);
        var val = TrainerTests.Sample(SampleData.OpenValidation, 6);
        var options = new TrainingOptions
        {
            Model = new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = TestHeads.Of("mae") },
            Epochs = 4,
            MaxAtoms = SmallDataRecipe.BatchAtoms(train, 1000),
            Seed = 5,
            Threads = 2,
            LearningRate = 5e-3,
            ConservativeForces = true,
            EnergyLossPerAtom = true,
            EnergyWeight = SmallDataRecipe.EnergyWeight,
            ForceWeight = SmallDataRecipe.ForceWeight,
        };
        var straight = new Trainer(options, train, val, Path.Combine(_dir, "a"));
        straight.Run();
        Assert.True(straight.History[^1].TrainLoss < straight.History[0].TrainLoss, string.Join(", ", straight.History.Select(h => h.TrainLoss)));
        var first = new Trainer(options, train, val, Path.Combine(_dir, "b"));
        first.Run(maxEpochsThisCall: 2);
        var resumed = Trainer.Resume(Path.Combine(_dir, "b"), train, val);
        Assert.True(resumed.Options.EnergyLossPerAtom);
        resumed.Run();
        foreach (var (name, t, _) in straight.Model.Parameters.Items)
            Assert.True(t.Span.SequenceEqual(resumed.Model.Parameters[name].Span), $"parameter {name} differs after resume");
    }
}
