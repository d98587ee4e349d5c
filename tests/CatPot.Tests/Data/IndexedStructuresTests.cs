using CatPot.Chemistry;
using CatPot.Data;
using CatPot.IO;
using CatPot.Tests.IO;
using CatPot.Tests.Training;
using CatPot.Training;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.Data;

public sealed class IndexedStructuresTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "catpot-indexed-" + Guid.NewGuid().ToString("N"));

    public IndexedStructuresTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static void AssertSame(Structure a, Structure b)
    {
        Assert.Equal(a.Numbers, b.Numbers);
        Assert.Equal(a.Positions, b.Positions);
        Assert.Equal(a.Energy, b.Energy);
        Assert.Equal(a.Forces, b.Forces);
    }

    [Fact]
    public void Extxyz_by_index_reads_every_frame_and_caches_its_offsets_beside_the_file()
    {
        string path = Path.Combine(_dir, "frames.extxyz");
        var frames = TrainerTests.Sample(SampleData.OpenTrain, 25);
        ExtXyzWriter.WriteFile(path, frames);
        using (var indexed = IndexedStructures.Open(path))
        {
            Assert.Equal(frames.Count, indexed.Count);
            foreach (int i in new[] { 24, 0, 13, 13, 7 }) AssertSame(frames[i], indexed[i]);
        }
        string index = IndexedStructures.IndexPathOf(path);
        Assert.True(File.Exists(index));
        var written = File.GetLastWriteTimeUtc(index);
        using (var again = IndexedStructures.Open(path))
            AssertSame(frames[20], again[20]);
        Assert.Equal(written, File.GetLastWriteTimeUtc(index)); // reused, not rebuilt

        // A changed file gets a fresh index.
        ExtXyzWriter.WriteFile(path, frames.Take(5));
        using var changed = IndexedStructures.Open(path);
        Assert.Equal(5, changed.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => changed[5]);
    }

    [Fact]
    public void Aselmdb_by_index_equals_reading_everything()
    {
        string path = AseLmdbFixtures.PathOf("legacy.aselmdb");
        var all = StructureFiles.ReadAll(path);
        using var indexed = IndexedStructures.Open(path);
        Assert.Equal(all.Count, indexed.Count);
        for (int i = all.Count - 1; i >= 0; i--) AssertSame(all[i], indexed[i]);
    }

    [Fact]
    public void Compressed_or_sample_data_cannot_be_read_by_index()
    {
        var e = Assert.Throws<StructurePathException>(() => IndexedStructures.Open("sample:train"));
        Assert.Contains("uncompressed extxyz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_on_a_set_read_by_index_equals_training_in_memory()
    {
        string path = Path.Combine(_dir, "train.extxyz");
        var train = TrainerTests.Sample(SampleData.OpenTrain, 30);
        var val = TrainerTests.Sample(SampleData.OpenValidation, 8);
        ExtXyzWriter.WriteFile(path, train);
        var options = new TrainingOptions
        {
            Model = new PotentialConfig { Features = 8, Layers = 1, RadialBasis = 4, Head = new CatPot.Models.Heads.HLGaussHeadConfig { Bins = 16 } },
            Epochs = 2,
            MaxAtoms = 150,
            Seed = 9,
            Threads = 1,
            MicroBatches = 2,
        };
        var memory = new Trainer(options, StructureFiles.ReadAll(path), val, Path.Combine(_dir, "memory"));
        memory.Run();
        using var indexed = IndexedStructures.Open(path);
        var byIndex = new Trainer(options, indexed, val, Path.Combine(_dir, "indexed"));
        byIndex.Run();
        foreach (var (name, t, _) in memory.Model.Parameters.Items)
            Assert.True(t.Span.SequenceEqual(byIndex.Model.Parameters[name].Span), $"parameter {name} differs");
    }
}
