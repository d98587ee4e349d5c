namespace CatPot.IO.Lmdb;

/// <summary>
/// An LMDB file is not LMDB, uses a layout this reader does not support, or is truncated or corrupted.
/// The message names the file and, when the problem is in one page, the page number.
/// </summary>
public sealed class LmdbFormatException : StructureFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The LMDB file.</param>
    /// <param name="pageNumber">The page where the problem was found, when it is tied to one page.</param>
    /// <param name="message">What was expected and what was found.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public LmdbFormatException(string filePath, long? pageNumber, string message, Exception? inner = null)
        : base(filePath, null, null, pageNumber is null ? message : $"page {pageNumber}: {message}", inner)
    {
        PageNumber = pageNumber;
    }

    /// <summary>The page where the problem was found, or null.</summary>
    public long? PageNumber { get; }
}
