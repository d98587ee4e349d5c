using System.Text;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.IO;

public class ExtXyzWriterTests
{
    // Keep in step with tools/make_catpot_written_fixture.cs.
    private static void AddPredictions(Structure s, int i)
    {
        s.Info["energy_std"] = 0.001 * (i + 1) + 1.0 / 3.0;
        s.Info["energy_entropy"] = Math.Log(2.0) * (i + 1);
        s.Info["note"] = "predicted by \"CatPot\" {v1} a=b";
        s.Info["n_models"] = 4L;
        var fc = new double[s.Forces!.Length];
        for (int k = 0; k < fc.Length; k++) fc[k] = s.Forces[k] / 3.0 + 1e-300;
        s.PerAtom["forces_conservative"] = new PerAtomColumn(fc, 3);
    }

    private static List<Structure> PredictedFrames()
    {
        var frames = ExtXyzReader.ReadAll(ExtXyzFixtures.PathOf("ase_types.extxyz"));
        for (int i = 0; i < frames.Count; i++) AddPredictions(frames[i], i);
        return frames;
    }

    private static string WriteToString(IEnumerable<Structure> frames, ExtXyzWriterOptions? options = null)
    {
        using var sw = new StringWriter { NewLine = "\n" };
        using (var w = new ExtXyzWriter(sw, options, leaveOpen: true))
            foreach (var s in frames) w.Write(s);
        return sw.ToString();
    }

    [Fact]
    public void Writing_the_predicted_frames_reproduces_the_committed_fixture_byte_for_byte()
    {
        byte[] committed = File.ReadAllBytes(ExtXyzFixtures.PathOf("catpot_written.extxyz"));
        byte[] now = Encoding.UTF8.GetBytes(WriteToString(PredictedFrames()));
        Assert.Equal(committed, now);
    }

    [Fact]
    public void ASE_reads_the_CatPot_written_file_with_the_same_numbers()
    {
        // catpot_written.extxyz.ase.json is ASE 3.22's reading of the committed file (tools/check_ase_roundtrip.py).
        var frames = PredictedFrames();
        ExtXyzFixtures.AssertMatchesAse(frames, ExtXyzFixtures.PathOf("catpot_written.extxyz.ase.json"));
        using var doc = JsonDocument.Parse(File.ReadAllText(ExtXyzFixtures.PathOf("catpot_written.extxyz.ase.json")));
        var calc = doc.RootElement.GetProperty("frames")[0].GetProperty("calc");
        Assert.Equal(frames[0].Energy, calc.GetProperty("energy").GetDouble());
        Assert.Equal(frames[0].Forces, ExtXyzFixtures.Flatten(calc.GetProperty("forces")));
    }

    [Fact]
    public void CatPot_reads_back_exactly_what_it_wrote()
    {
        var frames = PredictedFrames();
        var back = ExtXyzFixtures.ReadText(WriteToString(frames), "roundtrip.extxyz");
        Assert.Equal(frames.Count, back.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(frames[i].Numbers, back[i].Numbers);
            Assert.Equal(frames[i].Positions, back[i].Positions);
            Assert.Equal(frames[i].Forces, back[i].Forces);
            Assert.Equal(frames[i].Energy, back[i].Energy);
            Assert.Equal(frames[i].Charge, back[i].Charge);
            Assert.Equal(frames[i].Spin, back[i].Spin);
            Assert.Equal(frames[i].Cell, back[i].Cell);
            Assert.Equal(frames[i].Pbc, back[i].Pbc);
            Assert.Equal(frames[i].Info.Keys, back[i].Info.Keys);
            foreach (var (k, v) in frames[i].Info) Assert.Equal(v, back[i].Info[k]);
            Assert.Equal(frames[i].PerAtom.Keys, back[i].PerAtom.Keys);
            foreach (var (k, v) in frames[i].PerAtom) Assert.Equal(v.Values, back[i].PerAtom[k].Values);
        }
    }

    [Fact]
    public void Awkward_doubles_round_trip_exactly()
    {
        double[] values = [0.1 + 0.2, -0.0, 5e-324, double.MaxValue, 1.0, -123456789.123456789, Math.PI];
        var s = new Structure([1, 1, 1, 1, 1, 1, 1], values.SelectMany((v, i) => new[] { v, 10.0 * i, 0.0 }).ToArray());
        var back = Assert.Single(ExtXyzFixtures.ReadText(ExtXyzWriter.ToText(s)));
        Assert.Equal(s.Positions, back.Positions);
        Assert.True(double.IsNegative(back.Positions[3]));
    }

    [Fact]
    public void Mace_names_are_written_when_asked_for()
    {
        var s = new Structure([8], [0, 0, 0], charge: -1, spin: 2) { Energy = -5.0, Forces = [1, 2, 3] };
        string text = ExtXyzWriter.ToText(s, ExtXyzWriterOptions.Mace);
        Assert.Contains("Properties=species:S:1:pos:R:3:REF_forces:R:3 REF_energy=-5.0 total_charge=-1 total_spin=2", text, StringComparison.Ordinal);
        var back = Assert.Single(ExtXyzFixtures.ReadText(text));
        Assert.Equal(s.Forces, back.Forces);
        Assert.Equal(2, back.Spin);
    }

    [Fact]
    public void Info_keys_that_collide_with_labels_are_rejected()
    {
        var s = new Structure([1], [0, 0, 0]);
        s.Info["energy"] = 1.0;
        Assert.Throws<ArgumentException>(() => ExtXyzWriter.ToText(s));
    }

    [Fact]
    public void Atomic_write_replaces_the_target_only_on_commit()
    {
        string dir = Directory.CreateTempSubdirectory("catpot-writer-").FullName;
        try
        {
            string target = Path.Combine(dir, "out.extxyz");
            File.WriteAllText(target, "original");
            var s = new Structure([2], [0, 0, 0]) { Energy = -1.0 };
            using (var w = ExtXyzWriter.CreateAtomic(target))
            {
                w.Write(s);
                // Abandoned without Commit (as if the process failed half-way).
            }
            Assert.Equal("original", File.ReadAllText(target));
            Assert.Single(Directory.GetFiles(dir));

            ExtXyzWriter.WriteFile(target, [s, s]);
            Assert.Equal(2, ExtXyzReader.ReadAll(target).Count);
            Assert.Single(Directory.GetFiles(dir));

            string gz = Path.Combine(dir, "out.extxyz.gz");
            ExtXyzWriter.WriteFile(gz, [s]);
            Assert.Equal(new byte[] { 0x1f, 0x8b }, File.ReadAllBytes(gz).Take(2));
            Assert.Equal(-1.0, Assert.Single(ExtXyzReader.ReadAll(gz)).Energy);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
