namespace CatPot.IO;

/// <summary>
/// A structure file (extended XYZ, ASE LMDB, …) could not be read because its content is not what the
/// format requires. The message names the file, the frame and, for text formats, the line, says what was
/// expected and what was found.
/// </summary>
public class StructureFormatException : Exception
{
    /// <summary>Creates the exception; the message is prefixed with the file, frame and line that are known.</summary>
    /// <param name="filePath">The file being read.</param>
    /// <param name="frameIndex">Zero-based index of the frame (structure) being read, when known.</param>
    /// <param name="lineNumber">One-based line number in a text file, when known.</param>
    /// <param name="message">What was expected, what was found, and how to fix it.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public StructureFormatException(string filePath, int? frameIndex, long? lineNumber, string message, Exception? inner = null)
        : base(Compose(filePath, frameIndex, lineNumber, message), inner)
    {
        FilePath = filePath;
        FrameIndex = frameIndex;
        LineNumber = lineNumber;
    }

    /// <summary>The file being read.</summary>
    public string FilePath { get; }

    /// <summary>Zero-based index of the frame being read, or null when the error is not tied to one frame.</summary>
    public int? FrameIndex { get; }

    /// <summary>One-based line number, or null for binary formats and errors not tied to a line.</summary>
    public long? LineNumber { get; }

    private static string Compose(string filePath, int? frameIndex, long? lineNumber, string message)
    {
        var where = filePath;
        if (frameIndex is not null)
            where += $", frame {frameIndex}";
        if (lineNumber is not null)
            where += $", line {lineNumber}";
        return $"{where}: {message}";
    }
}
