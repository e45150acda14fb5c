namespace Unlearning.Storage.Parquet;

/// <summary>
/// Runs Parquet.Net's asynchronous calls to completion from our synchronous code. The call starts with
/// no synchronization context, so no continuation inside the library is posted back to a context this
/// thread is blocked on (the deadlock of sync-over-async); on the default task scheduler its
/// continuations then run on the thread pool (or inline, when the file I/O completes synchronously).
/// Under a custom scheduler the call moves to the thread pool instead. Exceptions come out unwrapped.
/// </summary>
internal static class Blocking
{
    public static T Wait<T>(Func<Task<T>> start) => Run(start).GetAwaiter().GetResult();

    public static T Wait<T>(Func<ValueTask<T>> start) => Run(() => start().AsTask()).GetAwaiter().GetResult();

    public static void Wait(Func<Task> start) => Run(async () =>
    {
        await start().ConfigureAwait(false);
        return true;
    }).GetAwaiter().GetResult();

    public static void Wait(Func<ValueTask> start) => Wait(() => start().AsTask());

    private static Task<T> Run<T>(Func<Task<T>> start)
    {
        if (TaskScheduler.Current != TaskScheduler.Default)
        {
            return Task.Run(start);
        }

        var saved = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return start();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(saved);
        }
    }
}
