using CatPot.Cli;
using CatPot.IO;
using CatPot.Models;
using CatPot.Uncertainty;
using Xunit;

namespace CatPot.Tests.Cli;

/// <summary>
/// <c>catpot calibrate</c>, the uncertainty fit at the end of <c>catpot train</c> and the calibrated
/// <c>energy_std</c>/<c>atom_uncertainty</c> that <c>predict</c> writes, on a tiny model and slices of the built-in sample.
/// </summary>
public sealed class UncertaintyCommandTests
{
    /// <summary>The first <paramref name="count"/> frames of a built-in sample split, written to a file.</summary>
    private static string Slice(TempDirectory dir, string split, int count)
    {
        string path = dir.File(split + ".extxyz");
        ExtXyzWriter.WriteFile(path, StructureFiles.ReadAll("sample:" + split).Take(count));
        return path;
    }

    [Fact]
    public void CalibrateStoresTheUncertaintyAndPredictWritesIt()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("model.safetensors"));
        string train = Slice(dir, "train", 40), val = Slice(dir, "val", 30);
        string calibrated = dir.File("calibrated.safetensors");

        var run = CliRun.Of("calibrate", model, val, "--train", train, "-o", calibrated);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Null(ModelUncertainty.Load(model)); // -o leaves the input model as it was
        var unc = ModelUncertainty.Load(calibrated);
        Assert.NotNull(unc);
        Assert.Equal(30, (int)unc.Provenance["calibration_structures"]!);
        PotentialFile.Load<float>(calibrated); // still a loadable model

        var eval = CliRun.Of("eval", calibrated, val);
        Assert.True(eval.ExitCode == ExitCodes.Ok, eval.ToString());
        Assert.Contains("Calibrated uncertainty", eval.Stdout);
        Assert.Contains("miscalibration area", eval.Stdout);
        var evalJson = CliRun.Of("eval", calibrated, val, "--json");
        Assert.True(evalJson.ExitCode == ExitCodes.Ok, evalJson.ToString());
        var cu = evalJson.Json().GetProperty("calibrated_uncertainty");
        Assert.Equal(30, cu.GetProperty(PredictionKeys.EnergyStd).GetProperty("overall").GetProperty("structures").GetInt32());
        Assert.InRange(cu.GetProperty("miscalibration_area").GetDouble(), 0, 1);
        Assert.False(CliRun.Of("eval", model, val, "--json").Json().TryGetProperty("calibrated_uncertainty", out _));

        string predicted = dir.File("out.extxyz");
        var predict = CliRun.Of("predict", calibrated, val, "-o", predicted);
        Assert.True(predict.ExitCode == ExitCodes.Ok, predict.ToString());
        var frames = StructureFiles.ReadAll(predicted);
        Assert.Equal(30, frames.Count);
        var inputs = StructureFiles.ReadAll(val);
        var direct = ModelUncertainty.Estimate(PotentialFile.Load<float>(calibrated), unc, inputs, 1000);
        for (int i = 0; i < frames.Count; i++)
        {
            double std = Convert.ToDouble(frames[i].Info[PredictionKeys.EnergyStd], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(std > 0);
            Assert.Equal(direct[i].EnergyStd, std, 1e-6 * Math.Max(1, std));
            var column = frames[i].PerAtom[PredictionKeys.AtomUncertainty];
            Assert.Equal(frames[i].AtomCount, column.Values.Length);
        }
    }

    [Fact]
    public void PredictWithoutStoredUncertaintyKeepsTheHistogramStd()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("model.safetensors"));
        string val = Slice(dir, "val", 5), predicted = dir.File("out.extxyz");
        var predict = CliRun.Of("predict", model, val, "-o", predicted);
        Assert.True(predict.ExitCode == ExitCodes.Ok, predict.ToString());
        var frames = StructureFiles.ReadAll(predicted);
        Assert.All(frames, f => Assert.True(f.Info.ContainsKey(PredictionKeys.EnergyStd)));
        Assert.All(frames, f => Assert.False(f.PerAtom.ContainsKey(PredictionKeys.AtomUncertainty)));
    }

    [Fact]
    public void CalibrateWithoutReferenceEnergiesIsBadInput()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("model.safetensors"));
        string train = Slice(dir, "train", 10);
        var unlabelled = StructureFiles.ReadAll(train).Select(s => { var c = s.Clone(); c.Energy = null; return c; }).ToList();
        string calib = dir.File("unlabelled.extxyz");
        ExtXyzWriter.WriteFile(calib, unlabelled);
        var run = CliRun.Of("calibrate", model, calib, "--train", train);
        Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
        Assert.Contains("reference energies", run.Stderr);
        Assert.DoesNotContain("internal error", run.Stderr);
        Assert.Null(ModelUncertainty.Load(model)); // nothing written
    }

    [Fact]
    public void CalibrateOnTooFewStructuresSaysHowManyItNeedsInUsersWords()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("model.safetensors"));
        var run = CliRun.Of("calibrate", model, Slice(dir, "val", 3), "--train", Slice(dir, "train", 10));
        Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
        Assert.Contains("at least 10 structures", run.Stderr);
        // not the C# parameter name an ArgumentException carries
        Assert.DoesNotContain("(Parameter", run.Stderr);
        Assert.Null(ModelUncertainty.Load(model));
    }

    [Fact]
    public void CalibrateRequiresTheTrainingData()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("model.safetensors"));
        var run = CliRun.Of("calibrate", model, Slice(dir, "val", 3));
        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
    }

    [Fact]
    public void TrainFitsTheUncertaintyUnlessTurnedOff()
    {
        using var dir = new TempDirectory();
        string train = Slice(dir, "train", 30), val = Slice(dir, "val", 20), test = Slice(dir, "test", 15);
        string[] common = ["train", "--train", train, "--val", val, "--test", test, "--epochs", "1", "--features", "8", "--layers", "1", "--bins", "16"];

        var on = CliRun.Of([.. common, "--out", dir.File("on")]);
        Assert.True(on.ExitCode == ExitCodes.Ok, on.ToString());
        Assert.NotNull(ModelUncertainty.Load(Path.Combine(dir.File("on"), "model.safetensors")));
        Assert.Contains("Calibrated uncertainty on the test set", on.Stdout);
        Assert.Contains("miscalibration area", on.Stdout);

        var off = CliRun.Of([.. common, "--no-uncertainty", "--out", dir.File("off")]);
        Assert.True(off.ExitCode == ExitCodes.Ok, off.ToString());
        Assert.Null(ModelUncertainty.Load(Path.Combine(dir.File("off"), "model.safetensors")));
        Assert.DoesNotContain("Calibrated uncertainty", off.Stdout);
    }

    [Fact]
    public void SimulationCalculatorGivesTheSameCalibratedStdAndMdFlagsOnAtomUncertainty()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("model.safetensors"));
        string train = Slice(dir, "train", 40), val = Slice(dir, "val", 30);
        Assert.Equal(ExitCodes.Ok, CliRun.Of("calibrate", model, val, "--train", train).ExitCode);
        var unc = ModelUncertainty.Load(model)!;
        var structure = StructureFiles.ReadAll(val)[0];

        // One structure through the simulation calculator (same forward pass as the forces) = the batched extractor.
        var expected = ModelUncertainty.Estimate(PotentialFile.Load<float>(model), unc, [structure], 1000)[0];
        var calculator = new CatPot.Simulation.PotentialCalculator<float>(PotentialFile.Load<float>(model)) { Uncertainty = unc };
        var result = new CatPot.Simulation.CalculationResult(structure.AtomCount);
        calculator.Calculate(structure, result);
        Assert.Equal(expected.EnergyStd, result.EnergyStd, 1e-4 * expected.EnergyStd);
        Assert.Equal(structure.AtomCount, result.AtomUncertainty!.Length);
        for (int a = 0; a < structure.AtomCount; a++) Assert.Equal(expected.AtomUncertainty[a], result.AtomUncertainty[a], 1e-4 * expected.AtomUncertainty[a]);

        string start = dir.File("start.extxyz"), traj = dir.File("traj.extxyz"), flagged = dir.File("flagged.extxyz");
        ExtXyzWriter.WriteFile(start, [structure]);
        var md = CliRun.Of("md", model, start, "--steps", "3", "--max-atom-uncertainty", "0", "--flag", "--flagged", flagged, "-o", traj);
        Assert.True(md.ExitCode == ExitCodes.Ok, md.ToString());
        var frames = StructureFiles.ReadAll(flagged);
        Assert.NotEmpty(frames);
        Assert.All(frames, f => Assert.True(f.PerAtom.ContainsKey(PredictionKeys.AtomUncertainty)));

        // Without a calibrated model file the per-atom limit is a usage problem, not a crash.
        string plain = CommandFixtures.SaveModel(dir.File("plain.safetensors"));
        var refused = CliRun.Of("md", plain, start, "--steps", "3", "--max-atom-uncertainty", "0.1", "-o", dir.File("t2.extxyz"));
        Assert.NotEqual(ExitCodes.Ok, refused.ExitCode);
        Assert.Contains("catpot calibrate", refused.Stderr);
        Assert.DoesNotContain("internal error", refused.Stderr);
    }
}
