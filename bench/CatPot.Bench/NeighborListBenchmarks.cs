using BenchmarkDotNet.Attributes;
using CatPot.Graphs;

namespace CatPot.Bench;

/// <summary>
/// Neighbour-list build time at liquid-water atom density (0.1 atoms/Å³), cutoff 5 Å, on a jittered cubic
/// lattice (spacing 10^(1/3) Å, ±0.3 Å uniform jitter per component, so no two atoms overlap).
/// Run: <c>dotnet run -c Release --project bench/CatPot.Bench -- --filter '*NeighborList*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class NeighborListBenchmarks
{
    private double[] _positions = [];
    private NeighborListBuilder _builder = null!;
    private NeighborList _list = null!;

    /// <summary>Number of atoms.</summary>
    [Params(1_000, 10_000, 100_000)]
    public int Atoms { get; set; }

    /// <summary>Builds the positions and warms the list's buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _positions = WaterDensityPositions(Atoms, seed: 1);
        _builder = new NeighborListBuilder(5.0, NeighborListAlgorithm.CellList);
        _list = new NeighborList();
        _builder.Build(_positions, _list);
    }

    /// <summary>Rebuilds the list into existing buffers (the MD case).</summary>
    [Benchmark]
    public int CellListRebuild()
    {
        _builder.Build(_positions, _list);
        return _list.EdgeCount;
    }

    /// <summary>Jittered cubic lattice at 0.1 atoms/Å³.</summary>
    public static double[] WaterDensityPositions(int atoms, int seed)
    {
        const double spacing = 2.154434690031884; // (1 / 0.1)^(1/3) Å
        int side = (int)Math.Ceiling(Math.Cbrt(atoms));
        var rng = new SplitMix64((ulong)seed);
        var p = new double[3 * atoms];
        for (int i = 0; i < atoms; i++)
        {
            int[] cell = [i % side, i / side % side, i / (side * side)];
            for (int d = 0; d < 3; d++) p[3 * i + d] = cell[d] * spacing + (rng.NextDouble() - 0.5) * 0.6;
        }
        return p;
    }
}
