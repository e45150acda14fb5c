namespace Unlearning.Tensors.Parallelism;

/// <summary>
/// Parallel loops over a fixed number of worker threads. Every kernel that uses these writes
/// disjoint outputs per index, or reduces over blocks whose boundaries do not depend on the thread
/// count, so results are the same for any thread count; only the GEMM's own blocking may differ.
/// </summary>
public static class ParallelLoop
{
    /// <summary>Runs <paramref name="body"/>(i) for i in [0, count) on at most <paramref name="threads"/> threads.</summary>
    public static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>
    /// Splits [0, count) into contiguous ranges of about count / (4·threads) items (at least
    /// <paramref name="grain"/>) and runs <paramref name="body"/>(start, end) on each. Use only for
    /// bodies whose result per index does not depend on the range boundaries.
    /// </summary>
    public static void ForRanges(int count, int threads, int grain, Action<int, int> body)
    {
        if (count <= 0)
        {
            return;
        }

        int chunks = threads <= 1 ? 1 : Math.Max(1, Math.Min(threads * 4, count / Math.Max(grain, 1)));
        if (chunks == 1)
        {
            body(0, count);
            return;
        }

        int size = (count + chunks - 1) / chunks;
        chunks = (count + size - 1) / size;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            int start = c * size;
            body(start, Math.Min(count, start + size));
        });
    }
}
