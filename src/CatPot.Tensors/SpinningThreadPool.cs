using System.Diagnostics;

namespace CatPot.Tensors;

/// <summary>
/// Helper threads for kernels too small for <see cref="Parallel"/>: after each job a helper keeps polling for the
/// next one for a short while before it sleeps, so a run of small kernels (one molecule's force call, an MD step)
/// hands work over in about a microsecond instead of the tens of microseconds it takes to wake a pool thread.
/// </summary>
/// <remarks>
/// <para>The calling thread always takes part and claims chunks itself, so a job finishes even when no helper
/// turns up; which thread runs a chunk never changes a result, because kernels give each chunk its own outputs.</para>
/// <para>One job runs at a time: a call from a helper, from inside a job, or from a second thread while a job
/// runs falls back to running every chunk on the calling thread. The helper count is
/// <c>Environment.ProcessorCount − 1</c>; <see cref="TensorThreading.MaxThreads"/> caps how many take part.</para>
/// </remarks>
public static class SpinningThreadPool
{
    // How long an idle helper polls before it sleeps: long enough to bridge the gaps between the kernels of one
    // force call, short enough that an idle process stops taking a core almost at once.
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    private static readonly Helper[] Helpers = CreateHelpers();
    private static Job? current;
    private static int busy;

    [ThreadStatic]
    private static bool isHelperOrRunning;

    /// <summary>Helper threads available in addition to the caller.</summary>
    public static int HelperCount => Helpers.Length;

    /// <summary>
    /// Runs <paramref name="body"/>(0 … <paramref name="chunks"/> − 1) on the calling thread and up to
    /// <see cref="TensorThreading.MaxThreads"/> − 1 helpers and returns when every chunk has run. Chunks must write
    /// disjoint outputs. An exception from a chunk is rethrown on the calling thread after all chunks have stopped.
    /// </summary>
    public static void For(int chunks, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (chunks <= 0) return;
        int helpers = Math.Min(Math.Min(Helpers.Length, TensorThreading.MaxThreads - 1), chunks - 1);
        if (helpers <= 0 || isHelperOrRunning || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            RunSerially(chunks, body);
            return;
        }
        try
        {
            var job = new Job(body, chunks, helpers);
            Volatile.Write(ref current, job);
            for (int h = 0; h < helpers; h++) Helpers[h].Wake();
            isHelperOrRunning = true;
            try
            {
                job.RunChunks();
            }
            finally
            {
                isHelperOrRunning = false;
            }
            job.WaitUntilDone();
            Volatile.Write(ref current, null);
            if (job.Error is not null) throw new AggregateException(job.Error);
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    /// <summary>
    /// The path taken when no helper can join (one thread allowed, a nested call, another caller holds the pool).
    /// It keeps the parallel path's contract — every chunk runs, the first error comes back wrapped — so a caller
    /// sees the same outcome whichever path a busy machine happens to pick.
    /// </summary>
    private static void RunSerially(int chunks, Action<int> body)
    {
        Exception? error = null;
        for (int c = 0; c < chunks; c++)
        {
            try
            {
                body(c);
            }
            catch (Exception e)
            {
                error ??= e;
            }
        }
        if (error is not null) throw new AggregateException(error);
    }

    private static Helper[] CreateHelpers()
    {
        var helpers = new Helper[Math.Max(0, Environment.ProcessorCount - 1)];
        for (int h = 0; h < helpers.Length; h++) helpers[h] = new Helper(h);
        return helpers;
    }

    /// <summary>One parallel call: chunks are claimed from a shared counter by whoever gets there first.</summary>
    private sealed class Job(Action<int> body, int chunks, int helpers)
    {
        /// <summary>Helpers with an index below this take part (the cap from <see cref="TensorThreading.MaxThreads"/>).</summary>
        public int Helpers => helpers;

        private int _next;
        private int _done;

        public Exception? Error { get; private set; }

        public void RunChunks()
        {
            int c;
            while ((c = Interlocked.Increment(ref _next) - 1) < chunks)
            {
                try
                {
                    body(c);
                }
                catch (Exception e)
                {
                    lock (this) Error ??= e;
                }
                Interlocked.Increment(ref _done);
            }
        }

        public void WaitUntilDone()
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref _done) < chunks) spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Helpers live as long as the process.")]
    private sealed class Helper
    {
        private readonly SemaphoreSlim _wake = new(0);
        private int _asleep;

        private readonly int _index;

        public Helper(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"CatPot spinning worker {index}" };
            thread.Start();
        }

        /// <summary>Releases the helper if it has gone to sleep (a polling helper sees the new job by itself).</summary>
        public void Wake()
        {
            if (Interlocked.Exchange(ref _asleep, 0) == 1) _wake.Release();
        }

        private void Loop()
        {
            isHelperOrRunning = true;
            Job? seen = null;
            while (true)
            {
                var job = WaitForJob(seen);
                seen = job;
                job.RunChunks();
            }
        }

        private Job WaitForJob(Job? seen)
        {
            while (true)
            {
                long until = Stopwatch.GetTimestamp() + SpinTicks;
                var spin = default(SpinWait);
                do
                {
                    var job = Volatile.Read(ref current);
                    if (job is not null && job != seen)
                    {
                        if (_index < job.Helpers) return job;
                        seen = job; // not invited: a polling helper beyond the cap leaves it alone
                    }
                    spin.SpinOnce(sleep1Threshold: -1);
                }
                while (Stopwatch.GetTimestamp() < until);

                Volatile.Write(ref _asleep, 1);
                var late = Volatile.Read(ref current);
                if (late is not null && late != seen && _index < late.Helpers)
                {
                    // A job arrived while going to sleep: take it, or, if the caller already cleared the flag, eat its release.
                    if (Interlocked.Exchange(ref _asleep, 0) == 0) _wake.Wait();
                    return late;
                }
                _wake.Wait();
            }
        }
    }
}
