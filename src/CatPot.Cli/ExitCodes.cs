namespace CatPot.Cli;

/// <summary>The exit codes of every <c>catpot</c> command (documented in docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command line is wrong: unknown command or option, missing or malformed value, conflicting options.</summary>
    public const int UsageError = 1;

    /// <summary>An input file is missing, unreadable, in an unknown format, or holds an invalid frame or model.</summary>
    public const int BadInput = 2;

    /// <summary>Anything else went wrong while running (out of memory, a bug, an output file that cannot be written, a full disk).</summary>
    public const int RuntimeFailure = 3;

    /// <summary><c>serve</c>: no i-PI server could be reached within <c>--connect-timeout</c>.</summary>
    public const int NoServer = 4;

    /// <summary>
    /// The command ran correctly and kept its output, but stopped before reaching its goal: <c>md</c> stopped by the
    /// uncertainty guard (frames in the flagged file) or by a diverged integration (non-finite positions or energy; the
    /// trajectory up to the last finite step is kept), <c>opt</c> not converged within <c>--steps</c>, <c>train</c> diverged
    /// (the best model so far is kept), a training run of <c>train</c>, <c>learn</c> or <c>experiment</c> that saved no model.
    /// </summary>
    public const int Incomplete = 5;

    /// <summary>Cancelled by Ctrl+C (128 + SIGINT, the shell convention).</summary>
    public const int Cancelled = 130;
}
