using CatPot.Chemistry;
using CatPot.Cli;
using CatPot.IO;
using CatPot.Models;
using CatPot.Tests.Cli;
using Xunit;

namespace CatPot.Tests.IO;

public class AtomicFileTests
{
    /// <summary>A stream that accepts <paramref name="room"/> bytes, then fails like a full disk (ENOSPC).</summary>
    private sealed class FullDiskStream(Stream inner, long room) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_written + count > room) throw new IOException("No space left on device");
            inner.Write(buffer, offset, count);
            _written += count;
        }
    }

    private static string[] Temporaries(string dir) => Directory.GetFiles(dir).Where(f => AtomicFile.IsTemporaryName(Path.GetFileName(f))).ToArray();

    [Fact]
    public void Writes_replace_the_target_and_leave_no_temporary_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("a.json");
        File.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        AtomicFile.WriteAllLines(path, ["x", "y"]);
        Assert.Equal("x\ny\n", File.ReadAllText(path));
        Assert.Empty(Temporaries(dir.Path));
    }

    [Fact]
    public void Temporary_names_follow_the_documented_pattern()
    {
        string temp = AtomicFile.TempPathFor("/data/out.extxyz");
        Assert.Equal("/data", Path.GetDirectoryName(temp));
        Assert.Matches(@"^\.out\.extxyz\.[0-9a-f]{32}\.tmp$", Path.GetFileName(temp));
        Assert.True(AtomicFile.IsTemporaryName(Path.GetFileName(temp)));
        Assert.False(AtomicFile.IsTemporaryName("out.extxyz.tmp"));
        Assert.False(AtomicFile.IsTemporaryName(".out.extxyz.tmp"));
        Assert.False(AtomicFile.IsTemporaryName(".x.0123.tmp"));
    }

    [Fact]
    public void A_full_disk_leaves_neither_a_temporary_file_nor_a_changed_target()
    {
        using var dir = new TempDirectory();
        string text = dir.File("a.txt"), xyz = dir.File("p.extxyz"), model = dir.File("m.safetensors");
        File.WriteAllText(text, "old");
        AtomicFile.StreamWrapperForTests = s => new FullDiskStream(s, room: 0);
        try
        {
            Assert.Throws<IOException>(() => AtomicFile.WriteAllText(text, new string('x', 1000)));

            // predict's path: frames buffered by the writer; the failure surfaces on commit or dispose.
            var frame = new Structure([1, 1], [0, 0, 0, 0, 0, 0.74]);
            Assert.ThrowsAny<IOException>(() =>
            {
                using var writer = ExtXyzWriter.CreateAtomic(xyz);
                for (int i = 0; i < 10; i++) writer.Write(frame);
                writer.Commit();
            });

            // train's path: the model file. A plain IOException (exit 3), not a ModelFileException (exit 2).
            var e = Assert.ThrowsAny<IOException>(() => PotentialFile.Save(CatPot.Cli.Commands.SimulationInputs.RandomModel(1), model));
            Assert.IsNotType<ModelFileException>(e);
            Assert.Equal(ExitCodes.RuntimeFailure, CommandFailure.ExitCodeOf(e));
        }
        finally
        {
            AtomicFile.StreamWrapperForTests = null;
        }
        Assert.Equal("old", File.ReadAllText(text));
        Assert.False(File.Exists(xyz));
        Assert.False(File.Exists(model));
        Assert.Empty(Temporaries(dir.Path));
        Assert.Equal(["a.txt"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Train_on_a_full_disk_exits_3_and_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.WaterWithForces + CommandFixtures.WaterWithForces);
        string output = dir.File("run");
        CliRun run;
        AtomicFile.StreamWrapperForTests = s => new FullDiskStream(s, room: 0);
        try
        {
            run = CliRun.Of("train", "--train", water, "--val", water, "--test", "none", "--epochs", "1",
                "--features", "8", "--layers", "1", "--rbf", "4", "--bins", "8", "--out", output);
        }
        finally
        {
            AtomicFile.StreamWrapperForTests = null;
        }
        Assert.True(run.ExitCode == ExitCodes.RuntimeFailure, run.ToString());
        Assert.Contains("catpot: error: No space left on device", run.Stderr);
        Assert.Empty(Temporaries(output));
    }

    [Fact]
    public void Stale_temporary_files_are_removed_by_the_next_write_in_the_folder_but_live_ones_are_kept()
    {
        using var dir = new TempDirectory();
        string stale1 = AtomicFile.TempPathFor(dir.File("traj.extxyz")), stale2 = AtomicFile.TempPathFor(dir.File("model.safetensors"));
        string live = AtomicFile.TempPathFor(dir.File("other.json"));
        string notOurs = dir.File(".notes.tmp"), plain = dir.File("keep.tmp");
        foreach (var p in new[] { stale1, stale2, live, notOurs, plain }) File.WriteAllText(p, "x");

        using (new FileStream(live, FileMode.Open, FileAccess.Write, FileShare.None)) // a writer that is still running
        {
            AtomicFile.WriteAllText(dir.File("report.json"), "{}");
            Assert.False(File.Exists(stale1));
            Assert.False(File.Exists(stale2));
            Assert.True(File.Exists(live));
        }
        Assert.True(File.Exists(notOurs));
        Assert.True(File.Exists(plain));
        Assert.Equal(1, AtomicFile.RemoveStale(dir.Path)); // the writer has gone now
        Assert.False(File.Exists(live));
    }

    [Fact]
    public void A_directory_or_a_missing_folder_is_an_output_path_error()
    {
        using var dir = new TempDirectory();
        var isDir = Assert.Throws<OutputPathException>(() => AtomicFile.WriteAllText(dir.Path, "x"));
        Assert.Contains("is a directory", isDir.Message);
        var noFolder = Assert.Throws<OutputPathException>(() => AtomicFile.WriteAllText(dir.File("no/such/file.json"), "x"));
        Assert.Contains("does not exist", noFolder.Message);
        Assert.Equal(ExitCodes.BadInput, CommandFailure.ExitCodeOf(isDir));
    }
}
