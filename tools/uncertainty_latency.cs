#:project ../src/CatPot/CatPot.csproj
#:property PublishAot=false
// Latency of the calibrated uncertainty in the simulation path: the same structure through PotentialCalculator
// (energy + conservative forces) with and without the stored UncertaintyModel, interleaved, median of rounds.
//   dotnet run tools/uncertainty_latency.cs -c Release -- MODEL STRUCTURES [ATOMS=21] [CALLS=200]
using System.Diagnostics;
using CatPot.IO;
using CatPot.Models;
using CatPot.Simulation;
using CatPot.Uncertainty;

string modelPath = args[0];
int atoms = args.Length > 2 ? int.Parse(args[2]) : 21, calls = args.Length > 3 ? int.Parse(args[3]) : 200;
var structure = StructureFiles.ReadAll(args[1]).First(s => s.AtomCount == atoms);
var unc = UncertaintyModel.FromSafeTensors(SafeTensorsFile.Read(modelPath)) ?? throw new InvalidOperationException("no stored uncertainty");
var plain = new PotentialCalculator<float>(PotentialFile.Load<float>(modelPath));
var withUnc = new PotentialCalculator<float>(PotentialFile.Load<float>(modelPath)) { Uncertainty = unc };
var r1 = new CalculationResult(atoms);
var r2 = new CalculationResult(atoms);
for (int i = 0; i < 20; i++) { plain.Calculate(structure, r1); withUnc.Calculate(structure, r2); }
var tPlain = new List<double>();
var tUnc = new List<double>();
long bytesPlain = 0, bytesUnc = 0;
for (int round = 0; round < 10; round++)
{
    long b0 = GC.GetAllocatedBytesForCurrentThread();
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < calls / 10; i++) plain.Calculate(structure, r1);
    tPlain.Add(sw.Elapsed.TotalMilliseconds / (calls / 10));
    long b1 = GC.GetAllocatedBytesForCurrentThread();
    sw.Restart();
    for (int i = 0; i < calls / 10; i++) withUnc.Calculate(structure, r2);
    tUnc.Add(sw.Elapsed.TotalMilliseconds / (calls / 10));
    long b2 = GC.GetAllocatedBytesForCurrentThread();
    bytesPlain += b1 - b0; bytesUnc += b2 - b1;
}
double Median(List<double> x) { x.Sort(); return (x[4] + x[5]) / 2; }
double mp = Median(tPlain), mu = Median(tUnc);
Console.WriteLine($"{atoms} atoms, {calls} calls each, interleaved rounds: plain {mp:F3} ms/call, with uncertainty {mu:F3} ms/call, overhead {(mu / mp - 1) * 100:F1} %");
Console.WriteLine($"allocated per call: plain {bytesPlain / calls} B, with uncertainty {bytesUnc / calls} B");
Console.WriteLine($"energy_std {r2.EnergyStd:G4} eV (histogram std {r1.EnergyStd:G4} eV), max atom_uncertainty {r2.AtomUncertainty!.Max():G4} eV/atom");
