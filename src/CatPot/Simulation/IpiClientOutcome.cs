namespace CatPot.Simulation;

/// <summary>Why <see cref="IpiClient.Run"/> returned.</summary>
public enum IpiClientOutcome
{
    /// <summary>The server sent EXIT.</summary>
    ExitRequested,

    /// <summary>The server closed the connection between messages (and reconnecting was not asked for, or timed out).</summary>
    ServerClosed,

    /// <summary>The server broke the protocol (unknown header, changed atom count, truncated message, ...); logged.</summary>
    ProtocolError,

    /// <summary>No server could be reached within the connect timeout.</summary>
    ConnectionFailed,

    /// <summary>The cancellation token fired.</summary>
    Cancelled,
}
