using System.Diagnostics;
using System.Text;

namespace CatPot.Labelling;

/// <summary>
/// Runs one external program to completion with a timeout, capturing stdout and stderr; on timeout or
/// cancellation the whole process tree is killed, so no stray reference calculation keeps a core busy.
/// </summary>
internal static class ExternalProcess
{
    internal sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut, double Seconds);

    /// <exception cref="LabellerUnavailableException">The program could not be started.</exception>
    public static Result Run(ProcessStartInfo info, TimeSpan timeout, CancellationToken cancellation)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LabellerUnavailableException($"could not start '{info.FileName}': {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool exited;
        using (cancellation.Register(() => Kill(process)))
            exited = process.WaitForExit(timeout);
        if (!exited) Kill(process);
        process.WaitForExit();  // drains the redirected streams
        cancellation.ThrowIfCancellationRequested();
        string o, e2;
        lock (stdout) o = stdout.ToString();
        lock (stderr) e2 = stderr.ToString();
        return new Result(exited ? process.ExitCode : -1, o, e2, !exited, clock.Elapsed.TotalSeconds);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    /// <summary>The last non-empty lines of a program's output, for a one-line failure reason.</summary>
    /// <remarks>
    /// Lines that mention an error are preferred over the rest (a crash's stack trace says less than its error line).
    /// </remarks>
    public static string Tail(string text, int lines = 2)
    {
        var all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = all.Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("abnormal", StringComparison.OrdinalIgnoreCase)).ToArray();
        var kept = (errors.Length > 0 ? errors : all).TakeLast(lines);
        string joined = string.Join(" | ", kept);
        return joined.Length > 300 ? joined[^300..] : joined;
    }
}
