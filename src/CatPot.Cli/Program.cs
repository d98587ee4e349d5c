using System.CommandLine;
using System.CommandLine.Invocation;
using CatPot.Cli.Commands;

namespace CatPot.Cli;

/// <summary>
/// Entry point of the <c>catpot</c> command. <see cref="Run"/> takes the output writers and a cancellation
/// token, so the whole command line runs in-process in tests exactly as it does from a shell.
/// </summary>
public static class Program
{
    /// <summary>
    /// The top-level commands. To add one: write <c>Commands/XyzCommand.cs</c> with <c>static Command Create()</c>
    /// and add one line here.
    /// </summary>
    private static readonly Func<Command>[] CommandFactories =
    [
        DataCommand.Create,
        TrainCommand.Create,
        EvalCommand.Create,
        PredictCommand.Create,
        MdCommand.Create,
        OptCommand.Create,
        ServeCommand.Create,
        BenchCommand.Create,
        ExperimentCommand.Create,
        LearnCommand.Create,
    ];

    /// <summary>Runs the command line on the real console; Ctrl+C cancels the running command (exit code 130).</summary>
    public static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The first Ctrl+C asks the command to stop cleanly; a second one kills the process.
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return Run(args, Console.Out, Console.Error, cancellation.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing results to <paramref name="stdout"/> and diagnostics to <paramref name="stderr"/>.</summary>
    /// <returns>An <see cref="ExitCodes"/> value.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var root = CreateRootCommand();
        var parseResult = root.Parse(args);
        bool parseFailed = parseResult.Action is ParseErrorAction;
        if (parseResult.Action is ParseErrorAction parseError)
            parseError.ShowHelp = false;
        var configuration = new InvocationConfiguration
        {
            // After a parse error everything the parser writes (the errors, typo suggestions) is a diagnostic.
            Output = parseFailed ? stderr : stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        try
        {
            int code = parseResult.InvokeAsync(configuration, cancellationToken).GetAwaiter().GetResult();
            if (parseFailed)
                stderr.WriteLine("Run 'catpot --help' (or 'catpot COMMAND --help') for usage.");
            return code;
        }
        catch (Exception e)
        {
            return CommandFailure.Report(e, stderr, parseResult.GetValue(StandardOptions.Verbose));
        }
        finally
        {
            stdout.Flush();
            stderr.Flush();
        }
    }

    /// <summary>The <c>catpot</c> root command with every registered subcommand and the shared options.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("catpot: categorical (HL-Gauss) machine-learning interatomic potentials.");
        root.Options.Add(StandardOptions.Verbose);
        foreach (var option in root.Options.OfType<VersionOption>())
            option.Action = new PrintVersionAction();
        foreach (var create in CommandFactories)
            root.Subcommands.Add(create());
        return root;
    }
}
