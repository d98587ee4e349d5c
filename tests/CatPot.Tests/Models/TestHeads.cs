using CatPot.Models;
using CatPot.Models.Heads;
using Xunit;

namespace CatPot.Tests.Models;

/// <summary>Small configurations of every head in <see cref="EnergyHeads"/> for tests (16 bins where a head has bins).</summary>
internal static class TestHeads
{
    /// <summary>Every head name of the table, as theory data.</summary>
    public static TheoryData<string> Names => [.. EnergyHeads.Names];

    /// <summary>A small configuration of head <paramref name="name"/>, fitted to targets spread over [−1.5, 1.5] where the head needs a support.</summary>
    public static EnergyHeadConfig Of(string name, int bins = 16, PotentialStatistics? statistics = null)
    {
        EnergyHeadConfig head = name switch
        {
            HLGaussHeadConfig.HeadName => new HLGaussHeadConfig { Bins = bins },
            CategoricalHeadConfig.HeadName => new CategoricalHeadConfig { SigmaMeV = 40, MaxBins = bins, Temperature = 1.5 },
            ResidualCategoricalHeadConfig.HeadName => new ResidualCategoricalHeadConfig { SigmaMeV = 40, HalfRangeMeV = 400, MaxBins = bins, CrossEntropyWeight = 0.5 },
            _ => EnergyHeads.Default(name),
        };
        var targets = Enumerable.Range(0, 41).Select(i => -1.5 + (0.075 * i) + (0.3 * Math.Sin(i))).ToArray();
        return head.Fit(targets, statistics ?? new PotentialStatistics { Sd = 0.1 });
    }
}
