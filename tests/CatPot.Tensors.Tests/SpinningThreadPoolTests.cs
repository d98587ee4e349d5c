using Xunit;

namespace CatPot.Tensors.Tests;

/// <summary>The helper threads of small parallel kernels: every chunk exactly once, errors surfaced, no deadlock on re-entry.</summary>
[Collection(nameof(TensorThreading))]
public class SpinningThreadPoolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Every_chunk_runs_exactly_once(int chunks)
    {
        for (int round = 0; round < 200; round++)
        {
            var counts = new int[chunks];
            SpinningThreadPool.For(chunks, c => Interlocked.Increment(ref counts[c]));
            Assert.All(counts, n => Assert.Equal(1, n));
        }
    }

    [Fact]
    public void Chunks_reach_a_helper_thread_when_one_exists()
    {
        if (SpinningThreadPool.HelperCount == 0 || TensorThreading.MaxThreads < 2) return; // single-core machine: nothing to observe
        var caller = Environment.CurrentManagedThreadId;
        bool other = false;
        for (int round = 0; round < 2000 && !other; round++)
        {
            SpinningThreadPool.For(2, c =>
            {
                // Each chunk waits briefly so the caller cannot finish both before a polling helper claims one.
                Thread.SpinWait(20_000);
                if (Environment.CurrentManagedThreadId != caller) Volatile.Write(ref other, true);
            });
        }
        Assert.True(other, "no chunk ran on a helper in 2000 jobs");
    }

    [Fact]
    public void One_thread_runs_everything_on_the_caller()
    {
        int saved = TensorThreading.MaxThreads;
        try
        {
            TensorThreading.MaxThreads = 1;
            int caller = Environment.CurrentManagedThreadId;
            var threads = new int[64];
            SpinningThreadPool.For(threads.Length, c => threads[c] = Environment.CurrentManagedThreadId);
            Assert.All(threads, t => Assert.Equal(caller, t));
        }
        finally
        {
            TensorThreading.MaxThreads = saved;
        }
    }

    [Fact]
    public void Max_threads_caps_the_threads_that_take_part()
    {
        int saved = TensorThreading.MaxThreads;
        try
        {
            // First let every helper poll (a job on all threads), then cap at two: helpers beyond the cap must stay out.
            TensorThreading.MaxThreads = Environment.ProcessorCount;
            SpinningThreadPool.For(64, _ => Thread.SpinWait(1000));
            TensorThreading.MaxThreads = 2;
            var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            for (int round = 0; round < 50; round++)
                SpinningThreadPool.For(64, _ =>
                {
                    seen[Environment.CurrentManagedThreadId] = true;
                    Thread.SpinWait(1000);
                });
            Assert.InRange(seen.Count, 1, 2);
        }
        finally
        {
            TensorThreading.MaxThreads = saved;
        }
    }

    [Fact]
    public void A_failing_chunk_is_rethrown_after_the_others_have_run()
    {
        var ran = new int[8];
        var error = Assert.Throws<AggregateException>(() => SpinningThreadPool.For(8, c =>
        {
            Interlocked.Increment(ref ran[c]);
            if (c == 3) throw new InvalidOperationException("chunk 3");
        }));
        Assert.Equal("chunk 3", error.InnerException!.Message);
        Assert.All(ran, n => Assert.Equal(1, n));
        // The pool is usable afterwards.
        int sum = 0;
        SpinningThreadPool.For(4, c => Interlocked.Add(ref sum, c));
        Assert.Equal(6, sum);
    }

    [Fact]
    public void Nested_and_concurrent_calls_complete()
    {
        int total = 0;
        SpinningThreadPool.For(4, _ => SpinningThreadPool.For(5, _ => Interlocked.Increment(ref total)));
        Assert.Equal(20, total);

        int concurrent = 0;
        var callers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int round = 0; round < 100; round++) SpinningThreadPool.For(3, _ => Interlocked.Increment(ref concurrent));
        })).ToArray();
        foreach (var t in callers) t.Start();
        Assert.All(callers, t => Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a concurrent caller did not finish"));
        Assert.Equal(4 * 100 * 3, concurrent);
    }
}
