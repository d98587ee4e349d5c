using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CatPot.Distributed;

/// <summary>
/// A communicator over Open MPI's <c>libmpi.so.40</c> by direct P/Invoke: MPI_Init_thread, Comm_rank/size, Iallgather/Test,
/// Bcast, Barrier, Abort, Finalize on MPI_COMM_WORLD. Open MPI's handles (communicator, datatypes) are the addresses of
/// exported globals (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, …), looked up once.
/// </summary>
/// <remarks>
/// A watchdog thread bounds every collective: one that has not completed after <see cref="Timeout"/> (a rank is lost
/// or hung) prints which collective this rank was waiting in and calls MPI_Abort, which ends every rank. A rank that
/// dies is reported by the launcher itself (<c>mpirun</c> names the rank and its signal and ends the others).
/// </remarks>
public sealed unsafe class MpiCommunicator : Communicator
{
    /// <summary>The library tried first (Debian, Ubuntu, Fedora and Open MPI's own builds install it under this name).</summary>
    public const string DefaultLibrary = "libmpi.so.40";

    /// <summary>Environment variable naming another MPI library file to load.</summary>
    public const string LibraryVariable = "CATPOT_MPI_LIBRARY";

    /// <summary>Environment variable with the collective timeout in seconds.</summary>
    public const string TimeoutVariable = "CATPOT_MPI_TIMEOUT";

    private const int ThreadMultiple = 3;

    private readonly nint _library;
    private readonly nint _world, _float, _double, _byte;
    private readonly delegate* unmanaged<nint, int, nint, nint, int, nint, nint, nint*, int> _iallgather;
    private readonly delegate* unmanaged<nint*, int*, nint, int> _test;
    private readonly delegate* unmanaged<nint, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly Thread _watchdog;
    private readonly object _gate = new();
    private string? _waitingIn;
    private long _waitStarted;
    private bool _disposed;

    private MpiCommunicator(nint library, TimeSpan timeout)
    {
        _library = library;
        Timeout = timeout;
        nint Export(string name) => NativeLibrary.GetExport(library, name);
        var initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        var commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        var commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _iallgather = (delegate* unmanaged<nint, int, nint, nint, int, nint, nint, nint*, int>)Export("MPI_Iallgather");
        _test = (delegate* unmanaged<nint*, int*, nint, int>)Export("MPI_Test");
        _bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)Export("MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _world = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _double = Export("ompi_mpi_double");
        _byte = Export("ompi_mpi_byte");

        int provided;
        Check(initThread(null, null, ThreadMultiple, &provided), "MPI_Init_thread");
        ThreadLevel = provided;
        int rank, size;
        Check(commRank(_world, &rank), "MPI_Comm_rank");
        Check(commSize(_world, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        _watchdog = new Thread(Watch) { IsBackground = true, Name = "catpot-mpi-watchdog" };
        _watchdog.Start();
    }

    /// <inheritdoc/>
    public override int Rank { get; }

    /// <inheritdoc/>
    public override int Size { get; }

    /// <summary>The thread support level MPI_Init_thread granted (3 = MPI_THREAD_MULTIPLE).</summary>
    public int ThreadLevel { get; }

    /// <summary>How long one collective may wait for the other ranks before the job is aborted.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Default collective timeout: 300 s, or <see cref="TimeoutVariable"/> seconds.</summary>
    public static TimeSpan DefaultTimeout =>
        double.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0
            ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(300);

    /// <summary>
    /// Loads the MPI library and initialises MPI. <paramref name="library"/> defaults to <see cref="LibraryVariable"/>
    /// or <see cref="DefaultLibrary"/>.
    /// </summary>
    /// <exception cref="MpiUnavailableException">The library cannot be loaded or is not Open MPI.</exception>
    public static MpiCommunicator Initialize(string? library = null, TimeSpan? timeout = null)
    {
        library ??= Environment.GetEnvironmentVariable(LibraryVariable) is { Length: > 0 } v ? v : DefaultLibrary;
        if (!NativeLibrary.TryLoad(library, out nint handle))
            throw new MpiUnavailableException(
                $"this process was started by an MPI launcher ({MpiLaunch.Describe()}), but the MPI library '{library}' cannot be loaded. " +
                $"Install Open MPI 4 or 5 (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; clusters: module load openmpi), " +
                $"or name the library file with {LibraryVariable}=/path/to/libmpi.so.40.");
        if (!NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _))
            throw new MpiUnavailableException(
                $"'{library}' is not Open MPI (it has no ompi_mpi_comm_world); CatPot's MPI binding uses Open MPI's ABI. Run under Open MPI's mpirun, or srun with Open MPI's PMIx support.");
        return new MpiCommunicator(handle, timeout ?? DefaultTimeout);
    }

    /// <inheritdoc/>
    public override void AllGather(ReadOnlySpan<float> send, Span<float> receive, string what)
    {
        if (receive.Length != send.Length * Size) throw new ArgumentException("The receive buffer must hold Size × the send length.", nameof(receive));
        Begin(what);
        fixed (float* s = send)
        fixed (float* r = receive)
            AllGather((nint)s, (nint)r, send.Length, _float);
        End();
    }

    /// <inheritdoc/>
    public override void AllGather(ReadOnlySpan<double> send, Span<double> receive, string what)
    {
        if (receive.Length != send.Length * Size) throw new ArgumentException("The receive buffer must hold Size × the send length.", nameof(receive));
        Begin(what);
        fixed (double* s = send)
        fixed (double* r = receive)
            AllGather((nint)s, (nint)r, send.Length, _double);
        End();
    }

    /// <summary>
    /// MPI_Iallgather, then MPI_Test until done: polls separated by <see cref="Thread.Yield"/> for the first
    /// <see cref="YieldingWaitMilliseconds"/> ms, then one poll per millisecond. A blocking MPI_Allgather busy-waits, which
    /// on a machine with more processes than cores takes the CPU from the very rank being waited for; yielding gives the
    /// CPU to a runnable rank and costs nothing on idle cores. Polling often matters: a gradient message is large enough
    /// for Open MPI's rendezvous protocol, whose fragments only move while both sides call into MPI, so a rank that
    /// sleeps a millisecond between polls stalls its peer for that long once per fragment (2 ranks reached only 1.36–1.63×
    /// of one rank's throughput on 2 idle cores with sleeping polls).
    /// </summary>
    private void AllGather(nint send, nint receive, int count, nint type)
    {
        nint request;
        Check(_iallgather(send, count, type, receive, count, type, _world, &request), "MPI_Iallgather");
        int done = 0;
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            Check(_test(&request, &done, 0), "MPI_Test");
            if (done != 0) return;
            if (Stopwatch.GetElapsedTime(start).TotalMilliseconds < YieldingWaitMilliseconds) Thread.Yield();
            else Thread.Sleep(1);
        }
    }

