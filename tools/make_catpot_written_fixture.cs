#:project ../src/CatPot/CatPot.csproj
#:property PublishAot=false
// Writes tests/CatPot.Tests/Fixtures/extxyz/catpot_written.extxyz: the frames of ase_types.extxyz as CatPot
// reads them, plus predicted keys a model would add, written by CatPot's ExtXyzWriter. Then run
//   /usr/bin/python3 tools/check_ase_roundtrip.py <that file> <that file>.ase.json
// to record ASE's reading of it. ExtXyzWriterTests repeats the same steps and checks the bytes are identical.
// Usage (repository root): dotnet run tools/make_catpot_written_fixture.cs
using CatPot.Chemistry;
using CatPot.IO;

const string Dir = "tests/CatPot.Tests/Fixtures/extxyz";
var frames = ExtXyzReader.ReadAll(Path.Combine(Dir, "ase_types.extxyz"));
for (int i = 0; i < frames.Count; i++) AddPredictions(frames[i], i);
ExtXyzWriter.WriteFile(Path.Combine(Dir, "catpot_written.extxyz"), frames);
Console.WriteLine($"wrote {frames.Count} frames");

// Keep in step with ExtXyzWriterTests.AddPredictions.
static void AddPredictions(Structure s, int i)
{
    s.Info["energy_std"] = 0.001 * (i + 1) + 1.0 / 3.0;
    s.Info["energy_entropy"] = Math.Log(2.0) * (i + 1);
    s.Info["note"] = "predicted by \"CatPot\" {v1} a=b";
    s.Info["n_models"] = 4L;
    var fc = new double[s.Forces!.Length];
    for (int k = 0; k < fc.Length; k++) fc[k] = s.Forces[k] / 3.0 + 1e-300;
    s.PerAtom["forces_conservative"] = new PerAtomColumn(fc, 3);
}
