using System.Runtime.ExceptionServices;

namespace Unlearning.Tensors.LinearAlgebra;

/// <summary>One piece of a parallel GEMM call; part i always covers the same region of C.</summary>
internal interface IGemmParts
{
    void Run(int part);
}

/// <summary>
/// A small fixed pool of worker threads for GEMM. <see cref="Run"/> runs part 0 on the caller and
/// parts 1..n-1 on workers, and returns when all are done. Which thread runs a part never changes
/// the result (each part writes its own region of C with a fixed operation order), so when the pool
/// is already in use (a concurrent or nested caller) the parts simply run one after another on the
/// caller: same result, no deadlock. Workers are background threads that block between calls.
/// </summary>
internal static class GemmWorkers
{
    private const int MaxWorkers = 63;

    private static readonly Lock Gate = new();
    private static readonly List<Worker> Pool = [];
    private static int _busy;
    private static IGemmParts? _parts;
    private static CountdownEvent? _done;
    private static Exception? _failure;

    public static void Run(IGemmParts parts, int count)
    {
        if (count <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++)
            {
                parts.Run(i);
            }

            return;
        }

        try
        {
            int helpers = Math.Min(count - 1, MaxWorkers);
            Ensure(helpers);
            _parts = parts;
            _failure = null;
            _done!.Reset(helpers);
            for (int w = 0; w < helpers; w++)
            {
                Pool[w].Start.Release();
            }

            Exception? own = null;
            try
            {
                parts.Run(0);
                for (int i = helpers + 1; i < count; i++)
                {
                    parts.Run(i);
                }
            }
            catch (Exception e)
            {
                own = e;
            }

            _done.Wait();
            var failure = own ?? _failure;
            if (failure is not null)
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

    private static void Ensure(int helpers)
    {
        lock (Gate)
        {
            _done ??= new CountdownEvent(0);
            while (Pool.Count < helpers)
            {
                Pool.Add(new Worker(Pool.Count + 1));
            }
        }
    }

    private sealed class Worker
    {
        public Worker(int part)
        {
            var thread = new Thread(() => Loop(part))
            {
                IsBackground = true,
                Name = $"gemm-worker-{part}",
            };
            thread.Start();
        }

        public SemaphoreSlim Start { get; } = new(0);

        private void Loop(int part)
        {
            while (true)
            {
                Start.Wait();
                try
                {
                    _parts!.Run(part);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                }
                finally
                {
                    _done!.Signal();
                }
            }
        }
    }
}
