using CatPot.Chemistry;
using CatPot.Models;
using CatPot.Uncertainty;
using Xunit;

namespace CatPot.Tests.Uncertainty;

/// <summary>
/// The out-of-domain term of energy_std: 1 inside the calibration set's per-element novelty range, (ν/ν_ref)^β
/// beyond it, applied to energy_std and atom_uncertainty, stored with the model, absent from older files.
/// </summary>
public sealed class NoveltyInflationTests
{
    [Fact]
    public void References_are_the_largest_calibration_novelty_per_element()
    {
        var inf = NoveltyInflation.Fit([([0.5, 2.0, 1.0], [1, 1, 6]), ([3.0, 0.2], [8, 1])], exponent: 0.5);
        Assert.Equal(2.0, inf.Reference(1));
        Assert.Equal(1.0, inf.Reference(6));
        Assert.Equal(3.0, inf.Reference(8));
        Assert.Equal(3.0, inf.Reference(26)); // absent from calibration: the largest of all atoms
        Assert.Equal(1.0, inf.AtomFactor(1, 2.0));
        Assert.Equal(1.0, inf.AtomFactor(1, 0.1));
        Assert.Equal(2.0, inf.AtomFactor(1, 8.0), 12); // √(8/2)
        Assert.Equal(3.0, inf.AtomFactor(6, 9.0), 12);
        Assert.Equal(3.0, inf.StructureFactor([8.0, 9.0, 0.1], [1, 6, 8]), 12);
        Assert.Equal(1.0, new NoveltyInflation(inf.ReferenceByElement, inf.DefaultReference, 0).AtomFactor(1, 1e6));
        Assert.Throws<ArgumentException>(() => NoveltyInflation.Fit([([0.0], [1])]));
        Assert.Throws<ArgumentException>(() => new NoveltyInflation(new Dictionary<int, double> { [1] = -1 }, 1, 0.5));
    }

    private static Potential<float> SmallModel()
    {
        var config = new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0, Head = CatPot.Tests.Models.TestHeads.Of("hlgauss") };
        var refs = new double[119];
        refs[1] = -0.5;
        refs[6] = -1.0;
        refs[8] = -2.0;
        var m = new Potential<float>(config, new PotentialStatistics { ElementReferences = refs, Sd = 0.5, Lo = -3, Hi = 3, ForceRms = 1 });
        m.InitializeParameters(17);
        return m;
    }

    private static List<Structure> Chains(int count, int seed, double spacing)
    {
        var rng = new Random(seed);
        var list = new List<Structure>();
        for (int s = 0; s < count; s++)
        {
            int n = 4 + rng.Next(4);
            var z = new int[n];
            var pos = new double[3 * n];
            for (int a = 0; a < n; a++)
            {
                z[a] = new[] { 1, 6, 8 }[rng.Next(3)];
                pos[3 * a] = spacing * a;
                pos[(3 * a) + 1] = rng.NextDouble() * 0.3;
                pos[(3 * a) + 2] = rng.NextDouble() * 0.3;
            }
            var st = new Structure(z, pos) { Energy = -5.0 * n + rng.NextDouble() };
            st.Info["parent"] = $"p{s / 4}";
            list.Add(st);
        }
        return list;
    }

    [Fact]
    public void Calibration_structures_are_not_inflated_and_novel_ones_are()
    {
        var model = SmallModel();
        var calib = Chains(30, 2, 1.2);
        var unc = UncertaintyCalibrator.Fit(model, Chains(60, 1, 1.2), calib, new CalibrationOptions { Folds = 3 });
        Assert.NotNull(unc.Inflation);
        var calibEst = SignalExtractor.Extract(model, calib).Select(unc.Estimate).ToArray();
        Assert.All(calibEst, e => Assert.Equal(1.0, e.NoveltyInflation));

        // compressed chains lie far outside the training features: inflated, and energy_std carries the factor
        var novel = SignalExtractor.Extract(model, Chains(10, 3, 0.5));
        var est = novel.Select(unc.Estimate).ToArray();
        Assert.Contains(est, e => e.NoveltyInflation > 1);
        var off = new UncertaintyModel(unc.Density, unc.Rigidity, unc.EnergyModel, unc.EnergyQuantiles, unc.AtomModel, unc.AtomQuantiles, unc.TopAtoms, bonds: unc.Bonds);
        for (int i = 0; i < novel.Length; i++)
        {
            var plain = off.Estimate(novel[i]);
            Assert.Equal(plain.EnergyStd * est[i].NoveltyInflation, est[i].EnergyStd, 9);
            for (int a = 0; a < plain.AtomUncertainty.Length; a++)
                Assert.True(est[i].AtomUncertainty[a] >= plain.AtomUncertainty[a]);
        }

        // stored and read back; a file without the term (older calibrations) reads as no inflation
        var image = PotentialFile.ToSafeTensors(model, model.Parameters.Items.Select(p => p.Tensor.Span.ToArray()).ToList());
        var back = UncertaintyModel.FromSafeTensors(SafeTensorsFile.Parse(unc.AddTo(image).ToBytes(), "memory"))!;
        Assert.Equal(unc.Inflation!.ReferenceByElement, back.Inflation!.ReferenceByElement);
        Assert.Equal(est.Select(e => e.EnergyStd), novel.Select(s => back.Estimate(s).EnergyStd));
        var old = UncertaintyModel.FromSafeTensors(SafeTensorsFile.Parse(off.AddTo(image).ToBytes(), "memory"))!;
        Assert.Null(old.Inflation);
        Assert.All(novel, s => Assert.Equal(1.0, old.Estimate(s).NoveltyInflation));
    }
}
