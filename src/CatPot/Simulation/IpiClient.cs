using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.Simulation;

/// <summary>
/// An i-PI client ("driver"): connects to an i-PI server (i-PI itself, or ASE's <c>SocketIOCalculator</c>), receives
/// positions and returns energy, forces and a zero virial, in atomic units (Bohr, Hartree) with ASE 3.22's constants.
/// The extras string is one zero byte (what ASE 3.22 accepts), or with <see cref="IpiClientOptions.JsonExtras"/> a JSON
/// object of energy, energy_std, energy_entropy and energy_tail_mass (the output vocabulary, <see cref="CatPot.IO.PredictionKeys"/>).
/// </summary>
/// <remarks>
/// Wire format: 12-byte space-padded ASCII headers; little-endian int32 and float64. Messages: STATUS (answered
/// NEEDINIT, READY or HAVEDATA), INIT, POSDATA, GETFORCE (answered FORCEREADY), EXIT. i-PI sends positions only, so
/// species, charge and spin come from the template structure; the server must keep the atom count.
/// Every fault from the server (unknown header, changed atom count, truncated message, out-of-range sizes,
/// non-finite numbers, a message that stalls longer than <see cref="IpiClientOptions.ReadTimeout"/>) is written to the log
/// and ends that connection; the client then returns
/// <see cref="IpiClientOutcome.ProtocolError"/> or, with <see cref="IpiClientOptions.Reconnect"/>, connects again.
/// The virial is sent as zero: v1 handles molecules only, for which ASE ignores it.
/// </remarks>
public sealed class IpiClient
{
    /// <summary>Length of every header.</summary>
    public const int HeaderLength = 12;

    private readonly IForceCalculator _calculator;
    private readonly Structure _structure;
    private readonly IpiEndpoint _endpoint;
    private readonly IpiClientOptions _options;
    private readonly TextWriter _log;
    private readonly CalculationResult _result;
    private readonly byte[] _header = new byte[HeaderLength];
    private readonly byte[] _numbers;
    private readonly byte[] _extras = new byte[512];

    /// <summary>Creates a client.</summary>
    /// <param name="calculator">Computes energy and forces.</param>
    /// <param name="structure">Species, charge and spin (positions are overwritten by each POSDATA).</param>
    /// <param name="endpoint">The server's address.</param>
    /// <param name="log">Where connection events and protocol errors are written.</param>
    /// <param name="options">Reconnection and timeouts.</param>
    public IpiClient(IForceCalculator calculator, Structure structure, IpiEndpoint endpoint, TextWriter log, IpiClientOptions? options = null)
    {
        _calculator = calculator;
        _structure = structure;
        _endpoint = endpoint;
        _log = log;
        _options = options ?? new IpiClientOptions();
        _result = new CalculationResult(structure.AtomCount);
        // Large enough for POSDATA's positions and FORCEREADY's body (energy, count, forces, virial).
        _numbers = new byte[(24 * structure.AtomCount) + (18 * 8) + 100];
    }

    /// <summary>Force evaluations served so far.</summary>
    public int Evaluations { get; private set; }

    /// <summary>Connections made so far.</summary>
    public int Connections { get; private set; }

    /// <summary>Connects and serves until EXIT, a fault (without reconnect), or cancellation.</summary>
    public IpiClientOutcome Run(CancellationToken cancellation = default)
    {
        while (true)
        {
            var socket = ConnectWithRetry(cancellation);
            if (socket is null)
                return cancellation.IsCancellationRequested ? IpiClientOutcome.Cancelled : IpiClientOutcome.ConnectionFailed;
            Connections++;
            _log.WriteLine($"ipi: connected to {_endpoint}");
            IpiClientOutcome outcome;
            using (socket)
            using (cancellation.Register(socket.Dispose))
            {
                outcome = Serve(socket, cancellation);
            }
            if (outcome == IpiClientOutcome.ProtocolError || outcome == IpiClientOutcome.ServerClosed)
            {
                if (_options.Reconnect && !cancellation.IsCancellationRequested)
                {
                    _log.WriteLine("ipi: reconnecting (--reconnect)");
                    continue;
                }
            }
            return outcome;
        }
    }

