using CatPot.Simulation;
using Xunit;

namespace CatPot.Tests.Simulation;

public class FireOptimizerTests
{
    [Fact]
    public void Converges_on_a_Morse_cluster()
    {
        var cluster = SimulationFixtures.Cloud(7, 4, 1.5);
        var calc = new MorseCalculator();
        var start = new CalculationResult(cluster.AtomCount);
        calc.Calculate(cluster, start);
        var steps = new List<int>();
        var result = new FireOptimizer(calc, new FireSettings { MaxForce = 1e-3, MaxSteps = 3000 }).Run(cluster, (s, _) => steps.Add(s));

        Assert.True(result.Converged, $"fmax {result.MaxForce} after {result.Steps} steps");
        Assert.True(result.Energy < start.Energy - 0.1);
        var check = new CalculationResult(cluster.AtomCount);
        calc.Calculate(cluster, check);
        Assert.True(check.MaxForceNorm() <= 1e-3);
        Assert.Equal(check.Energy, result.Energy, 12);
        Assert.Equal(Enumerable.Range(0, result.Steps + 1), steps);
    }

    [Fact]
    public void Finds_the_Morse_dimer_bond_length()
    {
        var dimer = new CatPot.Chemistry.Structure([1, 1], [0, 0, 0, 2.0, 0.3, -0.1]);
        var result = new FireOptimizer(new MorseCalculator(equilibrium: 1.3), new FireSettings { MaxForce = 1e-6, MaxSteps = 5000 }).Run(dimer);
        Assert.True(result.Converged);
        var p = dimer.Positions;
        double r = Math.Sqrt((p[3] - p[0]) * (p[3] - p[0]) + (p[4] - p[1]) * (p[4] - p[1]) + (p[5] - p[2]) * (p[5] - p[2]));
        Assert.Equal(1.3, r, 5);
        Assert.Equal(-0.5, result.Energy, 9);
    }

    [Fact]
    public void Converges_with_the_model()
    {
        var mol = SimulationFixtures.Methanol();
        var calc = new PotentialCalculator<double>(SimulationFixtures.Model<double>(6));
        var start = new CalculationResult(mol.AtomCount);
        calc.Calculate(mol, start);
        // A threshold well below the starting forces, so the optimiser has real work to do.
        double fmax = start.MaxForceNorm() / 50;
        var result = new FireOptimizer(calc, new FireSettings { MaxForce = fmax, MaxSteps = 3000 }).Run(mol);

        Assert.True(result.Converged, $"fmax {result.MaxForce} after {result.Steps} steps (start {start.MaxForceNorm()})");
        Assert.True(result.Steps > 5);
        Assert.True(result.Energy < start.Energy, $"E {result.Energy} vs start {start.Energy}");
        var check = new CalculationResult(mol.AtomCount);
        calc.Calculate(mol, check);
        Assert.True(check.MaxForceNorm() <= fmax);
    }

    [Fact]
    public void Reports_failure_when_out_of_steps()
    {
        var cluster = SimulationFixtures.Cloud(7, 4, 1.5);
        var result = new FireOptimizer(new MorseCalculator(), new FireSettings { MaxForce = 1e-6, MaxSteps = 3 }).Run(cluster);
        Assert.False(result.Converged);
        Assert.Equal(3, result.Steps);
        Assert.True(result.MaxForce > 1e-6);
    }
}
