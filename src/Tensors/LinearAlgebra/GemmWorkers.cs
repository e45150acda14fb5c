using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Unlearning.Tensors.LinearAlgebra;

/// <summary>One piece of a parallel GEMM call; part i always covers the same region of C.</summary>
internal interface IGemmParts
{
    void Run(int part);
}

/// <summary>
/// A small pool of worker threads for GEMM. <see cref="Run"/> wakes up to threads − 1 workers; the
/// caller and the workers then claim parts 0..n−1 one at a time until none is left, and the call returns
/// when every part is done. A part always covers the same region of C with the same operations, so
/// which thread runs it never changes the result; claiming (rather than assigning) parts means a
/// worker the OS has not scheduled yet (on a busy machine) costs nothing: the caller takes its part.
/// A concurrent or nested caller finds the pool busy and runs all parts itself: same result.
/// </summary>
internal static class GemmWorkers
{
    private const int MaxWorkers = 63;

    /// <summary>Claim counter value between calls: a worker waking late increments it and finds nothing.</summary>
    private const int Closed = int.MaxValue / 2;

    private static readonly Lock Gate = new();
    private static readonly List<Worker> Pool = [];
    private static readonly ManualResetEventSlim Finished = new(false, spinCount: 200);
    private static int _busy;
    private static IGemmParts? _parts;
    private static int _count;
    private static int _next = Closed;
    private static int _remaining;
    private static Exception? _failure;

    /// <summary>Runs parts 0..count−1 on the caller and up to <paramref name="threads"/> − 1 workers.</summary>
    public static void Run(IGemmParts parts, int count, int threads)
    {
        if (count <= 1 || threads <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++)
            {
                parts.Run(i);
            }

            return;
        }

        try
        {
            int helpers = Math.Min(Math.Min(count, threads) - 1, MaxWorkers);
            Ensure(helpers);

            // Publish the call, then open the claim counter last.
            _parts = parts;
            _count = count;
            _failure = null;
            Volatile.Write(ref _remaining, count);
            Finished.Reset();
            Interlocked.Exchange(ref _next, 0);
            for (int w = 0; w < helpers; w++)
            {
                Pool[w].Start.Release();
            }

            Work();

            // The caller's core has nothing else to do until the last part ends, usually within one
            // part's time: spin that long rather than sleep and pay a wake-up (30-80 µs measured on
            // this KVM guest); past it, block.
            long until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 2000);
            while (Volatile.Read(ref _remaining) != 0 && Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(16);
            }

            Finished.Wait();
            Interlocked.Exchange(ref _next, Closed);
            if (_failure is { } failure)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
        finally
        {
            _parts = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Claims and runs parts until none is left; the thread finishing the last one signals.</summary>
    private static void Work()
    {
        while (true)
        {
            int i = Interlocked.Increment(ref _next) - 1;
            if (i >= _count)
            {
                return;
            }

            try
            {
                _parts!.Run(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                if (Interlocked.Decrement(ref _remaining) == 0)
                {
                    Finished.Set();
                }
            }
        }
    }

    private static void Ensure(int helpers)
    {
        lock (Gate)
        {
            while (Pool.Count < helpers)
            {
                Pool.Add(new Worker(Pool.Count + 1));
            }
        }
    }

    private sealed class Worker
    {
        public Worker(int index)
        {
            var thread = new Thread(Loop)
            {
                IsBackground = true,
                Name = $"gemm-worker-{index}",
            };
            thread.Start();
        }

        public SemaphoreSlim Start { get; } = new(0);

        private void Loop()
        {
            while (true)
            {
                Start.Wait();
                Work();
            }
        }
    }
}