    /// <summary>How long a collective polls between yields before it falls back to sleeping between polls.</summary>
    private const double YieldingWaitMilliseconds = 20;

    /// <inheritdoc/>
    public override void Broadcast(Span<byte> buffer, int root, string what)
    {
        Begin(what);
        const int chunk = 1 << 30;
        fixed (byte* b = buffer)
        {
            int offset = 0;
            do
            {
                int n = Math.Min(chunk, buffer.Length - offset);
                Check(_bcast((nint)(b + offset), n, _byte, root, _world), "MPI_Bcast");
                offset += n;
            }
            while (offset < buffer.Length);
        }
        End();
    }

    /// <inheritdoc/>
    public override void Barrier(string what)
    {
        Begin(what);
        Check(_barrier(_world), "MPI_Barrier");
        End();
    }

    /// <inheritdoc/>
    public override void Abort(string message, int exitCode)
    {
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        _ = _abort(_world, exitCode);
        Environment.Exit(exitCode);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        _ = _finalize();
        _ = _library; // the library stays loaded: Open MPI cannot be initialised twice in one process
        base.Dispose(disposing);
    }

    private void Begin(string what)
    {
        lock (_gate)
        {
            _waitingIn = what;
            _waitStarted = Stopwatch.GetTimestamp();
        }
    }

    private void End()
    {
        lock (_gate) _waitingIn = null;
    }

    private void Watch()
    {
        while (true)
        {
            string? what;
            TimeSpan waited;
            lock (_gate)
            {
                if (_disposed) return;
                Monitor.Wait(_gate, TimeSpan.FromSeconds(1));
                if (_disposed) return;
                what = _waitingIn;
                waited = Stopwatch.GetElapsedTime(_waitStarted);
            }
            if (what is not null && waited > Timeout)
            {
                Abort($"catpot: rank {Rank} of {Size} waited {waited.TotalSeconds:F0} s in '{what}' (timeout {Timeout.TotalSeconds:F0} s, {TimeoutVariable}): " +
                      (Size == 2 ? $"rank {1 - Rank} is lost or hung" : "another rank is lost or hung (the ranks that printed no such line)") + ". Aborting the job; continue it with --resume.", 3);
                return;
            }
        }
    }

    private void Check(int code, string function)
    {
        if (code != 0) Abort($"catpot: rank {Rank}: {function} failed with MPI error {code}.", 3);
    }
}

/// <summary>MPI was asked for (the process runs under an MPI launcher) but no usable MPI library was found
/// (an <see cref="IOException"/>: a library file that cannot be loaded).</summary>
public sealed class MpiUnavailableException(string message) : IOException(message);
