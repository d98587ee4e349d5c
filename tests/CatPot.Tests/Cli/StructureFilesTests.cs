using CatPot.Chemistry;
using CatPot.Data;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.Cli;

public class StructureFilesTests
{
    [Fact]
    public void Formats_are_recognised_by_extension_content_and_kind_of_path()
    {
        Assert.Equal(StructureFileFormat.ExtXyz, StructureFiles.DetectFormat(CliFixtures.ExtXyz("ase_types.extxyz")));
        Assert.Equal(StructureFileFormat.ExtXyz, StructureFiles.DetectFormat(CliFixtures.ExtXyz("ase_types.extxyz.gz")));
        Assert.Equal(StructureFileFormat.ExtXyz, StructureFiles.DetectFormat(CliFixtures.ExtXyz("plain.xyz")));
        Assert.Equal(StructureFileFormat.AseLmdb, StructureFiles.DetectFormat(CliFixtures.AseLmdb("small.aselmdb")));
        Assert.Equal(StructureFileFormat.AseLmdbDirectory, StructureFiles.DetectFormat(CliFixtures.AseLmdb("shards")));
        foreach (string name in StructureFiles.SampleNames)
            Assert.Equal(StructureFileFormat.Sample, StructureFiles.DetectFormat(StructureFiles.SamplePrefix + name));
    }

    [Fact]
    public void Content_decides_when_the_extension_is_unknown()
    {
        using var dir = new TempDirectory();
        string text = dir.File("frames.txt"), gz = dir.File("frames.bin"), lmdb = dir.File("rows.db");
        File.Copy(CliFixtures.ExtXyz("ase_types.extxyz"), text);
        File.Copy(CliFixtures.ExtXyz("ase_types.extxyz.gz"), gz);
        File.Copy(CliFixtures.AseLmdb("small.aselmdb"), lmdb);

        Assert.Equal(StructureFileFormat.ExtXyz, StructureFiles.DetectFormat(text));
        Assert.Equal(StructureFileFormat.ExtXyz, StructureFiles.DetectFormat(gz));
        Assert.Equal(StructureFileFormat.AseLmdb, StructureFiles.DetectFormat(lmdb));
        Assert.Equal(ExtXyzReader.ReadAll(CliFixtures.ExtXyz("ase_types.extxyz")).Count, StructureFiles.ReadAll(gz).Count);
        using var reader = new AseLmdbReader(CliFixtures.AseLmdb("small.aselmdb"));
        Assert.Equal(reader.Count, StructureFiles.ReadAll(lmdb).Count);
    }

    [Fact]
    public void Unknown_content_missing_paths_empty_directories_and_unknown_samples_name_the_path_and_accepted_formats()
    {
        using var dir = new TempDirectory();
        string unknown = dir.File("notes.md");
        File.WriteAllText(unknown, "# not structures\n");
        string empty = dir.File("empty.dat");
        File.WriteAllBytes(empty, []);
        string emptyDir = Directory.CreateDirectory(dir.File("no-shards")).FullName;

        foreach (string path in new[] { unknown, empty, emptyDir, dir.File("missing.extxyz"), "sample:everything" })
        {
            var e = Assert.Throws<StructurePathException>(() => StructureFiles.Read(path));
            Assert.Equal(path, e.FilePath);
            Assert.StartsWith(path + ": ", e.Message);
            Assert.Contains(path.StartsWith("sample:", StringComparison.Ordinal) ? "sample:train" : StructureFiles.AcceptedFormats, e.Message);
        }
    }

    [Fact]
    public void Read_matches_the_underlying_readers_frame_for_frame()
    {
        string gz = CliFixtures.ExtXyz("ase_types.extxyz.gz");
        var direct = ExtXyzReader.ReadAll(gz);
        var viaFiles = StructureFiles.ReadAll(gz);
        Assert.Equal(direct.Count, viaFiles.Count);
        for (int i = 0; i < direct.Count; i++)
        {
            Assert.Equal(direct[i].Numbers, viaFiles[i].Numbers);
            Assert.Equal(direct[i].Positions, viaFiles[i].Positions);
            Assert.Equal(direct[i].Energy, viaFiles[i].Energy);
        }

        using var reader = new AseLmdbReader(CliFixtures.AseLmdb("shards"));
        var rows = reader.ReadAll().ToList();
        var viaDirectory = StructureFiles.ReadAll(CliFixtures.AseLmdb("shards"));
        Assert.Equal(rows.Select(r => r.Info["row_id"]), viaDirectory.Select(r => r.Info["row_id"]));
        Assert.Equal(rows.Select(r => r.Energy), viaDirectory.Select(r => r.Energy));
    }

    [Fact]
    public void Sample_paths_read_the_embedded_splits()
    {
        static int Count(Func<Stream> open)
        {
            using var stream = open();
            using var reader = new ExtXyzReader(stream, "sample");
            int n = 0;
            while (reader.TryRead(out _)) n++;
            return n;
        }

        Assert.Equal(Count(SampleData.OpenValidation), StructureFiles.Read("sample:val").Count());
        Assert.Equal(Count(SampleData.OpenTest), StructureFiles.Read("sample:test").Count());
    }

    [Fact]
    public void Progress_rises_to_one_for_text_and_lmdb_sources()
    {
        foreach (string path in new[] { CliFixtures.ExtXyz("xtb4_train_head.extxyz"), CliFixtures.AseLmdb("shards") })
        {
            var seen = new List<double>();
            int frames = StructureFiles.Read(path, progress: new Recorder(seen)).Count();

            Assert.True(seen.Count >= frames, $"{path}: {seen.Count} reports for {frames} frames");
            Assert.Equal(1.0, seen[^1]);
            for (int i = 1; i < seen.Count; i++)
                Assert.True(seen[i] >= seen[i - 1], $"{path}: progress fell from {seen[i - 1]} to {seen[i]}");
        }
    }

    [Fact]
    public void Aselmdb_rows_are_validated_like_extxyz_frames()
    {
        using var reader = new AseLmdbReader(CliFixtures.Cli("close_contact.aselmdb"));

        Assert.Equal(3, reader.Count);
        Assert.Equal(3, reader.Read(0).AtomCount);
        Assert.Equal(3, reader.Read(2).AtomCount);
        var e = Assert.Throws<StructureFormatException>(() => reader.Read(1));
        Assert.Equal(1, e.FrameIndex);
        Assert.Contains("row id 2", e.Message);
        Assert.Contains("closer than", e.Message);
        Assert.Throws<StructureFormatException>(() => reader.ReadAll().ToList());
    }

    private sealed class Recorder(List<double> seen) : IProgress<double>
    {
        public void Report(double value) => seen.Add(value);
    }
}
