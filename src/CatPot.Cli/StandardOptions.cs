using System.CommandLine;

namespace CatPot.Cli;

/// <summary>Options every command shares, so their names and meanings never drift between commands.</summary>
public static class StandardOptions
{
    /// <summary>The name of the <c>--verbose</c> option; read it with <c>parseResult.GetValue&lt;bool&gt;(VerboseName)</c>.</summary>
    public const string VerboseName = "--verbose";

    /// <summary>
    /// A new <c>--verbose</c> option: stack traces on errors and extra diagnostics on stderr; valid after any command.
    /// One per root command: System.CommandLine records every command an option is added to, so one shared
    /// instance kept every root command ever built alive (42 KB per in-process run, found by the fuzz harness).
    /// </summary>
    public static Option<bool> CreateVerbose() => new(VerboseName, "-v")
    {
        Description = "Print stack traces on errors and extra diagnostics on stderr.",
        Recursive = true,
    };

    /// <summary>A new <c>--max-atoms</c> option (atoms per batch, ≥ 1; a smaller value is a usage error).</summary>
    public static Option<int> CreateMaxAtoms(int defaultValue = 1000)
    {
        var option = new Option<int>("--max-atoms") { Description = "Atom budget per batch (≥ 1).", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError($"--max-atoms must be at least 1, got {result.GetValueOrDefault<int>()}.");
        });
        return option;
    }

    /// <summary>A new <c>--json</c> option: machine-readable output on stdout instead of tables.</summary>
    public static Option<bool> CreateJson(string description = "Write machine-readable JSON to stdout instead of tables.") =>
        new("--json") { Description = description };
}