    private Socket? ConnectWithRetry(CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + _options.ConnectTimeout;
        string? lastError = null;
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                return _endpoint.Connect();
            }
            catch (SocketException e)
            {
                if (lastError != e.Message) _log.WriteLine($"ipi: cannot connect to {_endpoint} yet ({e.Message}); retrying");
                lastError = e.Message;
            }
            if (DateTime.UtcNow >= deadline) break;
            cancellation.WaitHandle.WaitOne(_options.RetryInterval);
        }
        if (!cancellation.IsCancellationRequested)
            _log.WriteLine($"ipi: error: no i-PI server at {_endpoint} after {_options.ConnectTimeout.TotalSeconds:G4} s ({lastError}). Start the server first or raise --connect-timeout.");
        return null;
    }

    private IpiClientOutcome Serve(Socket socket, CancellationToken cancellation)
    {
        bool initialised = false, haveData = false;
        string header = "";
        try
        {
            while (true)
            {
                int got = ReceiveHeader(socket);
                if (got == 0)
                {
                    _log.WriteLine("ipi: the server closed the connection");
                    return IpiClientOutcome.ServerClosed;
                }
                if (got < HeaderLength) throw Truncated("a 12-byte header", got, HeaderLength);
                header = DecodeHeader(_header);
                switch (header)
                {
                    case "STATUS":
                        Send(socket, !initialised ? "NEEDINIT" : haveData ? "HAVEDATA" : "READY");
                        break;
                    case "INIT":
                        ReadInit(socket);
                        initialised = true;
                        break;
                    case "POSDATA":
                        ReadPositions(socket);
                        _calculator.Calculate(_structure, _result);
                        Evaluations++;
                        haveData = true;
                        break;
                    case "GETFORCE":
                        if (!haveData) throw new IpiProtocolException("GETFORCE arrived before any POSDATA; expected POSDATA first.");
                        SendForces(socket);
                        haveData = false;
                        break;
                    case "EXIT":
                        _log.WriteLine("ipi: EXIT received; closing");
                        return IpiClientOutcome.ExitRequested;
                    default:
                        throw new IpiProtocolException($"unknown header '{header}'; expected STATUS, INIT, POSDATA, GETFORCE or EXIT.");
                }
            }
        }
        catch (Exception e) when (cancellation.IsCancellationRequested && e is SocketException or ObjectDisposedException)
        {
            _log.WriteLine("ipi: cancelled");
            return IpiClientOutcome.Cancelled;
        }
        catch (IpiProtocolException e)
        {
            _log.WriteLine($"ipi: error: {e.Message} Closing the connection.");
            return IpiClientOutcome.ProtocolError;
        }
        catch (SocketException e)
        {
            _log.WriteLine($"ipi: error: connection lost after header '{header}' ({e.SocketErrorCode}: {e.Message}).");
            return IpiClientOutcome.ProtocolError;
        }
        catch (ArgumentException e)
        {
            // The calculator refused the geometry (e.g. non-finite positions); say so and drop the connection.
            _log.WriteLine($"ipi: error: cannot evaluate the geometry sent: {e.Message} Closing the connection.");
            return IpiClientOutcome.ProtocolError;
        }
    }

    private void ReadInit(Socket socket)
    {
        Span<byte> ints = stackalloc byte[8];
        ReceiveExactly(socket, ints, "INIT bead index and length");
        int bead = BinaryPrimitives.ReadInt32LittleEndian(ints);
        int length = BinaryPrimitives.ReadInt32LittleEndian(ints[4..]);
        if (length < 0 || length > _options.MaxInitBytes)
            throw new IpiProtocolException($"INIT announces {length} bytes of init string; expected 0 to {_options.MaxInitBytes}.");
        var text = new byte[length];
        ReceiveExactly(socket, text, "INIT string");
        string init = Encoding.ASCII.GetString(text).TrimEnd('\0');
        _log.WriteLine($"ipi: INIT bead {bead}{(init.Length > 0 ? $" '{init}'" : "")}");
    }

    private void ReadPositions(Socket socket)
    {
        // Cell h and its inverse: read and ignored (molecules only; ASE sends zeros for a molecule).
        var cells = _numbers.AsSpan(0, 18 * 8 + 4);
        ReceiveExactly(socket, cells, "POSDATA cell, inverse cell and atom count");
        int n = BinaryPrimitives.ReadInt32LittleEndian(cells[(18 * 8)..]);
        if (n != _structure.AtomCount)
            throw new IpiProtocolException($"POSDATA has {n} atoms but the structure given on the command line has {_structure.AtomCount}; the atom count must stay constant (start one client per system).");
        var body = _numbers.AsSpan(0, 3 * 8 * n);
        ReceiveExactly(socket, body, "POSDATA positions");
        var x = _structure.Positions;
        for (int k = 0; k < 3 * n; k++)
        {
            double bohr = BinaryPrimitives.ReadDoubleLittleEndian(body[(8 * k)..]);
            if (!double.IsFinite(bohr)) throw new IpiProtocolException($"POSDATA coordinate {k % 3} of atom {k / 3} is {bohr}; expected a finite number of Bohr.");
            x[k] = bohr * AseUnits.Bohr;
        }
    }

    private void SendForces(Socket socket)
    {
        int n = _structure.AtomCount;
        Send(socket, "FORCEREADY");
        var body = _numbers.AsSpan(0, 8 + 4 + 24 * n + 72 + 4);
        double forceScale = AseUnits.Bohr / AseUnits.Hartree;
        BinaryPrimitives.WriteDoubleLittleEndian(body, _result.Energy / AseUnits.Hartree);
        BinaryPrimitives.WriteInt32LittleEndian(body[8..], n);
        var f = _result.Forces;
        for (int k = 0; k < 3 * n; k++) BinaryPrimitives.WriteDoubleLittleEndian(body[(12 + 8 * k)..], f[k] * forceScale);
        body.Slice(12 + 24 * n, 72).Clear();
        int extras = FormatExtras();
        BinaryPrimitives.WriteInt32LittleEndian(body[(12 + 24 * n + 72)..], extras);
        SendAll(socket, body);
        SendAll(socket, _extras.AsSpan(0, extras));
    }

    private int FormatExtras()
    {
        // Always ≥ 1 byte, as ASE and i-PI expect (a 0-byte read can look like a closed socket).
        if (!_options.JsonExtras)
        {
            _extras[0] = 0;
            return 1;
        }
        // JSON has no NaN or infinity: a model without a histogram reports null (NonFiniteJson's convention).
        string json = string.Create(CultureInfo.InvariantCulture,
            $"{{\"{PredictionKeys.Energy}\": {NonFiniteJson.Format(_result.Energy)}, \"{PredictionKeys.EnergyStd}\": {NonFiniteJson.Format(_result.EnergyStd)}, " +
            $"\"{PredictionKeys.EnergyEntropy}\": {NonFiniteJson.Format(_result.Entropy)}, \"{PredictionKeys.EnergyTailMass}\": {NonFiniteJson.Format(_result.SupportEdgeMass)}}}");
        return Encoding.ASCII.GetBytes(json, _extras);
    }

    private static string DecodeHeader(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(HeaderLength);
        foreach (byte b in bytes)
            sb.Append(b is >= 0x20 and < 0x7f ? (char)b : $"\\x{b:x2}");
        return sb.ToString().TrimEnd(' ');
    }

    private static void Send(Socket socket, string header)
    {
        Span<byte> h = stackalloc byte[HeaderLength];
        h.Fill((byte)' ');
        Encoding.ASCII.GetBytes(header, h);
        SendAll(socket, h);
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty) data = data[socket.Send(data)..];
    }

    /// <summary>
    /// Reads a header: waits without limit for its first byte (a server may pause between messages), then applies
    /// <see cref="IpiClientOptions.ReadTimeout"/> to the rest of the message. Returns the bytes read (0: closed).
    /// </summary>
    private int ReceiveHeader(Socket socket)
    {
        socket.ReceiveTimeout = 0;
        int first = socket.Receive(_header.AsSpan(0, 1));
        if (first == 0) return 0;
        var timeout = _options.ReadTimeout;
        socket.ReceiveTimeout = timeout == Timeout.InfiniteTimeSpan || timeout <= TimeSpan.Zero
            ? 0
            : (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 1, int.MaxValue);
        return 1 + Receive(socket, _header.AsSpan(1), "a 12-byte header", 1, HeaderLength);
    }

    private int Receive(Socket socket, Span<byte> buffer, string what, int before = 0, int expected = -1)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int r;
            try
            {
                r = socket.Receive(buffer[got..]);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                throw new IpiProtocolException(string.Create(CultureInfo.InvariantCulture,
                    $"the server stalled in the middle of a message: {before + got} of {(expected < 0 ? buffer.Length : expected)} bytes of {what} arrived, then nothing for {_options.ReadTimeout.TotalSeconds:G4} s (--read-timeout)."));
            }
            if (r == 0) break;
            got += r;
        }
        return got;
    }

    private void ReceiveExactly(Socket socket, Span<byte> buffer, string what)
    {
        int got = Receive(socket, buffer, what);
        if (got < buffer.Length) throw Truncated(what, got, buffer.Length);
    }

    private static IpiProtocolException Truncated(string what, int got, int expected) =>
        new($"the connection closed in the middle of a message: expected {expected} bytes of {what}, got {got}.");
}
