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
    /// Send std_E, entropy and energy as a JSON extras string (i-PI's convention). When false, a single zero byte is
    /// sent instead, as ASE's own client does: ASE 3.22's <c>SocketIOCalculator</c> evaluates <c>if morebytes:</c> on a
    /// numpy array and raises on any extras string longer than one byte, so use false with ASE ≤ 3.22.
    /// </summary>
    public bool JsonExtras { get; init; } = true;

    /// <summary>Largest INIT payload accepted, bytes (protects against a garbage length).</summary>
    public int MaxInitBytes { get; init; } = 1 << 20;
}
