using System.Diagnostics;
using System.Globalization;
using System.Text;
using CatPot.Chemistry;

namespace CatPot.Labelling;

/// <summary>
/// GFN2-xTB single points through the <c>xtb</c> program, one structure per call in its own temporary folder,
/// with exactly the settings that labelled the <c>xtb4</c> and <c>md-aspirin</c> data:
/// <c>xtb mol.xyz --gfn 2 --chrg Q --uhf (spin−1) --grad --acc 0.01</c> with <c>OMP_NUM_THREADS=1</c>,
/// energy and gradient read from <c>mol.engrad</c> and converted with the same constants.
/// </summary>
/// <remarks>
/// A call counts as a success only when xtb exits with code 0, prints <c>normal termination of xtb</c>, reports no
/// unconverged SCC, and <c>mol.engrad</c> holds finite numbers for every atom; anything else (crash, timeout,
/// non-convergence, garbage) is a failed <see cref="LabelOutcome"/> with a one-line reason.
/// </remarks>
public sealed class XtbLabeller : ILabeller
{
    /// <summary>Hartree in eV as used to make the xtb4 labels (CODATA 2018).</summary>
    public const double Hartree = 27.211386245988;

    /// <summary>Bohr radius in Å as used to make the xtb4 labels (CODATA 2018).</summary>
    public const double Bohr = 0.529177210903;

    /// <summary>How to install xtb, for the message shown when it is missing.</summary>
    public const string InstallHint =
        "GFN2-xTB (the 'xtb' program) was not found. Install it with 'sudo apt-get install xtb' (Debian/Ubuntu), " +
        "'conda install -c conda-forge xtb', or a release binary from https://github.com/grimme-lab/xtb/releases, " +
        "then put it on PATH or pass its path with --xtb.";

