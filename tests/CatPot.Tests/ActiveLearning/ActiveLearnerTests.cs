using System.Globalization;
using CatPot.ActiveLearning;
using CatPot.Chemistry;
using CatPot.IO;
using CatPot.Models;
using CatPot.Simulation;
using CatPot.Tests.Cli;
using CatPot.Training;
using CatPot.Uncertainty;
using Xunit;

namespace CatPot.Tests.ActiveLearning;

public sealed class ActiveLearnerTests
{
    private sealed class CrashException(string at) : Exception($"simulated crash at {at}");

    private static LearnSettings Settings(TempDirectory dir)
    {
        string initial = dir.File("initial.extxyz");
        string test = dir.File("test.extxyz");
        if (!File.Exists(initial))
        {
            ExtXyzWriter.WriteFile(initial, Enumerable.Range(0, 10).Select(i => FakeLabeller.Triangle(i)));
            ExtXyzWriter.WriteFile(test, Enumerable.Range(100, 8).Select(i => FakeLabeller.Triangle(i, 0.1)));
        }
        return new LearnSettings
        {
            InitialPath = initial,
            TestPath = test,
            Budget = 6,
            PerRound = 3,
            MaxRounds = 5,
            Temperatures = [300, 600],
            Trajectories = 2,
            MdSteps = 40,
            SampleInterval = 5,
            MaxFlaggedPerTrajectory = 4,
            MaxUncertainty = 1e-12,   // every sampled frame is flagged: the test controls how many labels each round takes
            MinDistance = 0,
            RetrainEpochs = 2,
            Seed = 3,
            Training = new TrainingOptions
            {
                Model = new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 8, Head = new CatPot.Models.Heads.HLGaussHeadConfig { Bins = 16 } },
                Epochs = 3,
                MaxAtoms = 12,
                Threads = 1,
            },
        };
    }

    private static string Run(string runDir, LearnSettings settings, FakeLabeller labeller, Action<string>? checkpoint = null)
    {
        var progress = new StringWriter();
        var learner = new ActiveLearner(runDir, settings, labeller, progress: progress) { Checkpoint = checkpoint };
        learner.Run();
        return progress.ToString();
    }

    [Fact]
    public void LoopLabelsUpToTheBudgetWithProvenanceAndKeepsEveryRoundsModel()
    {
        using var dir = new TempDirectory();
        string run = dir.File("run");
        var labeller = new FakeLabeller();
        string progress = Run(run, Settings(dir), labeller);

        var rounds = ActiveLearner.ReadRounds(run);
        Assert.Equal(3, rounds.Count);                       // 0 → +3, 1 → +3, 2: budget spent
        Assert.Equal([0, 3, 6], rounds.Select(r => r.Labels));
        Assert.StartsWith("label budget spent", rounds[^1].Stop);
        Assert.All(rounds, r => Assert.NotNull(r.TestForceMae));
        Assert.All(rounds, r => Assert.True(File.Exists(ActiveLearner.ModelPath(run, r.Round))));
        Assert.Contains("round  1 | labels    3 (+3)", progress);

        var dataset = ExtXyzReader.ReadAll(Path.Combine(run, LearnDataset.FileName));
        Assert.Equal(16, dataset.Count);
        var added = dataset.Where(f => LearnDataset.Round(f) >= 0).ToList();
        Assert.Equal(6, added.Count);
        foreach (var f in added)
        {
            foreach (string key in new[] { "al_id", "al_round", "al_trajectory", "al_step", "al_temperature", "al_uncertainty", "al_split", "method" })
                Assert.True(f.Info.ContainsKey(key), $"{LearnDataset.Id(f)} lacks {key}");
            var (e, forces) = FakeLabeller.Springs(f);
            Assert.Equal(e, f.Energy!.Value, 1e-12);
            Assert.Equal(forces, f.Forces!);
        }
        Assert.Equal(dataset.Count, dataset.Select(LearnDataset.Id).Distinct().Count());
        Assert.Contains(dataset, f => (string)f.Info["al_split"] == "val");

        var calls = new LabelLog(run).Read().Count(e => e.Event == "call");
        Assert.Equal(labeller.Calls, calls);
        Assert.Equal(6, calls);

        LearnReport.Write(run, [("run", rounds)]);
        string html = File.ReadAllText(Path.Combine(run, LearnReport.HtmlFileName));
        Assert.Contains("<svg", html);
        Assert.Contains("Held-out force MAE", html);

        // A finished run resumed does nothing more.
        var again = new FakeLabeller();
        Run(run, Settings(dir), again);
        Assert.Equal(0, again.Calls);
    }

    [Fact]
    public void ExplorationScoresFramesByTheCalibratedEnergyStdUnlessAskedForTheHistogramStd()
    {
        using var dir = new TempDirectory();
        var settings = Settings(dir) with { MaxRounds = 1, MaxUncertainty = null, ThresholdFactor = 2 };
        string calibrated = dir.File("calibrated"), histogram = dir.File("histogram");
        string progress = Run(calibrated, settings, new FakeLabeller());
        Run(histogram, settings with { CalibratedUncertainty = false }, new FakeLabeller());
        List<Structure> Pool(string run) => [.. ExtXyzReader.ReadAll(Path.Combine(ActiveLearner.RoundDirectory(run, 0), "pool.extxyz"))];
        double Score(Structure s) => Convert.ToDouble(s.Info["al_uncertainty"], CultureInfo.InvariantCulture);

        Assert.DoesNotContain("could not be fitted", progress, StringComparison.Ordinal);
        var a = Pool(calibrated);
        var b = Pool(histogram);
        Assert.NotEmpty(a);
        // same model and trajectories until a flag stops one; the scores differ: the calibrated energy_std is not std_E
        Assert.NotEqual(Score(a[0]), Score(b[0]), 6);
        // and it is what the round's model with its uncertainty fitted on the labelled frames reports for the frame
        var model = PotentialFile.Load<float>(ActiveLearner.ModelPath(calibrated, 0));
        var frame = a[0];
        var result = new CalculationResult(frame.AtomCount);
        var dataset = ExtXyzReader.ReadAll(Path.Combine(calibrated, "dataset.extxyz"));
        bool Initial(Structure f) => Convert.ToInt64(f.Info["al_round"], CultureInfo.InvariantCulture) < 0;
        var trainFrames = dataset.Where(f => Initial(f) && (string)f.Info["al_split"] == "train").ToList();
        var valFrames = dataset.Where(f => Initial(f) && (string)f.Info["al_split"] == "val").ToList();
        Assert.True(valFrames.Count < 10);   // too few to calibrate on: the loop calibrates on every labelled frame
        var fitted = UncertaintyCalibrator.Fit(model, trainFrames, [.. trainFrames, .. valFrames], new CalibrationOptions { MaxAtoms = settings.Training.MaxAtoms });
        new PotentialCalculator<float>(model, settings.Forces) { Uncertainty = fitted }.Calculate(frame, result);
        Assert.Equal(result.EnergyStd, Score(frame), 6);
        // The round's model file carries that uncertainty (what `catpot md --max-std` on it then sees); --histogram-std stores none.
        var stored = UncertaintyModel.FromSafeTensors(SafeTensorsFile.Read(ActiveLearner.ModelPath(calibrated, 0)));
        Assert.NotNull(stored);
        var fromFile = new CalculationResult(frame.AtomCount);
        new PotentialCalculator<float>(model, settings.Forces) { Uncertainty = stored }.Calculate(frame, fromFile);
        Assert.Equal(result.EnergyStd, fromFile.EnergyStd, 12);
        Assert.Null(UncertaintyModel.FromSafeTensors(SafeTensorsFile.Read(ActiveLearner.ModelPath(histogram, 0))));
    }

    [Fact]
    public void ExplorationCanScoreFramesByTheirLeastKnownAtom()
    {
        using var dir = new TempDirectory();
        var settings = Settings(dir) with { MaxRounds = 1, MaxUncertainty = null, ThresholdFactor = 2, Score = "atom_uncertainty" };
        string run = dir.File("run");
        Run(run, settings, new FakeLabeller());
        var pool = ExtXyzReader.ReadAll(Path.Combine(ActiveLearner.RoundDirectory(run, 0), "pool.extxyz"));
        Assert.NotEmpty(pool);
        var model = PotentialFile.Load<float>(ActiveLearner.ModelPath(run, 0));
        var calculator = new PotentialCalculator<float>(model, settings.Forces) { Uncertainty = UncertaintyModel.FromSafeTensors(SafeTensorsFile.Read(ActiveLearner.ModelPath(run, 0))) };
        foreach (var frame in pool.Take(3))
        {
            var result = new CalculationResult(frame.AtomCount);
            calculator.Calculate(frame, result);
            Assert.Equal(result.AtomUncertainty!.Max(), Convert.ToDouble(frame.Info["al_uncertainty"], CultureInfo.InvariantCulture), 6);
            Assert.NotEqual(result.EnergyStd, result.AtomUncertainty!.Max(), 6);
        }
        Assert.Throws<ArgumentException>(() => (settings with { CalibratedUncertainty = false }).Validate());
        Assert.Throws<ArgumentException>(() => (settings with { Score = "entropy" }).Validate());
    }

    [Fact]
    public void WarmStartKeepsTheBackboneWhenTheHeadsBinCountChangesWithTheData()
    {
        // cat derives its bin count from the range of the training energies: the frames labelled in round 0 (MD at
        // 600 K on springs) widen it, so round 1's head has another shape than round 0's (before: an internal error).
        using var dir = new TempDirectory();
        var settings = Settings(dir) with
        {
            MaxRounds = 2,
            Training = Settings(dir).Training with { Model = Settings(dir).Training.Model with { Head = new CatPot.Models.Heads.CategoricalHeadConfig() } },
        };
        string run = dir.File("run");
        string progress = Run(run, settings, new FakeLabeller());
        Assert.Equal(2, ActiveLearner.ReadRounds(run).Count);
        Assert.Contains("freshly initialised, as their shape changed with the data: energy.", progress, StringComparison.Ordinal);
        var before = PotentialFile.Load<float>(ActiveLearner.ModelPath(run, 0));
        var after = PotentialFile.Load<float>(ActiveLearner.ModelPath(run, 1));
        var changed = before.Parameters.Items.Where(p => !p.Tensor.Shape.SequenceEqual(after.Parameters[p.Name].Shape)).Select(p => p.Name).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, name => Assert.StartsWith("energy.", name, StringComparison.Ordinal));
    }

    [Fact]
    public void FailedLabelsAreLoggedSkippedAndNeverRetried()
    {
        using var dir = new TempDirectory();
        string run = dir.File("run");
        var labeller = new FakeLabeller(call => call % 2 == 1 ? "SCC not converged" : null);
        string progress = Run(run, Settings(dir) with { Budget = 4, PerRound = 4 }, labeller);

        var log = new LabelLog(run).Read();
        var failed = log.Where(e => e.Event == "fail").Select(e => e.Id).ToList();
        Assert.NotEmpty(failed);
        Assert.All(log.Where(e => e.Event == "fail"), e => Assert.Equal("SCC not converged", e.Detail));
        Assert.Contains("failed, frame skipped", progress);
        var dataset = new LearnDataset(run);
        Assert.All(failed, id => Assert.False(dataset.Contains(id)));
        Assert.Equal(labeller.Calls, log.Count(e => e.Event == "call"));
        Assert.All(log.Where(e => e.Event == "call").GroupBy(e => e.Id), g => Assert.Single(g));
        var rounds = ActiveLearner.ReadRounds(run);
        Assert.Equal(failed.Count, rounds.Sum(r => r.LabelFailures));
        Assert.Equal(dataset.SelectedCount, rounds.Sum(r => r.NewLabels));
    }

    [Theory]
    [InlineData("epoch", 4)]      // during training of round 1 (round 0 has 3 epochs)
    [InlineData("md", 3)]         // during the MD of round 1
    [InlineData("selected", 2)]   // after selection of round 1, before labelling
    [InlineData("label", 2)]      // before the second labeller call
    [InlineData("append", 5)]     // after a labeller call, before its frame reached the dataset
    public void CrashAnywhereThenResumeGivesTheUninterruptedResultWithoutRelabelling(string phase, int occurrence)
    {
        using var dir = new TempDirectory();
        var settings = Settings(dir);
        string reference = dir.File("reference");
        Run(reference, settings, new FakeLabeller());
        var expected = ExtXyzReader.ReadAll(Path.Combine(reference, LearnDataset.FileName));

        string run = dir.File("run");
        var first = new FakeLabeller();
        int seen = 0;
        string? crashedId = null;
        Assert.Throws<CrashException>(() => Run(run, settings, first, at =>
        {
            if (at.StartsWith(phase, StringComparison.Ordinal) && ++seen == occurrence)
            {
                crashedId = at.Split(' ')[^1];
                throw new CrashException(at);
            }
        }));
        var second = new FakeLabeller();
        Run(run, settings, second);

        var actual = ExtXyzReader.ReadAll(Path.Combine(run, LearnDataset.FileName));
        Assert.Equal(expected.Select(LearnDataset.Id), actual.Select(LearnDataset.Id));
        Assert.Equal(expected.Select(f => f.Energy), actual.Select(f => f.Energy));
        Assert.Equal(ActiveLearner.ReadRounds(reference).Select(r => r.TestForceMae), ActiveLearner.ReadRounds(run).Select(r => r.TestForceMae));

        var calls = new LabelLog(run).Read().Where(e => e.Event == "call").GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(first.Calls + second.Calls, calls.Values.Sum());
        foreach (var (id, count) in calls)
        {
            // Only a frame whose call was under way when the run died (its label never reached the dataset) is called again.
            int allowed = phase == "append" && id == crashedId ? 2 : 1;
            Assert.True(count <= allowed, $"{id} labelled {count} times after a crash at {phase} #{occurrence}");
        }
        Assert.Equal(6, calls.Count);
    }

    [Fact]
    public void InitialSetCanBeAReferenceMdLabelledOnTheFly()
    {
        using var dir = new TempDirectory();
        string start = dir.File("start.extxyz");
        ExtXyzWriter.WriteFile(start, [FakeLabeller.Triangle(0)]);
        var settings = Settings(dir) with { InitialPath = null, StartPath = start, InitialFrames = 6, InitialInterval = 3, Budget = 0 };
        string run = dir.File("run");
        var labeller = new FakeLabeller();
        Run(run, settings, labeller);
        var dataset = new LearnDataset(run);
        Assert.Equal(6, dataset.Frames.Count);
        Assert.Equal(16, labeller.Calls);                           // steps 0..15, every 3rd kept
        Assert.Equal(16, new LabelLog(run).Read().Count(e => e.Event == "call"));
        Assert.All(dataset.Frames, f => Assert.Equal("fake-springs", f.Info["method"]));
        Assert.StartsWith("label budget spent", ActiveLearner.ReadRounds(run)[^1].Stop);
    }

    [Fact]
    public void ReferenceMdThatFailsStopsWithAClearError()
    {
        using var dir = new TempDirectory();
        string start = dir.File("start.extxyz");
        ExtXyzWriter.WriteFile(start, [FakeLabeller.Triangle(0)]);
        var settings = Settings(dir) with { InitialPath = null, StartPath = start };
        var e = Assert.Throws<LabellingFailedException>(() => Run(dir.File("run"), settings, new FakeLabeller(call => call == 2 ? "xtb timed out" : null)));
        Assert.Contains("xtb timed out", e.Message);
        Assert.False(File.Exists(Path.Combine(dir.File("run"), LearnDataset.FileName)));
    }

    [Fact]
    public void A_round_whose_training_saves_no_model_stops_with_a_clear_error_and_keeps_the_labels()
    {
        using var dir = new TempDirectory();
        var settings = Settings(dir);
        // An absurd learning rate: the weights leave float range in the first steps, so no epoch has a finite validation score.
        settings = settings with { Training = settings.Training with { LearningRate = 1e30 } };
        string run = dir.File("run");
        var e = Assert.Throws<NoTrainedModelException>(() => Run(run, settings, new FakeLabeller()));
        Assert.Contains("no model was saved", e.Message);
        Assert.Contains("--lr", e.Message);
        Assert.DoesNotContain("--clip-norm", e.Message); // learn has no such option
        Assert.StartsWith(Path.GetDirectoryName(ActiveLearner.ModelPath(run, 0))!, e.Message);
        Assert.Equal(10, ExtXyzReader.ReadAll(Path.Combine(run, LearnDataset.FileName)).Count);
    }

    [Fact]
    public void SettingsRoundTripThroughTheRunDirectory()
    {
        using var dir = new TempDirectory();
        var settings = Settings(dir) with { Selection = "random", Temperatures = [250, 500] };
        ActiveLearner.SaveSettings(dir.File("run"), settings);
        var back = ActiveLearner.LoadSettings(dir.File("run"));
        Assert.Equal("random", back.Selection);
        Assert.Equal([250, 500], back.Temperatures);
        Assert.Equal(settings.Training, back.Training);
    }
}
