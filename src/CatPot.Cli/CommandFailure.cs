using System.Text.RegularExpressions;
using CatPot.IO;
using CatPot.Models;
using CatPot.Training;

namespace CatPot.Cli;

/// <summary>
/// The one place where an exception escaping a command becomes an exit code and a single
/// <c>catpot: error: …</c> line on stderr (plus the stack trace with <c>--verbose</c>).
/// </summary>
public static partial class CommandFailure
{
    [GeneratedRegex(@" \(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    /// <summary>The exit code for an exception that ended a command.</summary>
    public static int ExitCodeOf(Exception exception) => exception switch
    {
        OperationCanceledException => ExitCodes.Cancelled,
        CommandLineUsageException => ExitCodes.UsageError,
        NoTrainedModelException => ExitCodes.Incomplete,
        StructureFormatException or ModelFileException or InvalidDataException or OutputPathException => ExitCodes.BadInput,
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or PathTooLongException => ExitCodes.BadInput,
        _ => ExitCodes.RuntimeFailure,
    };

    /// <summary>Writes the error line (and, when <paramref name="verbose"/>, the full exception) and returns the exit code.</summary>
    public static int Report(Exception exception, TextWriter stderr, bool verbose)
    {
        int code = ExitCodeOf(exception);
        string line = code switch
        {
            ExitCodes.Cancelled => "catpot: cancelled.",
            ExitCodes.RuntimeFailure when exception is IOException => $"catpot: error: {exception.Message}",
            ExitCodes.RuntimeFailure => $"catpot: internal error: {exception.GetType().Name}: {exception.Message}"
                + (verbose ? "" : " (run again with --verbose for the stack trace)"),
            _ => $"catpot: error: {exception.Message}",
        };
        // An ArgumentException's message ends in " (Parameter 'name')", the name of a C# parameter, which tells a user nothing.
        if (code != ExitCodes.RuntimeFailure) line = ParameterSuffix().Replace(line, "");
        stderr.WriteLine(line);
        if (verbose && code != ExitCodes.Cancelled)
            stderr.WriteLine(exception.ToString());
        return code;
    }
}
