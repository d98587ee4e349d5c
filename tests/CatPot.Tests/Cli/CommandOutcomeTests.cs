using System.Text.Json;
using CatPot.Cli;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.Cli;

/// <summary>
/// Issue 14's command-side regressions: exit codes through the one mapping, output-path checks, usage errors,
/// warnings for elements without a reference energy, the output vocabulary and non-finite numbers in JSON.
/// </summary>
public class CommandOutcomeTests
{
    [Fact]
    public void Predict_to_an_existing_directory_is_bad_input_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("m.safetensors"));
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);
        Directory.CreateDirectory(dir.File("out"));

        var run = CliRun.Of("predict", model, water, "-o", dir.File("out"));

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains("is a directory", run.Stderr);
        Assert.DoesNotContain("internal error", run.Stderr);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Predict_warns_when_the_model_overflows_and_still_writes_every_frame()
    {
        using var dir = new TempDirectory();
        var model = CatPot.Models.PotentialFile.Load<float>(CommandFixtures.SaveModel(dir.File("m.safetensors")));
        // weights 10⁵ times too large: the products of the message passing overflow float32, as a trained model
        // does far outside its training data
        foreach (var (_, t, _) in model.Parameters.Items)
            for (int i = 0; i < t.Length; i++) t[i] *= 1e5f;
        CatPot.Models.PotentialFile.Save(model, dir.File("overflowing.safetensors"));
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water + CommandFixtures.Water);

        var run = CliRun.Of("predict", dir.File("overflowing.safetensors"), water, "-o", dir.File("out.extxyz"));

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("2 of 2 frames (the first: frame 0, counting from 0) got a non-finite energy or force", run.Stderr);
        Assert.Equal(2, File.ReadLines(dir.File("out.extxyz")).Count(l => l.Contains("Properties=", StringComparison.Ordinal)));
        // a sound model gets no such warning
        var sound = CliRun.Of("predict", dir.File("m.safetensors"), water, "-o", dir.File("sound.extxyz"));
        Assert.True(sound.ExitCode == ExitCodes.Ok, sound.ToString());
        Assert.DoesNotContain("non-finite", sound.Stderr);
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("predict")]
    public void Max_atoms_zero_is_a_usage_error(string command)
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("m.safetensors"));
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);
        string[] args = command == "eval"
            ? ["eval", model, water, "--max-atoms", "0"]
            : ["predict", model, water, "-o", dir.File("p.extxyz"), "--max-atoms", "0"];

        var run = CliRun.Of(args);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--max-atoms must be at least 1", run.Stderr);
    }

    [Fact]
    public void Predict_writes_the_output_vocabulary_and_warns_about_elements_without_a_reference_energy()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("m.safetensors"));
        string input = CommandFixtures.WriteText(dir.File("in.extxyz"), CommandFixtures.Water + CommandFixtures.GoldHydride);
        string output = dir.File("out.extxyz");

        var run = CliRun.Of("predict", model, input, "-o", output);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var warning = Assert.Single(run.Stderr.Split('\n'), l => l.Contains("warning"));
        Assert.Contains("Au (Z = 79)", warning);
        Assert.Contains("1 structure(s)", warning);
        var frames = ExtXyzReader.ReadAll(output);
        Assert.Equal(2, frames.Count);
        foreach (var f in frames)
        {
            Assert.True(f.Info.ContainsKey(PredictionKeys.EnergyStd));
            Assert.True(f.Info.ContainsKey(PredictionKeys.EnergyEntropy));
            Assert.True(f.Info.ContainsKey(PredictionKeys.EnergyTailMass));
            Assert.NotNull(f.Forces);
        }
        Assert.Equal(-10.5, (double)frames[0].Info["ref_energy"]);
    }

    [Fact]
    public void Md_warns_about_an_element_without_a_reference_energy()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("m.safetensors"));
        string gold = CommandFixtures.WriteText(dir.File("auh.extxyz"), CommandFixtures.GoldHydride);
        var run = CliRun.Of("md", model, gold, "--steps", "1", "-o", dir.File("md.extxyz"));
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("catpot: warning: the model has no reference energy for Au (Z = 79)", run.Stderr);
    }

    [Fact]
    public void Predict_without_unknown_elements_warns_nothing()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("m.safetensors"));
        string input = CommandFixtures.WriteText(dir.File("in.extxyz"), CommandFixtures.Water);
        var run = CliRun.Of("predict", model, input, "-o", dir.File("out.extxyz"));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotContain("warning", run.Stderr);
    }

    [Fact]
    public void Predict_streams_many_frames_in_chunks_in_input_order()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("m.safetensors"));
        // 40 frames with an atom budget of 3: 8 × 3 atoms per chunk, so 40 water frames take 5 chunks.
        var text = string.Concat(Enumerable.Range(0, 40).Select(i => CommandFixtures.Water.Replace("energy=-10.5", $"energy=-10.5 index={i}")));
        string input = CommandFixtures.WriteText(dir.File("in.extxyz"), text);
        string output = dir.File("out.extxyz");

        var run = CliRun.Of("predict", model, input, "-o", output, "--max-atoms", "3");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var frames = ExtXyzReader.ReadAll(output);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), frames.Select(f => (long)f.Info["index"]));
        // Identical inputs, identical predictions, whichever chunk they fell in.
        Assert.All(frames, f => Assert.Equal(frames[0].Energy, f.Energy));
    }

    [Fact]
    public void Predict_cancelled_keeps_the_frames_predicted_so_far_and_exits_130()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("m.safetensors"));
        string input = CommandFixtures.WriteText(dir.File("in.extxyz"), CommandFixtures.Water + CommandFixtures.Water);
        string output = dir.File("out.extxyz");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var run = CliRun.OfCancellable(cancel.Token, "predict", model, input, "-o", output);

        Assert.Equal(ExitCodes.Cancelled, run.ExitCode);
        Assert.Contains("cancelled", run.Stderr);
        Assert.Equal(0, new FileInfo(output).Length); // cancelled before the first chunk: an empty but complete file
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Eval_json_carries_the_unknown_element_warning()
    {
        using var dir = new TempDirectory();
        string model = CommandFixtures.SaveModel(dir.File("m.safetensors"));
        string input = CommandFixtures.WriteText(dir.File("in.extxyz"), CommandFixtures.Water + CommandFixtures.GoldHydride);

        var run = CliRun.Of("eval", model, input, "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var warnings = run.Json().GetProperty("warnings");
        Assert.Contains("Au (Z = 79)", Assert.Single(warnings.EnumerateArray()).GetString());
        Assert.Contains("warning", run.Stderr);
    }

    [Fact]
    public void Data_info_json_writes_an_overflowing_force_statistic_as_null()
    {
        using var dir = new TempDirectory();
        string input = CommandFixtures.WriteText(dir.File("big.extxyz"), """
            2
            Properties=species:S:1:pos:R:3:forces:R:3 energy=-3.0
            H 0.0 0.0 0.0 1e200 0.0 0.0
            H 0.0 0.0 0.74 -1e200 0.0 0.0

            """);

        var run = CliRun.Of("data", "info", input, "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var forces = run.Json().GetProperty("forces");
        Assert.Equal(JsonValueKind.Null, forces.GetProperty("rms_component").ValueKind); // (1e200)² overflows to ∞
    }

    [Fact]
    public void Md_option_errors_are_usage_errors_and_input_errors_bad_input()
    {
        using var dir = new TempDirectory();
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);
        string broken = CommandFixtures.WriteText(dir.File("broken.extxyz"), "3\nProperties=species:S:1:pos:R:3\nO 0 0 0\n");

        var frame = CliRun.Of("md", "unused", water, "--random-model", "1", "--frame", "5", "--steps", "1");
        var dt = CliRun.Of("md", "unused", water, "--random-model", "1", "--dt", "-1", "--steps", "1", "-o", dir.File("t.extxyz"));
        var bad = CliRun.Of("md", "unused", broken, "--random-model", "1", "--steps", "1", "-o", dir.File("t.extxyz"));
        var missingModel = CliRun.Of("md", dir.File("absent.safetensors"), water, "--steps", "1", "-o", dir.File("t.extxyz"));
        var sameFile = CliRun.Of("opt", "unused", water, "--random-model", "1", "-o", water);

        Assert.True(frame.ExitCode == ExitCodes.UsageError, frame.ToString());
        Assert.Contains("asked for frame 5", frame.Stderr);
        Assert.True(dt.ExitCode == ExitCodes.UsageError, dt.ToString());
        Assert.True(bad.ExitCode == ExitCodes.BadInput, bad.ToString());
        Assert.True(missingModel.ExitCode == ExitCodes.BadInput, missingModel.ToString());
        Assert.True(sameFile.ExitCode == ExitCodes.UsageError, sameFile.ToString());
        Assert.Equal(CommandFixtures.Water.Replace("\r\n", "\n"), File.ReadAllText(water));
        foreach (var run in new[] { frame, dt, bad, missingModel, sameFile })
            Assert.StartsWith("catpot: error:", run.Stderr.Split('\n').Last(l => l.Length > 0));
    }

    [Fact]
    public void Md_stopped_by_the_guard_exits_5_and_opt_not_converged_exits_5()
    {
        using var dir = new TempDirectory();
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);

        var md = CliRun.Of("md", "unused", water, "--random-model", "1", "--steps", "20", "--max-std", "0", "-o", dir.File("md.extxyz"), "--flagged", dir.File("flagged.extxyz"));
        var opt = CliRun.Of("opt", "unused", water, "--random-model", "1", "--steps", "2", "--fmax", "1e-12", "-o", dir.File("opt.extxyz"));

        Assert.True(md.ExitCode == ExitCodes.Incomplete, md.ToString());
        Assert.Single(ExtXyzReader.ReadAll(dir.File("flagged.extxyz")));
        Assert.True(opt.ExitCode == ExitCodes.Incomplete, opt.ToString());
        Assert.Equal(3, ExtXyzReader.ReadAll(dir.File("opt.extxyz")).Count);
        Assert.Equal(5, ExitCodes.Incomplete);
    }

    [Fact]
    public void Md_and_opt_trajectories_use_the_output_vocabulary()
    {
        using var dir = new TempDirectory();
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);
        var md = CliRun.Of("md", "unused", water, "--random-model", "1", "--steps", "2", "--interval", "1", "-o", dir.File("md.extxyz"));
        var opt = CliRun.Of("opt", "unused", water, "--random-model", "1", "--steps", "1", "-o", dir.File("opt.extxyz"));
        Assert.True(md.ExitCode == ExitCodes.Ok, md.ToString());
        Assert.True(opt.ExitCode is ExitCodes.Ok or ExitCodes.Incomplete, opt.ToString());
        foreach (var frame in ExtXyzReader.ReadAll(dir.File("md.extxyz")).Concat(ExtXyzReader.ReadAll(dir.File("opt.extxyz"))))
        {
            Assert.True(frame.Info.ContainsKey(PredictionKeys.EnergyStd));
            Assert.True(frame.Info.ContainsKey(PredictionKeys.EnergyEntropy));
            Assert.True(frame.Info.ContainsKey(PredictionKeys.EnergyTailMass));
            Assert.False(frame.Info.ContainsKey("std_E"));
            Assert.False(frame.Info.ContainsKey("entropy"));
        }
    }

    [Fact]
    public void Md_cancelled_exits_130_with_the_trajectory_up_to_the_stop()
    {
        using var dir = new TempDirectory();
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var run = CliRun.OfCancellable(cancel.Token, "md", "unused", water, "--random-model", "1", "--steps", "100000", "-o", dir.File("md.extxyz"), "--log", dir.File("log.json"));

        Assert.True(run.ExitCode == ExitCodes.Cancelled, run.ToString());
        Assert.Single(ExtXyzReader.ReadAll(dir.File("md.extxyz"))); // step 0, at which the cancellation was seen
        using var log = JsonDocument.Parse(File.ReadAllText(dir.File("log.json")));
        Assert.True(log.RootElement.GetProperty("cancelled").GetBoolean());
    }

    [Fact]
    public void Opt_cancelled_exits_130_with_the_trajectory_up_to_the_current_geometry()
    {
        using var dir = new TempDirectory();
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var run = CliRun.OfCancellable(cancel.Token, "opt", "unused", water, "--random-model", "1", "--fmax", "1e-12", "-o", dir.File("opt.extxyz"));

        Assert.True(run.ExitCode == ExitCodes.Cancelled, run.ToString());
        Assert.Single(ExtXyzReader.ReadAll(dir.File("opt.extxyz")));
        Assert.Contains("opt: cancelled", run.Stderr);
    }

    [Fact]
    public void Serve_with_no_server_exits_4_and_a_bad_address_is_a_usage_error()
    {
        using var dir = new TempDirectory();
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);
        var none = CliRun.Of("serve", "unused", water, "--random-model", "1", "--ipi", "unix:" + dir.File("no.sock"), "--connect-timeout", "0");
        var bad = CliRun.Of("serve", "unused", water, "--random-model", "1", "--ipi", "nonsense");
        var timeout = CliRun.Of("serve", "unused", water, "--random-model", "1", "--ipi", "localhost:1", "--read-timeout", "-1");
        Assert.True(none.ExitCode == ExitCodes.NoServer, none.ToString());
        Assert.True(bad.ExitCode == ExitCodes.UsageError, bad.ToString());
        Assert.True(timeout.ExitCode == ExitCodes.UsageError, timeout.ToString());
    }

    [Fact]
    public void Training_data_without_forces_is_bad_input_naming_the_files()
    {
        using var dir = new TempDirectory();
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water + CommandFixtures.Water);
        var run = CliRun.Of("train", "--train", water, "--val", water, "--test", "none", "--epochs", "1", "--features", "8", "--layers", "1", "--out", dir.File("run"));
        Assert.True(run.ExitCode == ExitCodes.BadInput, run.ToString());
        Assert.Contains("has no forces", run.Stderr);
        Assert.Contains(water, run.Stderr);
        Assert.DoesNotContain("internal error", run.Stderr);
    }

    [Fact]
    public void Train_without_val_splits_the_training_file_and_takes_E0s_from_isolated_atoms()
    {
        using var dir = new TempDirectory();
        string atoms = """
            1
            Properties=species:S:1:pos:R:3:forces:R:3 energy=-13.6 config_type=IsolatedAtom
            H 0.0 0.0 0.0 0.0 0.0 0.0
            1
            Properties=species:S:1:pos:R:3:forces:R:3 energy=-2040.0
            O 0.0 0.0 0.0 0.0 0.0 0.0

            """;
        string data = CommandFixtures.WriteText(dir.File("water.extxyz"), atoms + string.Concat(Enumerable.Repeat(CommandFixtures.WaterWithForces, 10)));
        var run = CliRun.Of("train", "--train", data, "--test", "none", "--epochs", "1", "--features", "8", "--layers", "1", "--out", dir.File("run"));
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("small-data recipe", run.Stderr);
        Assert.Contains($"weight decay {CatPot.Training.SmallDataRecipe.WeightDecay}", run.Stderr);
        Assert.Contains("PaiNN with 2 rank-2 channels", run.Stderr);
        Assert.Contains($"{CatPot.Training.SmallDataRecipe.RadialBasis} radial functions", run.Stderr);
        Assert.Contains($"({CatPot.Training.SmallDataRecipe.ForceLoss} force term)", run.Stderr);
        Assert.Contains("E0s from isolated atoms", run.Stderr);
        Assert.Contains("9 training / 1 validation structures", run.Stderr);
        var model = CatPot.Models.PotentialFile.Load<float>(System.IO.Path.Combine(dir.File("run"), "model.safetensors"));
        Assert.Equal(-13.6, model.Statistics.ElementReferences[1]);
        Assert.Equal(-2040.0, model.Statistics.ElementReferences[8]);
        Assert.Equal(CatPot.Training.SmallDataRecipe.TensorChannelsFor(8), model.Config.TensorChannels);
        Assert.Equal(CatPot.Training.SmallDataRecipe.RadialBasis, model.Config.RadialBasis);
        Assert.Contains("histogram gradient detached", run.Stderr);
        Assert.Equal("detached", ((CatPot.Models.Heads.ResidualCategoricalHeadConfig)model.Config.Head).HistogramGradient);
    }

    [Theory]
    [InlineData(new[] { "--backbone", "painn" }, 0)]
    [InlineData(new[] { "--backbone", "painn-t2", "--tensor-channels", "3" }, 3)]
    [InlineData(new[] { "--forces", "direct" }, 0)]
    [InlineData(new[] { "--forces", "direct", "--backbone", "painn-t2" }, 2)]
    public void The_backbone_follows_the_recipe_unless_chosen(string[] extra, int channels)
    {
        using var dir = new TempDirectory();
        string data = CommandFixtures.WriteText(dir.File("water.extxyz"), string.Concat(Enumerable.Repeat(CommandFixtures.WaterWithForces, 10)));
        var run = CliRun.Of([.. new[] { "train", "--train", data, "--test", "none", "--epochs", "1", "--features", "8", "--layers", "1", "--no-uncertainty", "--out", dir.File("run") }, .. extra]);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var model = CatPot.Models.PotentialFile.Load<float>(System.IO.Path.Combine(dir.File("run"), "model.safetensors"));
        Assert.Equal(channels, model.Config.TensorChannels);
        // the recipe also detaches the default head's histogram; without the recipe it stays shared
        Assert.Equal(extra.Contains("direct") ? "shared" : "detached", ((CatPot.Models.Heads.ResidualCategoricalHeadConfig)model.Config.Head).HistogramGradient);
    }

    [Fact]
    public void A_training_run_that_diverges_stops_with_exit_incomplete_and_names_the_fix()
    {
        using var dir = new TempDirectory();
        string data = CommandFixtures.WriteText(dir.File("water.extxyz"), string.Concat(Enumerable.Repeat(CommandFixtures.WaterWithForces, 10)));
        var run = CliRun.Of("train", "--train", data, "--test", "none", "--epochs", "20", "--features", "8", "--layers", "1", "--lr", "1e30", "--out", dir.File("run"));
        Assert.True(run.ExitCode == ExitCodes.Incomplete, run.ToString());
        Assert.Contains("training diverged in epoch", run.Stderr);
        Assert.Contains("Lower the learning rate (--lr; this run: 1E+30)", run.Stderr);
        Assert.DoesNotContain("internal error", run.Stderr);
        Assert.True(File.ReadAllLines(System.IO.Path.Combine(dir.File("run"), "metrics.jsonl")).Length < 20);
        // Diverged before any finite validation score: no model, said so, and nothing goes on to load one.
        bool saved = File.Exists(System.IO.Path.Combine(dir.File("run"), "model.safetensors"));
        Assert.Equal(!saved, run.Stderr.Contains("no model was saved"));
    }

    [Fact]
    public void Tensor_channels_without_a_backbone_that_has_them_is_a_usage_error()
    {
        using var dir = new TempDirectory();
        string data = CommandFixtures.WriteText(dir.File("water.extxyz"), string.Concat(Enumerable.Repeat(CommandFixtures.WaterWithForces, 10)));
        var run = CliRun.Of("train", "--train", data, "--test", "none", "--epochs", "1", "--backbone", "painn", "--tensor-channels", "8", "--out", dir.File("run"));
        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--tensor-channels", run.Stderr);
        Assert.False(Directory.Exists(dir.File("run")));
    }

    [Fact]
    public void A_weight_decay_radial_basis_force_loss_and_histogram_gradient_given_on_the_command_line_win_over_the_small_data_recipe()
    {
        using var dir = new TempDirectory();
        string data = CommandFixtures.WriteText(dir.File("water.extxyz"), string.Concat(Enumerable.Repeat(CommandFixtures.WaterWithForces, 10)));
        var run = CliRun.Of("train", "--train", data, "--test", "none", "--epochs", "1", "--features", "8", "--layers", "1", "--weight-decay", "0.02", "--rbf", "5", "--force-loss", "l2mae", "--head-setting", "histogram_gradient=shared", "--out", dir.File("run"));
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.DoesNotContain("histogram gradient", run.Stderr);
        Assert.Contains("CE weight 0.1, T = 1) head", run.Stderr);
        Assert.Contains("small-data recipe", run.Stderr);
        Assert.Contains("weight decay 0.02,", run.Stderr);
        Assert.Contains(" 5 radial functions", run.Stderr);
        Assert.Contains("(l2mae force term)", run.Stderr);
    }

    [Fact]
    public void Output_path_errors_and_full_disks_map_to_their_exit_codes()
    {
        Assert.Equal(ExitCodes.BadInput, CommandFailure.ExitCodeOf(new OutputPathException("out", "is a directory")));
        // A full disk (ENOSPC) surfaces as a plain IOException: a runtime failure, not bad input.
        Assert.Equal(ExitCodes.RuntimeFailure, CommandFailure.ExitCodeOf(new IOException("No space left on device")));
    }
}
