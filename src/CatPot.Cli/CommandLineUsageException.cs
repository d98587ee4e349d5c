namespace CatPot.Cli;

/// <summary>
/// A command found its arguments unusable in a way the parser cannot see (e.g. two options that exclude each
/// other); reported as one line on stderr with exit code <see cref="ExitCodes.UsageError"/>.
/// </summary>
public sealed class CommandLineUsageException : Exception
{
    /// <summary>Creates the exception with an empty message.</summary>
    public CommandLineUsageException() { }

    /// <summary>Creates the exception; the message says what is wrong and what to pass instead.</summary>
    public CommandLineUsageException(string message) : base(message) { }

    /// <summary>Creates the exception with an underlying cause.</summary>
    public CommandLineUsageException(string message, Exception innerException) : base(message, innerException) { }
}
