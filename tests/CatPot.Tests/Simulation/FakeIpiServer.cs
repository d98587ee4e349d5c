using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CatPot.Tests.Simulation;

/// <summary>A minimal i-PI server for tests: listens on loopback TCP (port 0) or a unix socket and speaks the wire format.</summary>
internal sealed class FakeIpiServer : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly Socket _listener;

    private FakeIpiServer(Socket listener, string address)
    {
        _listener = listener;
        Address = address;
    }

    public string Address { get; }

    public static FakeIpiServer Tcp()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.Listen(4);
        return new FakeIpiServer(s, $"127.0.0.1:{((IPEndPoint)s.LocalEndPoint!).Port}");
    }

    public static FakeIpiServer Unix(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        s.Listen(4);
        return new FakeIpiServer(s, "unix:" + path);
    }

    public Connection Accept()
    {
        var task = _listener.AcceptAsync();
        if (!task.Wait(Timeout)) throw new TimeoutException("The client did not connect.");
        var socket = task.Result;
        socket.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        socket.SendTimeout = (int)Timeout.TotalMilliseconds;
        return new Connection(socket);
    }

    public void Dispose() => _listener.Dispose();

    internal sealed class Connection(Socket socket) : IDisposable
    {
        public Socket Socket { get; } = socket;

        public void SendHeader(string header)
        {
            var h = Encoding.ASCII.GetBytes(header.PadRight(12));
            Socket.Send(h);
        }

        public string ReadHeader() => Encoding.ASCII.GetString(ReadExactly(12)).TrimEnd();

        public string Status()
        {
            SendHeader("STATUS");
            return ReadHeader();
        }

        public void Init()
        {
            SendHeader("INIT");
            var body = new byte[9];
            BinaryPrimitives.WriteInt32LittleEndian(body, 0);
            BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4), 1);
            Socket.Send(body);
        }

        public void SendPositions(double[] bohr, int? announcedAtoms = null)
        {
            SendHeader("POSDATA");
            int n = announcedAtoms ?? bohr.Length / 3;
            var body = new byte[18 * 8 + 4 + 8 * bohr.Length];
            BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(18 * 8), n);
            for (int k = 0; k < bohr.Length; k++) BinaryPrimitives.WriteDoubleLittleEndian(body.AsSpan(18 * 8 + 4 + 8 * k), bohr[k]);
            Socket.Send(body);
        }

        public (double Energy, double[] Forces, double[] Virial, string Extras) GetForces()
        {
            SendHeader("GETFORCE");
            string h = ReadHeader();
            if (h != "FORCEREADY") throw new InvalidOperationException($"expected FORCEREADY, got '{h}'");
            double e = BinaryPrimitives.ReadDoubleLittleEndian(ReadExactly(8));
            int n = BinaryPrimitives.ReadInt32LittleEndian(ReadExactly(4));
            var fb = ReadExactly(24 * n);
            var f = new double[3 * n];
            for (int k = 0; k < f.Length; k++) f[k] = BinaryPrimitives.ReadDoubleLittleEndian(fb.AsSpan(8 * k));
            var vb = ReadExactly(72);
            var v = new double[9];
            for (int k = 0; k < 9; k++) v[k] = BinaryPrimitives.ReadDoubleLittleEndian(vb.AsSpan(8 * k));
            int extra = BinaryPrimitives.ReadInt32LittleEndian(ReadExactly(4));
            return (e, f, v, Encoding.UTF8.GetString(ReadExactly(extra)));
        }

        /// <summary>True when the peer has closed its end (a read returns 0 bytes) within the timeout.</summary>
        public bool PeerClosed()
        {
            var b = new byte[1];
            try { return Socket.Receive(b) == 0; }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { return true; }
        }

        public byte[] ReadExactly(int count)
        {
            var b = new byte[count];
            int got = 0;
            while (got < count)
            {
                int r = Socket.Receive(b, got, count - got, SocketFlags.None);
                if (r == 0) throw new EndOfStreamException($"client closed after {got} of {count} bytes");
                got += r;
            }
            return b;
        }

        public void Dispose() => Socket.Dispose();
    }
}
