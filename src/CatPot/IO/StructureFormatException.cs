using System.Globalization;
using System.Text;

namespace CatPot.IO;

/// <summary>
/// A structure file (extxyz, LMDB, …) holds something that cannot be read as a valid structure.
/// The message starts with where the problem is — <c>train.extxyz: frame 12, line 345: …</c> —
/// followed by what was expected and what was found.
/// </summary>
public class StructureFormatException : Exception
{
    /// <summary>Creates the exception; the message is prefixed with the file, frame and line.</summary>
    /// <param name="filePath">The file as the user named it (or a stream's display name).</param>
    /// <param name="frameIndex">0-based frame (or row) index, when known.</param>
    /// <param name="lineNumber">1-based line number in the file, when it has lines.</param>
    /// <param name="message">What was expected and what was found, and how to fix it when that is not obvious.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public StructureFormatException(string filePath, int? frameIndex, long? lineNumber, string message, Exception? inner = null)
        : base(Compose(filePath, frameIndex, lineNumber, message), inner)
    {
        FilePath = filePath;
        FrameIndex = frameIndex;
        LineNumber = lineNumber;
        Detail = message;
    }

    /// <summary>The file the problem is in.</summary>
    public string FilePath { get; }

    /// <summary>0-based index of the frame with the problem, when known.</summary>
    public int? FrameIndex { get; }

    /// <summary>1-based line number of the problem, when known.</summary>
    public long? LineNumber { get; }

    /// <summary>The message without the file/frame/line prefix.</summary>
    public string Detail { get; }

    private static string Compose(string filePath, int? frameIndex, long? lineNumber, string message)
    {
        var sb = new StringBuilder(filePath);
        if (frameIndex is int f) sb.Append(CultureInfo.InvariantCulture, $": frame {f}");
        if (lineNumber is long l) sb.Append(frameIndex is null ? ": " : ", ").Append(CultureInfo.InvariantCulture, $"line {l}");
        return sb.Append(": ").Append(message).ToString();
    }
}
