using System.Diagnostics;
using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.Labelling;

/// <summary>
/// Labels with any program (a DFT code behind a script, an ASE calculator, …): for each structure it writes
/// <c>input.extxyz</c> (one frame with charge and spin) in a fresh temporary folder, runs the command there through
/// <c>/bin/sh -c</c>, and reads energy and forces back from <c>output.extxyz</c>.
/// </summary>
/// <remarks>
/// In the command, <c>{input}</c> and <c>{output}</c> are replaced by the two file names (also passed as the
/// environment variables <c>CATPOT_INPUT</c> and <c>CATPOT_OUTPUT</c>). The output must be one extxyz frame with the
/// same species in the same order, an <c>energy</c> (eV) and a <c>forces</c> column (eV/Å); anything else, a non-zero
/// exit code, or a timeout is a failed <see cref="LabelOutcome"/>.
/// Example with ASE: <c>python3 label.py {input} {output}</c>.
/// </remarks>
public sealed class ExternalCommandLabeller(string command, TimeSpan? timeout = null, string method = "external") : ILabeller
{
    /// <summary>The shell command template.</summary>
    public string Command { get; } = command;

    /// <summary>A call running longer than this is killed and counted as failed.</summary>
    public TimeSpan Timeout { get; } = timeout ?? TimeSpan.FromMinutes(30);

    /// <inheritdoc/>
    public string Method { get; } = method;

    /// <inheritdoc/>
    public LabelOutcome Label(Structure structure, CancellationToken cancellation = default)
    {
        string dir = Directory.CreateTempSubdirectory("catpot-label-").FullName;
        try
        {
            string input = Path.Combine(dir, "input.extxyz");
            string output = Path.Combine(dir, "output.extxyz");
            var frame = new Structure((int[])structure.Numbers.Clone(), (double[])structure.Positions.Clone(), structure.Charge, structure.Spin)
            {
                Cell = (double[]?)structure.Cell?.Clone(),
                Pbc = (bool[])structure.Pbc.Clone(),
            };
            ExtXyzWriter.WriteFile(input, [frame]);
            var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = dir };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(Command.Replace("{input}", Quote(input)).Replace("{output}", Quote(output)));
            info.Environment["CATPOT_INPUT"] = input;
            info.Environment["CATPOT_OUTPUT"] = output;
            var run = ExternalProcess.Run(info, Timeout, cancellation);
            if (run.TimedOut) return LabelOutcome.Failed($"command timed out after {Timeout.TotalSeconds:G} s", run.Seconds);
            if (run.ExitCode != 0)
                return LabelOutcome.Failed($"command exited with code {run.ExitCode}: {ExternalProcess.Tail(run.Stderr.Length > 0 ? run.Stderr : run.Stdout)}", run.Seconds);
            if (!File.Exists(output)) return LabelOutcome.Failed("command wrote no output.extxyz", run.Seconds);
            List<Structure> frames;
            try
            {
                frames = ExtXyzReader.ReadAll(output);
            }
            catch (StructureFormatException e)
            {
                return LabelOutcome.Failed($"unreadable output: {e.Message}", run.Seconds);
            }
            if (frames.Count != 1) return LabelOutcome.Failed($"output has {frames.Count} frames, expected 1", run.Seconds);
            var labelled = frames[0];
            if (!labelled.Numbers.AsSpan().SequenceEqual(structure.Numbers))
                return LabelOutcome.Failed("output species differ from the input's", run.Seconds);
            if (labelled.Energy is not double energy) return LabelOutcome.Failed("output has no energy", run.Seconds);
            if (labelled.Forces is not double[] forces) return LabelOutcome.Failed("output has no forces", run.Seconds);
            return LabelOutcome.Checked(energy, forces, structure.AtomCount, run.Seconds);
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

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";
}
