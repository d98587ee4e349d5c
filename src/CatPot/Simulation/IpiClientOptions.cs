namespace CatPot.Simulation;

/// <summary>How <see cref="IpiClient"/> connects and what it does when a connection ends.</summary>
public sealed record IpiClientOptions
{
    /// <summary>
    /// After the server closes the connection or breaks the protocol, connect again and keep serving
    /// (EXIT still ends the client). Without it the client returns.
    /// </summary>
    public bool Reconnect { get; init; }

    /// <summary>How long to keep trying to reach a server that is not listening yet.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Pause between connection attempts.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Send energy, energy_std, energy_entropy and energy_tail_mass (<see cref="CatPot.IO.PredictionKeys"/>) as a JSON
    /// extras string, as i-PI reads extras. Off by default: then a single zero byte is sent, as ASE's own client does,
    /// because ASE 3.22's <c>SocketIOCalculator</c> evaluates <c>if morebytes:</c> on a numpy array of the extras bytes
    /// and raises ("truth value of an array … is ambiguous") on any extras longer than one byte.
    /// </summary>
    public bool JsonExtras { get; init; }

    /// <summary>
    /// Once a message has begun, the longest wait for its next bytes; a server that stalls longer in the middle of a
    /// message is a protocol error (the connection is closed). Waiting for the next message is not limited: a server
    /// may pause between steps for as long as it likes. <see cref="Timeout.InfiniteTimeSpan"/> or zero: no limit.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest INIT payload accepted, bytes (protects against a garbage length).</summary>
    public int MaxInitBytes { get; init; } = 1 << 20;
}
