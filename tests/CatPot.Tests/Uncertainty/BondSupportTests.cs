using CatPot.Chemistry;
using CatPot.Models;
using CatPot.Uncertainty;
using Xunit;

namespace CatPot.Tests.Uncertainty;

/// <summary>
/// The geometric out-of-domain term: per-element nearest-neighbour ranges from training and calibration atoms,
/// factor 1 inside, 1 + e/w outside; a stretched bond raises energy_std; stored with the model.
/// </summary>
public sealed class BondSupportTests
{
    [Fact]
    public void Ranges_and_factors()
    {
        var b = BondSupport.Fit([([1, 1, 8], [1.0, 1.2, 1.4]), ([1, 6], [0.9, 1.5])]);
        Assert.Equal((0.9, 1.2), b.Range[1]);
        Assert.Equal((1.4, 1.4), b.Range[8]);
        Assert.Equal(1.0, b.AtomFactor(1, 1.1));
        Assert.Equal(1.0 + (0.6 / 0.3), b.AtomFactor(1, 1.8), 12);   // stretched 0.6 Å beyond, width 0.3 Å
        Assert.Equal(1.0 + (0.3 / 0.3), b.AtomFactor(1, 0.6), 12);   // squeezed
        Assert.Equal(1.0 + (0.1 / BondSupport.MinimumWidth), b.AtomFactor(8, 1.5), 12);
        Assert.Equal(1.0, b.AtomFactor(26, 9.0)); // no range for an element never seen
        Assert.Equal(3.0, b.StructureFactor([1, 8, 6], [1.8, 1.4, 1.5]), 12);
        var wider = b.Including([([1], [2.1])]);
        Assert.Equal((0.9, 2.1), wider.Range[1]);
        Assert.Equal((1.5, 1.5), wider.Range[6]);

        // nearest neighbour from edges (receivers numbered from an offset; an atom without an edge sits at the cutoff)
        double[] d = [2.0, 1.5, 1.5, 3.0];
        var nn = BondSupport.NearestNeighbour(3, 10, [10, 10, 11, 11], d, 5.0);
        Assert.Equal([1.5, 1.5, 5.0], nn);
    }

    [Fact]
    public void A_stretched_bond_raises_energy_std_and_the_term_round_trips()
    {
        var config = new PotentialConfig { Features = 8, Layers = 2, RadialBasis = 6, Cutoff = 4.0, Head = CatPot.Tests.Models.TestHeads.Of("hlgauss") };
        var refs = new double[119];
        refs[1] = -0.5;
        refs[8] = -2.0;
        var model = new Potential<float>(config, new PotentialStatistics { ElementReferences = refs, Sd = 0.5, Lo = -3, Hi = 3, ForceRms = 1 });
        model.InitializeParameters(5);
        // water-like molecules with O–H between 0.9 and 1.1 Å
        List<Structure> Waters(int count, int seed, double? stretch = null)
        {
            var rng = new Random(seed);
            var list = new List<Structure>();
            for (int s = 0; s < count; s++)
            {
                double r1 = stretch ?? 0.9 + (0.2 * rng.NextDouble()), r2 = 0.9 + (0.2 * rng.NextDouble());
                var st = new Structure([8, 1, 1], [0, 0, 0, r1, 0, 0, -0.3 * r2, 0.95 * r2, 0]) { Energy = -3.0 + (0.1 * rng.NextDouble()) };
                st.Info["parent"] = $"p{s / 3}";
                list.Add(st);
            }
            return list;
        }
        var unc = UncertaintyCalibrator.Fit(model, Waters(40, 1), Waters(30, 2), new CalibrationOptions { Folds = 3 });
        Assert.NotNull(unc.Bonds);
        var inside = SignalExtractor.Extract(model, Waters(5, 3)).Select(unc.Estimate).ToArray();
        Assert.All(inside, e => Assert.Equal(1.0, e.BondFactor));
        var stretched = SignalExtractor.Extract(model, Waters(1, 3, stretch: 2.5))[0];
        var est = unc.Estimate(stretched);
        Assert.True(est.BondFactor > 2, $"bond factor {est.BondFactor}");
        Assert.True(est.AtomUncertainty[1] > est.AtomUncertainty[2]); // the stretched H is flagged, the other H less so

        var image = PotentialFile.ToSafeTensors(model, model.Parameters.Items.Select(p => p.Tensor.Span.ToArray()).ToList());
        var back = UncertaintyModel.FromSafeTensors(SafeTensorsFile.Parse(unc.AddTo(image).ToBytes(), "memory"))!;
        Assert.Equal(unc.Bonds!.Range, back.Bonds!.Range);
        Assert.Equal(est.EnergyStd, back.Estimate(stretched).EnergyStd);
    }
}
