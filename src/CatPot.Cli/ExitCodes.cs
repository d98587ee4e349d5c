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

    /// <summary>Anything else went wrong while running (out of memory, a bug, an output file that cannot be written).</summary>
    public const int RuntimeFailure = 3;

    /// <summary>Cancelled by Ctrl+C (128 + SIGINT, the shell convention).</summary>
    public const int Cancelled = 130;
}
