using System.CommandLine;
using Spectre.Console;

namespace CatPot.Cli;

/// <summary>
/// What a running command writes to: results on <see cref="Out"/>, diagnostics and progress on
/// <see cref="Error"/>. Taken from the invocation, so tests run commands in-process with captured writers.
/// </summary>
public sealed class CommandContext
{
    private CommandContext(TextWriter output, TextWriter error, bool verbose)
    {
        Out = output;
        Error = error;
        Verbose = verbose;
    }

    /// <summary>Where results go (stdout).</summary>
    public TextWriter Out { get; }

    /// <summary>Where diagnostics and progress go (stderr).</summary>
    public TextWriter Error { get; }

    /// <summary>Whether <c>--verbose</c> was given.</summary>
    public bool Verbose { get; }

    /// <summary>A context whose output and diagnostics are discarded (an MPI rank other than 0: rank 0 speaks for the job).</summary>
    public CommandContext Silenced() => new(TextWriter.Null, TextWriter.Null, Verbose);

    /// <summary>The context of a parsed invocation.</summary>
    public static CommandContext From(ParseResult parseResult) => new(
        parseResult.InvocationConfiguration.Output,
        parseResult.InvocationConfiguration.Error,
        parseResult.GetValue(StandardOptions.Verbose));

    /// <summary>A Spectre console over <see cref="Out"/>: colours only on a real terminal, 140 columns when redirected.</summary>
    public IAnsiConsole CreateOutConsole()
    {
        bool terminal = ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
            console.Profile.Width = 140;
        return console;
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a progress bar on stderr when stderr is an interactive terminal,
    /// otherwise with no progress reporting at all (logs and pipes stay clean).
    /// </summary>
    public T WithProgress<T>(string description, Func<IProgress<double>?, T> body)
    {
        bool terminal = ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;
        if (!terminal)
            return body(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Error),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx => body(new TaskProgress(ctx.AddTask(Markup.Escape(description), maxValue: 1.0))));
    }

    private sealed class TaskProgress(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = value;
    }
}
