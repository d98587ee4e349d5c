using System.IO.Compression;
using CatPot.Chemistry;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.IO;

public class ExtXyzReaderTests
{
    [Theory]
    [InlineData("ase_types.extxyz")]
    [InlineData("ase_types.extxyz.gz")]
    [InlineData("mace_keys.extxyz")]
    [InlineData("xtb4_train_head.extxyz")]
    public void Reads_the_same_numbers_as_ASE(string name)
    {
        var frames = ExtXyzReader.ReadAll(ExtXyzFixtures.PathOf(name));
        string json = ExtXyzFixtures.PathOf(name.Replace(".gz", "", StringComparison.Ordinal) + ".ase.json");
        ExtXyzFixtures.AssertMatchesAse(frames, json);
    }

    [Fact]
    public void Plain_xyz_geometry_matches_ASE()
    {
        var s = Assert.Single(ExtXyzReader.ReadAll(ExtXyzFixtures.PathOf("plain.xyz")));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(ExtXyzFixtures.PathOf("plain.xyz.ase.json")));
        var a = doc.RootElement.GetProperty("frames")[0];
        Assert.Equal(ExtXyzFixtures.Flatten(a.GetProperty("positions")), s.Positions);
        Assert.Equal(new[] { 6, 8, 8 }, s.Numbers);
        Assert.Null(s.Energy);
        Assert.Null(s.Forces);
        Assert.Equal(new[] { false, false, false }, s.Pbc);
        Assert.Equal("carbon dioxide, plain XYZ", s.Info["comment"]); // ASE would split free text into bare keys
    }

    [Fact]
    public void Mace_keys_fill_labels_and_configured_keys_override_the_defaults()
    {
        var frames = ExtXyzReader.ReadAll(ExtXyzFixtures.PathOf("mace_keys.extxyz"));
        Assert.Equal(-1017.25, frames[1].Energy);
        Assert.Equal(1, frames[1].Charge);
        Assert.Equal(2, frames[1].Spin);
        Assert.NotNull(frames[1].Forces);
        Assert.False(frames[1].Info.ContainsKey("REF_energy"));

        var onlyAse = new ExtXyzReaderOptions { Keys = new ExtXyzKeys { Energy = ["energy"], Forces = ["forces"], Charge = ["charge"], Spin = ["spin"] } };
        var raw = ExtXyzReader.ReadAll(ExtXyzFixtures.PathOf("mace_keys.extxyz"), onlyAse);
        Assert.Null(raw[1].Energy);
        Assert.Null(raw[1].Forces);
        Assert.Equal(-1017.25, raw[1].Info["REF_energy"]);
        Assert.Equal(3, raw[1].PerAtom["REF_forces"].Width);
    }

    [Fact]
    public void Lattice_gives_the_cell_vectors_in_order_and_pbc_defaults_to_periodic()
    {
        var s = Assert.Single(ExtXyzFixtures.ReadText("1\nLattice=\"1 2 3 4 5 6 7 8 9.5\"\nH 0 0 0\n"));
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9.5 }, s.Cell);
        Assert.Equal(new[] { true, true, true }, s.Pbc);
        var t = Assert.Single(ExtXyzFixtures.ReadText("1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T F T\"\nH 0 0 0\n"));
        Assert.Equal(new[] { true, false, true }, t.Pbc);
    }

    [Fact]
    public void Crlf_lowercase_symbols_missing_final_newline_and_blank_lines_between_frames_are_accepted()
    {
        string text = "2\r\nenergy=-1.5\r\ncl 0 0 0\r\nNA 0 0 2.5\r\n\r\n1\r\n\r\nh 1 1 1";
        var frames = ExtXyzFixtures.ReadText(text);
        Assert.Equal(2, frames.Count);
        Assert.Equal(new[] { 17, 11 }, frames[0].Numbers);
        Assert.Equal(-1.5, frames[0].Energy);
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, frames[1].Positions);
        Assert.Empty(frames[1].Info);
    }

    [Fact]
    public void Single_and_isolated_atoms_are_valid()
    {
        var frames = ExtXyzFixtures.ReadText("1\ncharge=1 spin=1\nNa 0 0 0\n2\n\nH 0 0 0\nH 0 0 500\n");
        Assert.Equal(1, frames[0].AtomCount);
        Assert.Equal(1, frames[0].Charge);
        Assert.Equal(2, frames[1].AtomCount);
    }

    [Fact]
    public void Z_column_and_typed_extra_columns_are_read()
    {
        var s = Assert.Single(ExtXyzFixtures.ReadText(
            "2\nProperties=Z:I:1:pos:R:3:q:R:1:tag:I:2:mask:L:1:label:S:1 total_charge=-1.0 total_spin=3\n" +
            "8 0 0 0 -0.5 1 2 T a\n1 0 0 1 0.25 3 4 F b\n"));
        Assert.Equal(new[] { 8, 1 }, s.Numbers);
        Assert.Equal(-1, s.Charge);
        Assert.Equal(3, s.Spin);
        Assert.Equal(new[] { -0.5, 0.25 }, s.PerAtom["q"].Values);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, s.PerAtom["tag"].Values);
        Assert.Equal(2, s.PerAtom["tag"].Width);
        Assert.Equal(new[] { true, false }, s.PerAtom["mask"].Values);
        Assert.Equal(new[] { "a", "b" }, s.PerAtom["label"].Values);
    }

    [Fact]
    public void Gzip_is_detected_from_the_content_not_the_name()
    {
        string path = Path.Combine(Path.GetTempPath(), $"catpot-gz-{Guid.NewGuid():N}.extxyz");
        try
        {
            using (var file = File.Create(path))
            using (var gz = new GZipStream(file, CompressionLevel.Fastest))
            using (var w = new StreamWriter(gz))
                w.Write("1\nenergy=-3.25\nHe 0 0 0\n");
            var s = Assert.Single(ExtXyzReader.ReadAll(path));
            Assert.Equal(2, s.Numbers[0]);
            Assert.Equal(-3.25, s.Energy);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reads_frame_by_frame_and_counts_frames()
    {
        using var reader = new ExtXyzReader(ExtXyzFixtures.PathOf("xtb4_train_head.extxyz"));
        Assert.True(reader.TryRead(out var first));
        Assert.Equal(1, reader.FramesRead);
        Assert.Equal("biomolecules", first.Domain);
        int n = 1;
        while (reader.TryRead(out _)) n++;
        Assert.Equal(20, n);
        Assert.False(reader.TryRead(out _));
        Assert.Equal(20, ExtXyzReader.ReadFrames(ExtXyzFixtures.PathOf("xtb4_train_head.extxyz")).Count());
    }

    [Fact]
    public void Long_lines_beyond_the_read_buffer_are_read_whole()
    {
        // A comment line far longer than the 128 K character buffer.
        string big = new('x', 300_000);
        var s = Assert.Single(ExtXyzFixtures.ReadText($"1\nblob={big} e=1\nH 0 0 0\n"));
        Assert.Equal(big, s.Info["blob"]);
        Assert.Equal(1L, s.Info["e"]);
    }
}
