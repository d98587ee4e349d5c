namespace CatPot.Models;

/// <summary>
/// A model file (safetensors weights and their metadata) is malformed or does not match the model contract.
/// The message names the file, the tensor or metadata key, what was expected and what was found.
/// </summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Creates the exception with a plain message.</summary>
    public ModelFileException() { }

    /// <summary>Creates the exception with a plain message.</summary>
    public ModelFileException(string message) : base(message) { }

    /// <summary>Creates the exception with a plain message and its cause.</summary>
    public ModelFileException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for <paramref name="filePath"/> and, when known, one tensor or key in it.</summary>
    public ModelFileException(string filePath, string? tensorName, string message, Exception? innerException = null)
        : base(Compose(filePath, tensorName, message), innerException)
    {
        FilePath = filePath;
        TensorName = tensorName;
    }

    /// <summary>The file (or source name) the problem was found in.</summary>
    public string? FilePath { get; }

    /// <summary>The tensor or metadata key concerned, if the problem is about one.</summary>
    public string? TensorName { get; }

    private static string Compose(string filePath, string? tensorName, string message) =>
        tensorName is null ? $"{filePath}: {message}" : $"{filePath}: tensor '{tensorName}': {message}";
}
