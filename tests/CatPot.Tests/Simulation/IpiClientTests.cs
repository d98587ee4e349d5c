using System.Text.Json;
using CatPot.Chemistry;
using CatPot.Simulation;
using Xunit;
using CatPot.Tests.Cli;

namespace CatPot.Tests.Simulation;

public class IpiClientTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private sealed class Harness : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();

        public Harness(FakeIpiServer server, IpiClientOptions? options = null, Structure? structure = null)
        {
            Structure = structure ?? SimulationFixtures.Methanol();
            Client = new IpiClient(new PotentialCalculator<double>(SimulationFixtures.Model<double>(8)), Structure.Clone(),
                IpiEndpoint.Parse(server.Address), Log, options ?? new IpiClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5), JsonExtras = true });
            Task = System.Threading.Tasks.Task.Run(() => Client.Run(_cancel.Token));
        }

        public Structure Structure { get; }

        private readonly StringWriter _text = new();

        public TextWriter Log => TextWriter.Synchronized(_text);

        public string LogText => _text.ToString();

        public IpiClient Client { get; }

        public Task<IpiClientOutcome> Task { get; }

        public IpiClientOutcome Outcome()
        {
            Assert.True(Task.Wait(Limit), "the client did not finish in time");
            return Task.Result;
        }

        public void Cancel() => _cancel.Cancel();

        public void Dispose()
        {
            _cancel.Cancel();
            Task.Wait(Limit);
            _cancel.Dispose();
        }
    }

    private static double[] ToBohr(double[] angstrom) => angstrom.Select(x => x / AseUnits.Bohr).ToArray();

    private static void AssertRelative(double expected, double actual, double tolerance = 1e-6) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Max(Math.Abs(expected), 1e-3), $"expected {expected}, got {actual}");

    private static void ServeCycles(FakeIpiServer.Connection c, Structure template, int cycles)
    {
        Assert.Equal("NEEDINIT", c.Status());
        c.Init();
        var reference = new PotentialCalculator<double>(SimulationFixtures.Model<double>(8));
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            Assert.Equal("READY", c.Status());
            var moved = template.Clone();
            for (int k = 0; k < moved.Positions.Length; k++) moved.Positions[k] += 0.03 * cycle * Math.Sin(k + cycle);
            var bohr = ToBohr(moved.Positions);
            c.SendPositions(bohr);
            Assert.Equal("HAVEDATA", c.Status());
            var (energy, forces, virial, extras) = c.GetForces();

            // The in-process calculator at the same (Bohr → Å) positions.
            var at = template.Clone();
            for (int k = 0; k < bohr.Length; k++) at.Positions[k] = bohr[k] * AseUnits.Bohr;
            var expected = new CalculationResult(at.AtomCount);
            reference.Calculate(at, expected);
            AssertRelative(expected.Energy / AseUnits.Hartree, energy);
            double fmax = expected.MaxForceNorm() * AseUnits.Bohr / AseUnits.Hartree;
            for (int k = 0; k < forces.Length; k++)
                Assert.True(Math.Abs(forces[k] - expected.Forces[k] * AseUnits.Bohr / AseUnits.Hartree) <= 1e-6 * fmax, $"force component {k}");
            Assert.All(virial, v => Assert.Equal(0.0, v));
            using var json = JsonDocument.Parse(extras);
            // The output vocabulary (PredictionKeys), the same names as predict, md and opt write.
            AssertRelative(expected.Energy, json.RootElement.GetProperty("energy").GetDouble());
            AssertRelative(expected.EnergyStd, json.RootElement.GetProperty("energy_std").GetDouble());
            AssertRelative(expected.Entropy, json.RootElement.GetProperty("energy_entropy").GetDouble());
            AssertRelative(expected.SupportEdgeMass, json.RootElement.GetProperty("energy_tail_mass").GetDouble());
        }
    }

    [Fact]
    public void Serves_INIT_POSDATA_GETFORCE_cycles_over_tcp_and_exits_on_EXIT()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server);
        using (var c = server.Accept())
        {
            ServeCycles(c, h.Structure, 3);
            c.SendHeader("EXIT");
            Assert.Equal(IpiClientOutcome.ExitRequested, h.Outcome());
        }
        Assert.Equal(3, h.Client.Evaluations);
        Assert.Contains("EXIT received", h.LogText);
    }

    [Fact]
    public void Serves_over_a_unix_socket_and_returns_when_the_server_closes()
    {
        using var dir = new TempDirectory();
        using var server = FakeIpiServer.Unix(Path.Combine(dir.Path, "ipi.sock"));
        using var h = new Harness(server);
        using (var c = server.Accept()) ServeCycles(c, h.Structure, 2);
        Assert.Equal(IpiClientOutcome.ServerClosed, h.Outcome());
        Assert.Equal(2, h.Client.Evaluations);
        Assert.Contains("closed the connection", h.LogText);
    }

    [Fact]
    public void Disconnect_in_the_middle_of_a_message_is_logged_as_a_protocol_error()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server);
        using (var c = server.Accept())
        {
            Assert.Equal("NEEDINIT", c.Status());
            c.Init();
            c.SendHeader("POSDATA");
            c.Socket.Send(new byte[20]);
        }
        Assert.Equal(IpiClientOutcome.ProtocolError, h.Outcome());
        Assert.Contains("middle of a message", h.LogText);
        Assert.Contains("POSDATA cell", h.LogText);
    }

    [Fact]
    public void By_default_the_extras_are_a_single_zero_byte_which_ASE_3_22_accepts()
    {
        // ASE 3.22's SocketIOCalculator does `if morebytes:` on a numpy byte array: more than one byte raises there.
        Assert.False(new IpiClientOptions().JsonExtras);
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server, new IpiClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });
        using var c = server.Accept();
        Assert.Equal("NEEDINIT", c.Status());
        c.Init();
        Assert.Equal("READY", c.Status());
        c.SendPositions(ToBohr(h.Structure.Positions));
        Assert.Equal("HAVEDATA", c.Status());
        var (energy, _, _, extras) = c.GetForces();
        Assert.Equal("\0", extras);
        Assert.True(energy < 0);
        c.SendHeader("EXIT");
        Assert.Equal(IpiClientOutcome.ExitRequested, h.Outcome());
    }

    [Fact]
    public void Unknown_header_is_logged_and_the_connection_dropped()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server);
        using var c = server.Accept();
        Assert.Equal("NEEDINIT", c.Status());
        c.SendHeader("BOGUS");
        Assert.Equal(IpiClientOutcome.ProtocolError, h.Outcome());
        Assert.Contains("unknown header 'BOGUS'", h.LogText);
        Assert.True(c.PeerClosed());
    }

    [Fact]
    public void Changed_atom_count_is_logged_and_the_connection_dropped()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server);
        using var c = server.Accept();
        Assert.Equal("NEEDINIT", c.Status());
        c.Init();
        Assert.Equal("READY", c.Status());
        c.SendPositions(new double[21], announcedAtoms: 7);
        Assert.Equal(IpiClientOutcome.ProtocolError, h.Outcome());
        Assert.Contains("POSDATA has 7 atoms but the structure given on the command line has 6", h.LogText);
        Assert.Equal(0, h.Client.Evaluations);
    }

    [Fact]
    public void GETFORCE_before_POSDATA_is_a_protocol_error()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server);
        using var c = server.Accept();
        Assert.Equal("NEEDINIT", c.Status());
        c.SendHeader("GETFORCE");
        Assert.Equal(IpiClientOutcome.ProtocolError, h.Outcome());
        Assert.Contains("GETFORCE arrived before any POSDATA", h.LogText);
    }

    [Fact]
    public void With_reconnect_a_faulty_connection_is_followed_by_a_new_one()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server, new IpiClientOptions { Reconnect = true, ConnectTimeout = TimeSpan.FromSeconds(5), JsonExtras = true });
        using (var bad = server.Accept()) bad.SendHeader("NONSENSE");
        using (var good = server.Accept())
        {
            ServeCycles(good, h.Structure, 1);
            good.SendHeader("EXIT");
            Assert.Equal(IpiClientOutcome.ExitRequested, h.Outcome());
        }
        Assert.Equal(2, h.Client.Connections);
        Assert.Contains("unknown header 'NONSENSE'", h.LogText);
        Assert.Contains("reconnecting", h.LogText);
    }

    [Fact]
    public async Task No_server_means_a_logged_connection_failure_after_the_timeout()
    {
        using var dir = new TempDirectory();
        var log = new StringWriter();
        var client = new IpiClient(new MorseCalculator(), SimulationFixtures.Methanol(), IpiEndpoint.Parse("unix:" + Path.Combine(dir.Path, "nobody")), log,
            new IpiClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300), RetryInterval = TimeSpan.FromMilliseconds(50) });
        var outcome = await Task.Run(() => client.Run()).WaitAsync(Limit);
        Assert.Equal(IpiClientOutcome.ConnectionFailed, outcome);
        Assert.Contains("no i-PI server", log.ToString());
    }

    [Fact]
    public void A_server_stalling_in_the_middle_of_a_message_is_a_protocol_error_after_the_read_timeout()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server, new IpiClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5), ReadTimeout = TimeSpan.FromMilliseconds(300) });
        using var c = server.Accept();
        Assert.Equal("NEEDINIT", c.Status());
        c.Init();
        Assert.Equal("READY", c.Status());
        c.SendHeader("POSDATA");
        c.Socket.Send(new byte[20]); // part of the cell, then nothing: the connection stays open
        Assert.Equal(IpiClientOutcome.ProtocolError, h.Outcome());
        Assert.Contains("stalled in the middle of a message", h.LogText);
        Assert.Contains("20 of 148 bytes of POSDATA cell", h.LogText);
    }

    [Fact]
    public void A_server_stalling_inside_a_header_is_a_protocol_error_after_the_read_timeout()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server, new IpiClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5), ReadTimeout = TimeSpan.FromMilliseconds(300) });
        using var c = server.Accept();
        c.Socket.Send("STA"u8.ToArray());
        Assert.Equal(IpiClientOutcome.ProtocolError, h.Outcome());
        Assert.Contains("3 of 12 bytes of a 12-byte header", h.LogText);
    }

    [Fact]
    public void The_read_timeout_does_not_limit_pauses_between_messages()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server, new IpiClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5), ReadTimeout = TimeSpan.FromMilliseconds(100), JsonExtras = true });
        using var c = server.Accept();
        Assert.Equal("NEEDINIT", c.Status());
        c.Init();
        Thread.Sleep(500); // five read timeouts of silence between two messages
        Assert.Equal("READY", c.Status());
        c.SendPositions(ToBohr(h.Structure.Positions));
        Assert.Equal("HAVEDATA", c.Status());
        var (energy, _, _, _) = c.GetForces();
        Assert.True(double.IsFinite(energy));
        c.SendHeader("EXIT");
        Assert.Equal(IpiClientOutcome.ExitRequested, h.Outcome());
    }

    [Fact]
    public void Cancellation_ends_a_client_waiting_for_a_silent_server()
    {
        using var server = FakeIpiServer.Tcp();
        using var h = new Harness(server);
        using var c = server.Accept();
        Assert.Equal("NEEDINIT", c.Status());
        h.Cancel();
        Assert.Equal(IpiClientOutcome.Cancelled, h.Outcome());
    }

    [Theory]
    [InlineData("unix:catpot", "/tmp/ipi_catpot", null, 0)]
    [InlineData("unix:/run/x/sock", "/run/x/sock", null, 0)]
    [InlineData("localhost:31415", null, "localhost", 31415)]
    [InlineData("[::1]:8000", null, "::1", 8000)]
    public void Endpoints_parse(string text, string? unixPath, string? host, int port)
    {
        var e = IpiEndpoint.Parse(text);
        Assert.Equal(unixPath, e.UnixPath);
        Assert.Equal(host, e.Host);
        Assert.Equal(port, e.Port);
    }

    [Theory]
    [InlineData("unix:")]
    [InlineData("localhost")]
    [InlineData("localhost:")]
    [InlineData("localhost:99999")]
    [InlineData("host:port")]
    public void Bad_endpoints_are_refused_with_the_expected_forms(string text)
    {
        var e = Assert.Throws<FormatException>(() => IpiEndpoint.Parse(text));
        Assert.Contains("expected unix:NAME", e.Message);
    }

    [Fact]
    public void Units_match_ASE_3_22()
    {
        // Values printed by ASE 3.22.1: python3 -c "import ase.units as u; print(repr(u.fs), repr(u.kB))".
        Assert.Equal(0.09822694788464063, AseUnits.Femtosecond, 15);
        Assert.Equal(8.617330337217213e-05 * 1e5, AseUnits.Boltzmann * 1e5, 15);
    }
}
