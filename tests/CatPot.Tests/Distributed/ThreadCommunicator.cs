using CatPot.Distributed;

namespace CatPot.Tests.Distributed;

/// <summary>An in-process communicator: each rank is a thread, collectives meet at a barrier. It lets tests run the
/// trainer's multi-rank code paths (slots, ordered reduction, split validation) without MPI.</summary>
internal sealed class ThreadCommunicator : Communicator
{
    private readonly Shared _shared;

    private ThreadCommunicator(Shared shared, int rank)
    {
        _shared = shared;
        Rank = rank;
    }

    public override int Rank { get; }

    public override int Size => _shared.Size;

    /// <summary>The communicators of a job of <paramref name="size"/> ranks.</summary>
    public static ThreadCommunicator[] Create(int size)
    {
        var shared = new Shared(size);
        return [.. Enumerable.Range(0, size).Select(r => new ThreadCommunicator(shared, r))];
    }

    public override void AllGather(ReadOnlySpan<float> send, Span<float> receive, string what)
    {
        _shared.Slots[Rank] = send.ToArray();
        _shared.Barrier.SignalAndWait();
        for (int r = 0; r < Size; r++) ((float[])_shared.Slots[r]!).CopyTo(receive[(r * send.Length)..]);
        _shared.Barrier.SignalAndWait();
    }

    public override void AllGather(ReadOnlySpan<double> send, Span<double> receive, string what)
    {
        _shared.Slots[Rank] = send.ToArray();
        _shared.Barrier.SignalAndWait();
        for (int r = 0; r < Size; r++) ((double[])_shared.Slots[r]!).CopyTo(receive[(r * send.Length)..]);
        _shared.Barrier.SignalAndWait();
    }

    public override void Broadcast(Span<byte> buffer, int root, string what)
    {
        if (Rank == root) _shared.Slots[root] = buffer.ToArray();
        _shared.Barrier.SignalAndWait();
        ((byte[])_shared.Slots[root]!).CopyTo(buffer);
        _shared.Barrier.SignalAndWait();
    }

    public override void Barrier(string what) => _shared.Barrier.SignalAndWait();

    public override void Abort(string message, int exitCode) => throw new InvalidOperationException(message);

    private sealed class Shared(int size)
    {
        public int Size { get; } = size;

        public Barrier Barrier { get; } = new(size);

        public object?[] Slots { get; } = new object?[size];
    }
}