    /// <summary>Uses the program at <paramref name="executable"/> (a path, or a name looked up on PATH).</summary>
    /// <exception cref="LabellerUnavailableException">The program is not found; the message says how to install it.</exception>
    public XtbLabeller(string executable = "xtb", double accuracy = 0.01, TimeSpan? timeout = null)
    {
        Executable = Locate(executable);
        Accuracy = accuracy;
        Timeout = timeout ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>Full path of the xtb program.</summary>
    public string Executable { get; }

    /// <summary>xtb's <c>--acc</c>.</summary>
    public double Accuracy { get; }

    /// <summary>A call running longer than this is killed and counted as failed.</summary>
    public TimeSpan Timeout { get; }

    /// <inheritdoc/>
    public string Method => "GFN2-xTB";

    /// <summary>The full path of <paramref name="executable"/>, searching PATH for a bare name.</summary>
    /// <exception cref="LabellerUnavailableException">Not found: the message says how to install xtb.</exception>
    public static string Locate(string executable = "xtb")
    {
        if (executable.Contains('/') || executable.Contains('\\'))
            return File.Exists(executable) ? Path.GetFullPath(executable) : throw new LabellerUnavailableException($"{executable} does not exist. {InstallHint}");
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, executable);
            if (File.Exists(candidate)) return candidate;
        }
        throw new LabellerUnavailableException(InstallHint);
    }

    /// <inheritdoc/>
    public LabelOutcome Label(Structure structure, CancellationToken cancellation = default)
    {
        if (structure.Pbc.Any(p => p))
            return LabelOutcome.Failed("periodic structures are not supported by the xtb labeller (molecules only)", 0);
        string dir = Directory.CreateTempSubdirectory("catpot-xtb-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "mol.xyz"), ToXyz(structure));
            var info = new ProcessStartInfo(Executable) { WorkingDirectory = dir };
            foreach (string arg in new[]
            {
                "mol.xyz", "--gfn", "2",
                "--chrg", structure.Charge.ToString(CultureInfo.InvariantCulture),
                "--uhf", (structure.Spin - 1).ToString(CultureInfo.InvariantCulture),
                "--grad", "--acc", Accuracy.ToString("R", CultureInfo.InvariantCulture),
            })
            {
                info.ArgumentList.Add(arg);
            }
            info.Environment["OMP_NUM_THREADS"] = "1";
            info.Environment["OMP_STACKSIZE"] = "500M";
            var run = ExternalProcess.Run(info, Timeout, cancellation);
            if (run.TimedOut) return LabelOutcome.Failed($"xtb timed out after {Timeout.TotalSeconds:G} s", run.Seconds);
            string all = run.Stdout + "\n" + run.Stderr;
            if (run.ExitCode != 0)
                return LabelOutcome.Failed($"xtb exited with code {run.ExitCode}: {ExternalProcess.Tail(run.Stderr.Length > 0 ? run.Stderr : run.Stdout)}", run.Seconds);
            if (all.Contains("not converged", StringComparison.OrdinalIgnoreCase))
                return LabelOutcome.Failed("xtb: SCC not converged", run.Seconds);
            if (!all.Contains("normal termination of xtb", StringComparison.Ordinal))
                return LabelOutcome.Failed($"xtb did not report normal termination: {ExternalProcess.Tail(all)}", run.Seconds);
            string engrad = Path.Combine(dir, "mol.engrad");
            if (!File.Exists(engrad)) return LabelOutcome.Failed("xtb wrote no mol.engrad", run.Seconds);
            return ParseEngrad(File.ReadAllText(engrad), structure.AtomCount, run.Seconds);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temporary folder is harmless
            }
        }
    }

    /// <summary>
    /// Reads xtb's <c>.engrad</c> file (sections introduced by <c>#</c> comment blocks: atom count, energy in Eh,
    /// gradient in Eh/bohr, then coordinates) into energy (eV) and forces = −gradient (eV/Å).
    /// </summary>
    public static LabelOutcome ParseEngrad(string text, int atomCount, double seconds)
    {
        var sections = new List<List<string>>();
        List<string>? current = null;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                current = null;
                continue;
            }
            if (current is null)
            {
                current = [];
                sections.Add(current);
            }
            current.Add(line);
        }
        if (sections.Count < 3) return LabelOutcome.Failed("mol.engrad: fewer than 3 sections (atoms, energy, gradient)", seconds);
        if (!int.TryParse(sections[0][0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n != atomCount)
            return LabelOutcome.Failed($"mol.engrad: atom count '{sections[0][0]}' does not match the structure's {atomCount}", seconds);
        if (!TryParse(sections[1][0], out double energy)) return LabelOutcome.Failed($"mol.engrad: unreadable energy '{sections[1][0]}'", seconds);
        var gradient = sections[2];
        if (gradient.Count != 3 * atomCount) return LabelOutcome.Failed($"mol.engrad: {gradient.Count} gradient values for {atomCount} atoms", seconds);
        var forces = new double[3 * atomCount];
        for (int k = 0; k < forces.Length; k++)
        {
            if (!TryParse(gradient[k], out double g)) return LabelOutcome.Failed($"mol.engrad: unreadable gradient value '{gradient[k]}'", seconds);
            forces[k] = -g * Hartree / Bohr;
        }
        return LabelOutcome.Checked(energy * Hartree, forces, atomCount, seconds);
    }

    private static bool TryParse(string s, out double value) =>
        double.TryParse(s.Replace('D', 'E'), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Plain XYZ with positions in shortest round-trip form, so xtb sees exactly the stored geometry.</summary>
    internal static string ToXyz(Structure structure)
    {
        var sb = new StringBuilder();
        sb.Append(structure.AtomCount.ToString(CultureInfo.InvariantCulture)).Append('\n').Append("catpot\n");
        var p = structure.Positions;
        for (int a = 0; a < structure.AtomCount; a++)
        {
            sb.Append(Elements.Symbol(structure.Numbers[a]));
            for (int d = 0; d < 3; d++) sb.Append(' ').Append(p[(3 * a) + d].ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
