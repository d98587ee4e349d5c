using System.Text.Json;
using CatPot.Chemistry;
using CatPot.Data;
using Xunit;

namespace CatPot.Tests.Data;

public class DatasetStatisticsTests
{
    private static List<Structure> LoadFixtureFrames()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(StatsFixture.Path("frames.json")));
        var list = new List<Structure>();
        foreach (var f in doc.RootElement.GetProperty("frames").EnumerateArray())
        {
            int[] z = f.GetProperty("numbers").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            double[] forces = f.GetProperty("forces").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            list.Add(new Structure(z, new double[3 * z.Length]) { Energy = f.GetProperty("energy").GetDouble(), Forces = forces });
        }
        return list;
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");

    [Fact]
    public void Statistics_MatchNumpyOnXtb4Frames()
    {
        var frames = LoadFixtureFrames();
        var stats = DatasetStatistics.Compute(frames);
        using var expected = JsonDocument.Parse(File.ReadAllText(StatsFixture.Path("stats-numpy.json")));
        var root = expected.RootElement;

        int[] elements = root.GetProperty("elements").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        double[] refs = root.GetProperty("references").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.Equal(27, elements.Length); // the fixture covers 27 elements, enough to exercise the fit
        for (int c = 0; c < elements.Length; c++)
            AssertRelative(refs[c], stats.ReferenceEnergies[elements[c]], 1e-6, $"ref[{Elements.Symbol(elements[c])}]");
        for (int z = 0; z < DatasetStatistics.ElementSlots; z++)
        {
            if (!elements.Contains(z)) Assert.Equal(0.0, stats.ReferenceEnergies[z]);
        }

        AssertRelative(root.GetProperty("mu").GetDouble(), stats.Mu, 1e-9, "mu");
        AssertRelative(root.GetProperty("sd").GetDouble(), stats.Sd, 1e-9, "sd");
        AssertRelative(root.GetProperty("y_min").GetDouble(), stats.YMin, 1e-9, "y_min");
        AssertRelative(root.GetProperty("y_max").GetDouble(), stats.YMax, 1e-9, "y_max");
        AssertRelative(root.GetProperty("force_rms").GetDouble(), stats.ForceRms, 1e-9, "force_rms");
        Assert.Equal(root.GetProperty("structures").GetInt32(), stats.EnergyCount);
        Assert.Equal(root.GetProperty("atoms").GetInt64(), stats.AtomCount);
        Assert.Equal(root.GetProperty("force_components").GetInt64(), stats.ForceComponentCount);
        Assert.Equal(stats.AtomCount, stats.ElementCounts.Sum());
    }

    [Fact]
    public void RankDeficientFit_GivesTheMinimumNormSolution()
    {
        // Element 9 always comes with exactly two of element 8, so only ref[8] + ... combinations along
        // (1, 2) directions are determined; the minimum-norm solution has no component along the null vector.
        var rng = new Random(4);
        var data = new List<Structure>();
        double trueH = -13.1, trueO = -430.0, trueF = -650.0, trueC = -100.0;
        for (int s = 0; s < 50; s++)
        {
            int h = rng.Next(0, 6), c = rng.Next(1, 4), k = rng.Next(1, 3);
            var z = Enumerable.Repeat(1, h).Concat(Enumerable.Repeat(6, c)).Concat(Enumerable.Repeat(9, k)).Concat(Enumerable.Repeat(8, 2 * k)).ToArray();
            double e = h * trueH + c * trueC + k * trueF + 2 * k * trueO + 0.01 * (rng.NextDouble() - 0.5);
            data.Add(new Structure(z, new double[3 * z.Length]) { Energy = e });
        }
        var stats = DatasetStatistics.Compute(data);
        double o = stats.ReferenceEnergies[8], f = stats.ReferenceEnergies[9];
        // Null vector of the count matrix in the (O, F) plane is (1, -2)/√5: the solution is orthogonal to it...
        Assert.True(Math.Abs(o - 2 * f) < 1e-6 * Math.Abs(f), $"ref O = {o}, ref F = {f}: not minimum norm");
        // ...and fits the determined combination F + 2·O.
        Assert.True(Math.Abs(f + 2 * o - (trueF + 2 * trueO)) < 0.05);
        Assert.True(Math.Abs(stats.ReferenceEnergies[1] - trueH) < 0.05);
        Assert.Equal(0.0, stats.ForceRms);
    }

    [Fact]
    public void ExactlyLinearEnergies_HaveZeroSpread_AndStructuresWithoutEnergyAreIgnoredByTheFit()
    {
        var rng = new Random(8);
        var data = new List<Structure>();
        for (int s = 0; s < 30; s++)
        {
            int h = rng.Next(1, 8), c = rng.Next(0, 5), n = rng.Next(0, 3);
            var z = Enumerable.Repeat(1, h).Concat(Enumerable.Repeat(6, c)).Concat(Enumerable.Repeat(7, n)).ToArray();
            data.Add(new Structure(z, new double[3 * z.Length]) { Energy = -13.5 * h - 1030.25 * c - 1486.0 * n });
        }
        data.Add(new Structure([26], new double[3]) { Forces = [3, 4, 0] }); // iron, no energy
        var stats = DatasetStatistics.Compute(data);
        Assert.Equal(-13.5, stats.ReferenceEnergies[1], 8);
        Assert.Equal(-1030.25, stats.ReferenceEnergies[6], 8);
        Assert.Equal(-1486.0, stats.ReferenceEnergies[7], 8);
        Assert.Equal(0.0, stats.ReferenceEnergies[26]);
        Assert.Equal(1, stats.ElementCounts[26]);
        Assert.True(stats.Sd < 1e-9);
        Assert.Equal(Math.Sqrt(25.0 / 3), stats.ForceRms, 12);
        Assert.Equal(30, stats.EnergyCount);
        Assert.Equal(31, stats.StructureCount);
    }

    [Fact]
    public void Charge_and_spin_terms_are_fitted_beside_the_element_references_and_are_zero_for_neutral_singlets()
    {
        var rng = new Random(5);
        var data = new List<Structure>();
        for (int s = 0; s < 40; s++)
        {
            int h = rng.Next(1, 8), c = rng.Next(1, 5), q = rng.Next(-2, 3), spin = rng.Next(1, 4);
            var z = Enumerable.Repeat(1, h).Concat(Enumerable.Repeat(6, c)).ToArray();
            double e = (-13.5 * h) - (1030.25 * c) + (7.9 * q) + (1.8 * q * q) - (0.5 * (spin - 1));
            data.Add(new Structure(z, new double[3 * z.Length], q, spin) { Energy = e });
        }
        var stats = DatasetStatistics.Compute(data);
        Assert.Equal(-13.5, stats.ReferenceEnergies[1], 8);
        Assert.Equal(-1030.25, stats.ReferenceEnergies[6], 8);
        Assert.Equal([7.9, 1.8, -0.5], stats.ChargeTerms.Select(t => Math.Round(t, 8)));
        Assert.True(stats.Sd < 1e-9);
        Assert.Equal(data[3].Energy!.Value, stats.ReferenceEnergy(data[3]), 8);

        var neutral = data.Select(s => new Structure(s.Numbers, s.Positions) { Energy = s.Energy }).ToList();
        Assert.Equal([0.0, 0.0, 0.0], DatasetStatistics.Compute(neutral).ChargeTerms);
        Assert.Equal(stats.ChargeTerms, DatasetStatistics.FromJson(stats.ToJson()).ChargeTerms);
    }

    [Fact]
    public void Json_RoundTrips()
    {
        var stats = DatasetStatistics.Compute(LoadFixtureFrames());
        string json = stats.ToJson();
        Assert.Contains("\"force_rms\"", json, StringComparison.Ordinal);
        var back = DatasetStatistics.FromJson(json);
        Assert.Equal(stats.ReferenceEnergies, back.ReferenceEnergies);
        Assert.Equal(stats.ElementCounts, back.ElementCounts);
        Assert.Equal(stats.Mu, back.Mu);
        Assert.Equal(stats.Sd, back.Sd);
        Assert.Equal(stats.ForceRms, back.ForceRms);
        Assert.Equal(stats.YMin, back.YMin);
        Assert.Equal(stats.AtomCount, back.AtomCount);
        Assert.Throws<JsonException>(() => DatasetStatistics.FromJson("{\"reference_energies\":[1,2]}"));
    }

    [Fact]
    public void NoEnergies_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => DatasetStatistics.Compute([new Structure([1], new double[3])]));
        Assert.Contains("energy", ex.Message, StringComparison.Ordinal);
    }
}
