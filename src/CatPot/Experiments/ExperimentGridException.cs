namespace CatPot.Experiments;

/// <summary>A grid file that cannot be read or describes an impossible grid; the message names the file and the fix.</summary>
public sealed class ExperimentGridException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ExperimentGridException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }

    /// <summary>The grid file (or "grid" for a grid built from flags).</summary>
    public string Path { get; }
}
