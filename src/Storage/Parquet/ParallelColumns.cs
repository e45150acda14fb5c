using System.Runtime.ExceptionServices;

namespace Unlearning.Storage.Parquet;

/// <summary>Runs one action per column on the thread pool and rethrows the first failure as itself (not an AggregateException).</summary>
internal static class ParallelColumns
{
    public static void For(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
