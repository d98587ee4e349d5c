namespace CatPot.IO;

/// <summary>
/// An output path cannot be a file: it is an existing directory, its folder does not exist, or it is not a valid name.
/// A mistake in the command's arguments, not a failing disk (the CLI reports it with exit code 2, bad input).
/// </summary>
public sealed class OutputPathException : IOException
{
    /// <summary>Creates the exception; the message is "PATH REASON".</summary>
    public OutputPathException(string path, string reason, Exception? inner = null)
        : base($"{path} {reason}.", inner)
    {
        Path = path;
    }

    /// <summary>The output path as given.</summary>
    public string Path { get; }
}
