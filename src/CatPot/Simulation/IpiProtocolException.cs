namespace CatPot.Simulation;

/// <summary>The i-PI server sent something the protocol does not allow; the message says what was expected and found.</summary>
public sealed class IpiProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IpiProtocolException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public IpiProtocolException() { }

    /// <summary>Creates the exception.</summary>
    public IpiProtocolException(string message, Exception innerException) : base(message, innerException) { }
}
