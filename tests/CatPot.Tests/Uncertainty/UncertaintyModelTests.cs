using CatPot.Chemistry;
using CatPot.Models;
using CatPot.Uncertainty;
using Xunit;

namespace CatPot.Tests.Uncertainty;

/// <summary>
/// The whole pipeline on a small random model: extraction, fitting, estimates, storage in a safetensors model file
/// (the contract check accepts it, the estimates come back unchanged), and the metric helpers.
/// </summary>
public sealed class UncertaintyModelTests
{
    private static Potential<float> SmallModel(string head)
    {
        var config = new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0, Head = CatPot.Tests.Models.TestHeads.Of(head) };
        // A model file needs at least one element reference (ModelMetadata refuses an empty element_refs).
        var refs = new double[119];
        refs[1] = -0.5;
        refs[6] = -1.0;
        refs[7] = -1.5;
        refs[8] = -2.0;
        var m = new Potential<float>(config, new PotentialStatistics { ElementReferences = refs, Sd = 0.5, Lo = -3, Hi = 3, ForceRms = 1 });
        m.InitializeParameters(17);
        return m;
    }

    // Small random molecules of H, C, O (and N only in the "novel" set), with a parent label per 4 structures.
    private static List<Structure> Molecules(int count, int seed, bool withNitrogen = false, double spread = 1.0)
    {
        var rng = new Random(seed);
        var list = new List<Structure>();
        for (int s = 0; s < count; s++)
        {
            int n = 3 + rng.Next(6);
            var z = new int[n];
            var pos = new double[3 * n];
            for (int a = 0; a < n; a++)
            {
                z[a] = withNitrogen && a == 0 ? 7 : new[] { 1, 1, 6, 8 }[rng.Next(4)];
                pos[3 * a] = 1.1 * a * spread;
                pos[(3 * a) + 1] = rng.NextDouble() * 0.6;
                pos[(3 * a) + 2] = rng.NextDouble() * 0.6;
            }
            var st = new Structure(z, pos) { Energy = -10.0 * n + rng.NextDouble() * n };
            st.Info["parent"] = $"p{s / 4}";
            list.Add(st);
        }
        return list;
    }

    [Theory]
    [InlineData("hlgauss")]
    [InlineData("mae")]
    public void Fits_estimates_and_round_trips_through_the_model_file(string head)
    {
        var model = SmallModel(head);
        var train = Molecules(60, 1);
        var calib = Molecules(40, 2);
        var unc = UncertaintyCalibrator.Fit(model, train, calib, new CalibrationOptions { Folds = 3 });
        Assert.Equal(SignalFeatures.FusedNames(head == "hlgauss"), unc.EnergyModel.Names);
        Assert.All(unc.EnergyModel.Weights, w => Assert.True(w >= 0));

        var test = Molecules(10, 3);
        var sig = SignalExtractor.Extract(model, test);
        var est = sig.Select(unc.Estimate).ToArray();
        Assert.All(est, e => Assert.True(e.EnergyStd > 0 && double.IsFinite(e.EnergyStd)));
        Assert.All(est, e => Assert.All(e.AtomUncertainty, a => Assert.True(a > 0)));
        Assert.Equal(test.Select(t => t.AtomCount), est.Select(e => e.AtomUncertainty.Length));
        // the extraction's energy is the model's energy
        var direct = CatPot.Evaluation.PotentialPredictor.Predict(model, test);
        for (int i = 0; i < test.Count; i++) Assert.Equal(direct[i].Energy, sig[i].Energy, 4);

        var image = PotentialFile.ToSafeTensors(model, model.Parameters.Items.Select(p => p.Tensor.Span.ToArray()).ToList());
        var withUnc = unc.AddTo(image);
        var reread = SafeTensorsFile.Parse(withUnc.ToBytes(), "memory");
        ModelContract.Validate(reread); // uncertainty tensors are allowed beside the contract's parameters
        Assert.Contains(reread.Tensors.Keys, k => k.StartsWith("uncertainty.density.z6.", StringComparison.Ordinal));
        var back = UncertaintyModel.FromSafeTensors(reread)!;
        for (int i = 0; i < sig.Length; i++)
        {
            var e = back.Estimate(sig[i]);
            Assert.Equal(est[i].EnergyStd, e.EnergyStd, 12);
            Assert.Equal(est[i].AtomUncertainty, e.AtomUncertainty);
        }
        Assert.Null(UncertaintyModel.FromSafeTensors(image));
    }

    [Theory]
    [InlineData("hlgauss")]
    [InlineData("mae")]
    public void A_structure_where_the_model_overflows_is_infinitely_uncertain_not_NaN(string head)
    {
        var model = SmallModel(head);
        var unc = UncertaintyCalibrator.Fit(model, Molecules(60, 1), Molecules(40, 2), new CalibrationOptions { Folds = 3 });
        var good = SignalExtractor.Extract(model, Molecules(1, 3))[0];
        // what a model that overflowed far outside its training data hands over: non-finite features and energy
        var overflowed = good with
        {
            Energy = double.NaN,
            AtomFeatures = [.. good.AtomFeatures.Select(_ => double.NaN)],
            ReadoutFeatures = [.. good.ReadoutFeatures.Select(_ => double.NaN)],
            Entropy = good.Entropy is null ? null : double.NaN,
            HistogramStd = good.HistogramStd is null ? null : double.NaN,
            TailMass = good.TailMass is null ? null : double.NaN,
        };
        var e = unc.Estimate(overflowed);
        Assert.Equal(double.PositiveInfinity, e.EnergyStd);
        Assert.All(e.AtomUncertainty, a => Assert.Equal(double.PositiveInfinity, a));
        Assert.True(double.IsFinite(unc.Estimate(good).EnergyStd));
    }

    [Fact]
    public void Unknown_elements_and_stretched_geometries_raise_the_novelty()
    {
        var model = SmallModel("hlgauss");
        var train = Molecules(80, 4);
        var (density, rigidity) = UncertaintyCalibrator.FitEstimators(SignalExtractor.Extract(model, train));
        double Mean(List<Structure> s) => SignalExtractor.Extract(model, s).Select(x => UncertaintyModel.ComputeSignals(density, rigidity, x, 3).NoveltyMax).Average();
        double inDomain = Mean(Molecules(20, 5));
        Assert.True(Mean(Molecules(20, 5, withNitrogen: true)) > inDomain);
        Assert.True(UncertaintyModel.ComputeSignals(density, rigidity, SignalExtractor.Extract(model, Molecules(1, 5, withNitrogen: true))[0], 3).UnseenElement);
    }

    [Fact]
    public void A_damaged_stored_model_is_a_model_file_error()
    {
        var model = SmallModel("hlgauss");
        var unc = UncertaintyCalibrator.Fit(model, Molecules(30, 1), Molecules(20, 2), new CalibrationOptions { Folds = 2 });
        var image = unc.AddTo(PotentialFile.ToSafeTensors(model, model.Parameters.Items.Select(p => p.Tensor.Span.ToArray()).ToList()));
        var damaged = new SafeTensorsFile(image.Tensors.Where(kv => kv.Key != "uncertainty.rigidity.gram"), image.Metadata);
        var e = Assert.Throws<ModelFileException>(() => UncertaintyModel.FromSafeTensors(damaged));
        Assert.Contains("uncertainty.rigidity.gram", e.Message);
    }

    [Fact]
    public void Score_quality_and_baselines_on_a_small_case()
    {
        double[] err = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        double[] perfect = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        string[] groups = ["a", "a", "a", "a", "a", "b", "b", "b", "b", "b"];
        var q = ScoreQuality.Compute(perfect, err, groups);
        Assert.Equal(["overall", "a", "b"], q.Select(x => x.Group));
        Assert.All(q, x => Assert.Equal(1.0, x.Spearman!.Value, 12));
        Assert.Equal(1.0, q[0].Auroc!.Value, 12);
        var reversed = ScoreQuality.Compute(perfect.Reverse().ToArray(), err, groups);
        Assert.Equal(-1.0, reversed[0].Spearman!.Value, 12);
        Assert.Equal(0.0, reversed[0].Auroc!.Value, 12);

        Assert.Equal(1, DomainPrior.MetalOrIon(new Structure([6, 1, 30], new double[9])));
        Assert.Equal(1, DomainPrior.MetalOrIon(new Structure([6, 1], new double[6], charge: -1)));
        Assert.Equal(0, DomainPrior.MetalOrIon(new Structure([6, 1, 8, 7, 16, 17], new double[18])));
        Assert.True(DomainPrior.IsMetal(3) && DomainPrior.IsMetal(78) && !DomainPrior.IsMetal(14));
    }
}
