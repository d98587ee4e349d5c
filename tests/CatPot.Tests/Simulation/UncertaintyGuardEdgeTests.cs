using CatPot.Simulation;
using Xunit;

namespace CatPot.Tests.Simulation;

public class UncertaintyGuardEdgeTests
{
    [Fact]
    public void Mass_at_the_support_edges_is_outside_the_trust_region_even_when_std_and_entropy_are_small()
    {
        var guard = new UncertaintyGuard(MaxEnergyStd: 0.5, MaxEntropy: null, FlagOnly: false, MaxEdgeMass: 0.2);
        var confidentInside = new CalculationResult(3) { EnergyStd = 0.01, Entropy = 0.1, SupportEdgeMass = 0.0 };
        var confidentAtEdge = new CalculationResult(3) { EnergyStd = 1e-7, Entropy = 1e-9, SupportEdgeMass = 0.999 };
        Assert.False(guard.IsOutside(confidentInside));
        Assert.True(guard.IsOutside(confidentAtEdge));
        Assert.Contains("support edges", guard.Reason(confidentAtEdge));
        Assert.False(new UncertaintyGuard(0.5, null).IsOutside(confidentAtEdge)); // std alone misses it
    }

    [Fact]
    public void An_edge_limit_without_a_histogram_is_refused()
    {
        var guard = new UncertaintyGuard(null, null, false, 0.2);
        Assert.Throws<ArgumentException>(() => guard.EnsureCheckable(new CalculationResult(3)));
    }
}
