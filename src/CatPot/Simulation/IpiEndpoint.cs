using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CatPot.Simulation;

/// <summary>
/// Where an i-PI server listens: a unix socket (<c>unix:NAME</c> → <c>/tmp/ipi_NAME</c> as ASE and i-PI name it,
/// or <c>unix:/absolute/path</c> as given) or TCP (<c>HOST:PORT</c>, <c>[IPv6]:PORT</c>).
/// </summary>
public sealed class IpiEndpoint
{
    /// <summary>The prefix ASE and i-PI put before a unix socket's name.</summary>
    public const string UnixPrefix = "/tmp/ipi_";

    private IpiEndpoint(string text, string? unixPath, string? host, int port)
    {
        Text = text;
        UnixPath = unixPath;
        Host = host;
        Port = port;
    }

    /// <summary>The text it was parsed from.</summary>
    public string Text { get; }

    /// <summary>The unix socket path, or null for TCP.</summary>
    public string? UnixPath { get; }

    /// <summary>The TCP host, or null for a unix socket.</summary>
    public string? Host { get; }

    /// <summary>The TCP port (0 for a unix socket).</summary>
    public int Port { get; }

    /// <summary>Parses <c>unix:NAME</c>, <c>unix:/path</c>, <c>HOST:PORT</c> or <c>[ADDR]:PORT</c>.</summary>
    /// <exception cref="FormatException">The text is none of these; the message says what is expected.</exception>
    public static IpiEndpoint Parse(string text)
    {
        const string expected = "expected unix:NAME (socket /tmp/ipi_NAME), unix:/absolute/path, HOST:PORT or [IPv6]:PORT";
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            string name = text[5..];
            if (name.Length == 0) throw new FormatException($"i-PI address '{text}' has no socket name; {expected}.");
            return new IpiEndpoint(text, name.StartsWith('/') ? name : UnixPrefix + name, null, 0);
        }
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            throw new FormatException($"i-PI address '{text}' has no port; {expected}.");
        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new FormatException($"i-PI address '{text}' has port '{text[(colon + 1)..]}', which is not a number from 1 to 65535; {expected}.");
        return new IpiEndpoint(text, null, host, port);
    }

    /// <summary>Opens a connected socket (TCP with Nagle off, as i-PI drivers do).</summary>
    /// <exception cref="SocketException">Nobody listens there (yet).</exception>
    public Socket Connect()
    {
        if (UnixPath is not null)
        {
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try { unix.Connect(new UnixDomainSocketEndPoint(UnixPath)); }
            catch { unix.Dispose(); throw; }
            return unix;
        }
        var addresses = IPAddress.TryParse(Host, out var ip) ? [ip] : Dns.GetHostAddresses(Host!);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                tcp.Connect(new IPEndPoint(address, Port));
                return tcp;
            }
            catch (SocketException e)
            {
                tcp.Dispose();
                last = e;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <inheritdoc/>
    public override string ToString() => UnixPath is not null ? $"unix socket {UnixPath}" : $"tcp {Host}:{Port}";
}
