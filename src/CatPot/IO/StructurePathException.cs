namespace CatPot.IO;

/// <summary>
/// A path given as a structure source does not exist, or is not in a format <see cref="StructureFiles"/> reads.
/// The message names the path and lists the accepted formats (<see cref="StructureFiles.AcceptedFormats"/>).
/// </summary>
public sealed class StructurePathException : StructureFormatException
{
    /// <summary>Creates the exception; <paramref name="message"/> says what was found and should end with what is accepted.</summary>
    public StructurePathException(string path, string message, Exception? inner = null)
        : base(path, null, null, message, inner)
    {
    }
}
