using System.CommandLine;

namespace CatPot.Cli;

/// <summary>Options every command shares, so their names and meanings never drift between commands.</summary>
public static class StandardOptions
{
    /// <summary><c>--verbose</c>: stack traces on errors and extra diagnostics on stderr; valid after any command.</summary>
    public static Option<bool> Verbose { get; } = new("--verbose", "-v")
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
