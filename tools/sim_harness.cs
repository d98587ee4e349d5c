#:project ../src/CatPot.Cli/CatPot.Cli.csproj
#:property PublishAot=false
// `catpot` (every command, through CatPot.Cli.Program, so exit codes are the CLI's), plus `evaluate`, which prints
// CatPot's in-process energies and forces for every frame of an extxyz file as JSON (used by tools/ipi_ase_e2e.py).
// Usage: dotnet run tools/sim_harness.cs -- serve|md|opt ARGS...
//        dotnet run tools/sim_harness.cs -- evaluate --random-model SEED IN.extxyz OUT.json [direct]
using System.CommandLine;
using System.Text.Json;
using CatPot.Cli.Commands;
using CatPot.IO;
using CatPot.Simulation;

if (args.Length > 0 && args[0] == "evaluate")
{
    if (args.Length < 5 || args[1] != "--random-model")
    {
        Console.Error.WriteLine("usage: evaluate --random-model SEED IN.extxyz OUT.json [direct]");
        return 1;
    }
    var model = SimulationInputs.RandomModel(ulong.Parse(args[2]));
    var calc = new PotentialCalculator<float>(model, args.Length > 5 && args[5] == "direct" ? ForceSource.Direct : ForceSource.Conservative);
    var rows = new List<Dictionary<string, object>>();
    foreach (var s in ExtXyzReader.ReadFrames(args[3]))
    {
        var r = new CalculationResult(s.AtomCount);
        calc.Calculate(s, r);
        rows.Add(new() { [PredictionKeys.Energy] = r.Energy, [PredictionKeys.Forces] = r.Forces, [PredictionKeys.EnergyStd] = r.EnergyStd, [PredictionKeys.EnergyEntropy] = r.Entropy });
    }
    File.WriteAllText(args[4], JsonSerializer.Serialize(rows));
    return 0;
}

return CatPot.Cli.Program.Main(args);
