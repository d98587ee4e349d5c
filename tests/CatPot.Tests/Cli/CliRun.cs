using System.Text.Json;
using CatPot.Cli;

namespace CatPot.Tests.Cli;

/// <summary>The outcome of one in-process <c>catpot</c> run.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Runs the command line in-process with captured stdout and stderr.</summary>
    public static CliRun Of(params string[] args) => OfCancellable(default, args);

    public static CliRun OfCancellable(CancellationToken cancellationToken, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr, cancellationToken);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>stdout parsed as JSON.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Stdout);
        return document.RootElement.Clone();
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
