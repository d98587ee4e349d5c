using CatPot.Graphs;
using CatPot.Models;
using CatPot.Simulation;
using Xunit;

namespace CatPot.Tests.Simulation;

public class PotentialCalculatorTests
{
    [Theory]
    [InlineData(ForceSource.Conservative)]
    [InlineData(ForceSource.Direct)]
    public void Matches_the_model_run_on_a_fresh_batch(ForceSource source)
    {
        var mol = SimulationFixtures.Methanol();
        var reference = SimulationFixtures.Model<double>(3);
        var input = ModelInput<double>.FromBatch(GraphBatch.Create([mol], new NeighborListBuilder(reference.Config.Cutoff)));
        var expected = reference.Forward(input, directForces: true, conservativeForces: true);
        var expectedForces = (source == ForceSource.Direct ? expected.DirectForces! : expected.ConservativeForces!).Span;

        var calc = new PotentialCalculator<double>(SimulationFixtures.Model<double>(3), source);
        var result = new CalculationResult(mol.AtomCount);
        calc.Calculate(mol, result);

        Assert.Equal(expected.Energy[0], result.Energy, 12);
        Assert.Equal(expected.EnergyStd![0], result.EnergyStd, 12);
        Assert.Equal(expected.Entropy![0], result.Entropy, 12);
        Assert.True(result.EnergyStd > 0);
        for (int k = 0; k < result.Forces.Length; k++) Assert.Equal(expectedForces[k], result.Forces[k], 10);
    }

    [Fact]
    public void Reuses_the_model_input_while_the_edges_stay_the_same_and_follows_moves()
    {
        var mol = SimulationFixtures.Methanol();
        var calc = new PotentialCalculator<double>(SimulationFixtures.Model<double>(4));
        var first = new CalculationResult(mol.AtomCount);
        var second = new CalculationResult(mol.AtomCount);
        calc.Calculate(mol, first);
        mol.Positions[0] += 0.05;
        calc.Calculate(mol, second);
        Assert.Equal(1, calc.InputRebuilds);
        Assert.NotEqual(first.Energy, second.Energy);

        // The same geometry from a fresh calculator gives the same numbers, so the reused input saw the move.
        var fresh = new CalculationResult(mol.AtomCount);
        new PotentialCalculator<double>(SimulationFixtures.Model<double>(4)).Calculate(mol, fresh);
        Assert.Equal(fresh.Energy, second.Energy, 12);
        Assert.Equal(fresh.Forces, second.Forces);

        // Pull one hydrogen out of range of everything: the edge set changes and the input is rebuilt.
        mol.Positions[15] += 20;
        calc.Calculate(mol, second);
        Assert.Equal(2, calc.InputRebuilds);
    }

    [Fact]
    public void Repeated_calls_reuse_tensor_storage_and_give_identical_results()
    {
        var config = SimulationFixtures.SmallConfig with { Features = 64, RadialBasis = 16, Cutoff = 5.0 };
        var calc = new PotentialCalculator<float>(SimulationFixtures.Model<float>(6, config));
        var mol = SimulationFixtures.Cloud(30, 2);
        var first = new CalculationResult(mol.AtomCount);
        long before = GC.GetAllocatedBytesForCurrentThread();
        calc.Calculate(mol, first);
        long firstCall = GC.GetAllocatedBytesForCurrentThread() - before;
        var again = new CalculationResult(mol.AtomCount);
        for (int i = 0; i < 3; i++) calc.Calculate(mol, again);
        before = GC.GetAllocatedBytesForCurrentThread();
        const int calls = 10;
        for (int i = 0; i < calls; i++) calc.Calculate(mol, again);
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        // Tensor storage dominates a fresh call; once recycled, only the graph's small bookkeeping objects remain.
        Assert.True(perCall * 4 < firstCall, $"{perCall} bytes per warm call vs {firstCall} for the first");
        Assert.Equal(BitConverter.DoubleToInt64Bits(first.Energy), BitConverter.DoubleToInt64Bits(again.Energy));
        Assert.Equal(first.Forces, again.Forces);
        Assert.Equal(first.EnergyStd, again.EnergyStd);
    }

    [Fact]
    public void Conservative_forces_are_minus_the_energy_gradient()
    {
        var mol = SimulationFixtures.Methanol();
        var calc = new PotentialCalculator<double>(SimulationFixtures.Model<double>(5));
        var r = new CalculationResult(mol.AtomCount);
        calc.Calculate(mol, r);
        var forces = (double[])r.Forces.Clone();
        const double h = 1e-5;
        foreach (int k in new[] { 0, 4, 8, 13, 17 })
        {
            double x0 = mol.Positions[k];
            mol.Positions[k] = x0 + h; calc.Calculate(mol, r); double ep = r.Energy;
            mol.Positions[k] = x0 - h; calc.Calculate(mol, r); double em = r.Energy;
            mol.Positions[k] = x0;
            Assert.Equal(-(ep - em) / (2 * h), forces[k], 6);
        }
    }
}
