namespace CatPot.Distributed;

/// <summary>
/// The few collective operations data-parallel training needs, over the ranks of one job. Every rank must call the
/// same collectives in the same order with the same sizes (the MPI rule). <see cref="SingleProcess"/> is the
/// one-rank communicator, which copies; <see cref="MpiCommunicator"/> runs over MPI.
/// </summary>
public abstract class Communicator : IDisposable
{
    /// <summary>The communicator of a process that runs alone.</summary>
    public static Communicator SingleProcess { get; } = new SingleProcessCommunicator();

    /// <summary>This process's rank, 0 ≤ rank &lt; <see cref="Size"/>.</summary>
    public abstract int Rank { get; }

    /// <summary>Number of ranks in the job.</summary>
    public abstract int Size { get; }

    /// <summary>True on rank 0, the rank that alone writes files and prints results.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>Gathers <paramref name="send"/> of every rank into <paramref name="receive"/>, rank after rank
    /// (<paramref name="receive"/> has <see cref="Size"/> × the length of <paramref name="send"/> elements).</summary>
    public abstract void AllGather(ReadOnlySpan<float> send, Span<float> receive, string what);

    /// <summary>As <see cref="AllGather(ReadOnlySpan{float}, Span{float}, string)"/> for doubles.</summary>
    public abstract void AllGather(ReadOnlySpan<double> send, Span<double> receive, string what);

    /// <summary>Copies <paramref name="buffer"/> of rank <paramref name="root"/> into every rank's <paramref name="buffer"/>.</summary>
    public abstract void Broadcast(Span<byte> buffer, int root, string what);

    /// <summary>Waits until every rank has arrived.</summary>
    public abstract void Barrier(string what);

    /// <summary>Ends the whole job (every rank) after printing <paramref name="message"/> on this rank's stderr.</summary>
    public abstract void Abort(string message, int exitCode);

    /// <summary>Broadcasts a length-prefixed byte array from <paramref name="root"/> (every rank receives a copy).</summary>
    public byte[] BroadcastBytes(byte[]? bytes, int root, string what)
    {
        Span<byte> header = stackalloc byte[8];
        if (Rank == root) BitConverter.TryWriteBytes(header, (long)bytes!.Length);
        Broadcast(header, root, what);
        long length = BitConverter.ToInt64(header);
        var data = Rank == root ? bytes! : new byte[length];
        Broadcast(data, root, what);
        return data;
    }

    /// <summary>Releases the communicator (MPI_Finalize for MPI).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class SingleProcessCommunicator : Communicator
    {
        public override int Rank => 0;

        public override int Size => 1;

        public override void AllGather(ReadOnlySpan<float> send, Span<float> receive, string what) => send.CopyTo(receive);

        public override void AllGather(ReadOnlySpan<double> send, Span<double> receive, string what) => send.CopyTo(receive);

        public override void Broadcast(Span<byte> buffer, int root, string what)
        {
        }

        public override void Barrier(string what)
        {
        }

        public override void Abort(string message, int exitCode)
        {
            Console.Error.WriteLine(message);
            Environment.Exit(exitCode);
        }
    }
}
