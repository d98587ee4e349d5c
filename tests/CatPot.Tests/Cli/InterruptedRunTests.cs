using System.Diagnostics;
using System.Runtime.InteropServices;
using CatPot.Cli;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.Cli;

/// <summary>
/// Issue 14's acceptance for interrupted runs, with <c>catpot md</c> started as a real child process: <c>kill -9</c>
/// and Ctrl+C (SIGINT) after N frames leave a valid trajectory of at least those frames, and the next run in the
/// folder leaves no temporary file. Linux (the CI platform): signals are sent with libc's <c>kill</c>.
/// </summary>
public class InterruptedRunTests
{
    private const int Frames = 20;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private const int SigInt = 2, SigKill = 9, SigStop = 19;

    private static Process StartMd(TempDirectory dir, string trajectory)
    {
        string water = CommandFixtures.WriteText(dir.File("water.extxyz"), CommandFixtures.Water);
        string cli = Path.Combine(AppContext.BaseDirectory, "CatPot.Cli.dll");
        string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
            ? p
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { cli, "md", "unused", water, "--random-model", "1", "--steps", "100000000", "--interval", "1", "-o", trajectory })
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>Waits until the file holds at least <see cref="Frames"/> whole frames (a frame is its atom-count line and 4 more).</summary>
    private static void WaitForFrames(Process process, string trajectory, Func<string> stderr)
    {
        var clock = Stopwatch.StartNew();
        while (CompleteFrames(trajectory) < Frames)
        {
            Assert.False(process.HasExited, $"md exited early with {(process.HasExited ? process.ExitCode : 0)}: {stderr()}");
            Assert.True(clock.Elapsed < Deadline, $"no {Frames} frames within {Deadline}: {stderr()}");
            Thread.Sleep(50);
        }
    }

    private static int CompleteFrames(string path)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        int lines = 0;
        while (reader.ReadLine() is not null) lines++;
        return lines / 5; // 3 atoms: count line, comment line, 3 atom lines
    }

    private static string[] Temporaries(string dir) => Directory.GetFiles(dir).Where(f => AtomicFile.IsTemporaryName(Path.GetFileName(f))).ToArray();

    [Fact]
    public void Kill_9_keeps_every_flushed_frame_and_the_next_run_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        string trajectory = dir.File("traj.extxyz");
        // What an older CatPot killed mid-write left behind: the next run in this folder must remove it.
        string orphan = AtomicFile.TempPathFor(trajectory);
        File.WriteAllText(orphan, "3\npartial");
        var stderr = new System.Text.StringBuilder();
        using var process = StartMd(dir, trajectory);
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        try
        {
            WaitForFrames(process, trajectory, () => { lock (stderr) return stderr.ToString(); });
            // SIGSTOP first, so the kill lands between two writes rather than inside one (the kernel may cut a write
            // that a SIGKILL interrupts at a page boundary); what is tested is that nothing waits in a hidden file.
            Assert.Equal(0, SendSignal(process.Id, SigStop));
            Thread.Sleep(100);
            int seen = CompleteFrames(trajectory);
            Assert.Equal(0, SendSignal(process.Id, SigKill));
            Assert.True(process.WaitForExit((int)Deadline.TotalMilliseconds));
            Assert.Equal(128 + SigKill, process.ExitCode);

            var frames = ExtXyzReader.ReadAll(trajectory);
            Assert.True(frames.Count >= Frames && frames.Count >= seen, $"{frames.Count} frames after the kill, {seen} seen before");
            for (int i = 0; i < frames.Count; i++) Assert.Equal((long)i, (long)frames[i].Info["step"]);
            Assert.False(File.Exists(orphan)); // md's start removed the stale temporary file of the old run
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }

        // The next run in the folder: the kill left nothing of CatPot's temporary-file pattern behind.
        string again = AtomicFile.TempPathFor(dir.File("model.safetensors"));
        File.WriteAllText(again, "x"); // e.g. left by a killed train
        var next = CliRun.Of("md", "unused", dir.File("water.extxyz"), "--random-model", "1", "--steps", "2", "-o", dir.File("traj2.extxyz"));
        Assert.True(next.ExitCode == ExitCodes.Ok, next.ToString());
        Assert.Empty(Temporaries(dir.Path));
    }

    [Fact]
    public void Ctrl_C_stops_md_with_exit_130_and_a_complete_trajectory()
    {
        using var dir = new TempDirectory();
        string trajectory = dir.File("traj.extxyz");
        var stderr = new System.Text.StringBuilder();
        using var process = StartMd(dir, trajectory);
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        try
        {
            WaitForFrames(process, trajectory, () => { lock (stderr) return stderr.ToString(); });
            Assert.Equal(0, SendSignal(process.Id, SigInt));
            Assert.True(process.WaitForExit((int)Deadline.TotalMilliseconds), "md did not stop after SIGINT");
            process.WaitForExit(); // drains the redirected output
            string log;
            lock (stderr) log = stderr.ToString();
            Assert.True(process.ExitCode == ExitCodes.Cancelled, $"exit {process.ExitCode}: {log}");
            Assert.Contains("cancelled", log);

            var frames = ExtXyzReader.ReadAll(trajectory);
            Assert.True(frames.Count >= Frames);
            for (int i = 0; i < frames.Count; i++) Assert.Equal((long)i, (long)frames[i].Info["step"]);
            Assert.Contains($"({frames.Count} frames)", log);
            Assert.Empty(Temporaries(dir.Path));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }
}
