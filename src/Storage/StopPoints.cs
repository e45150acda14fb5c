using System.Diagnostics;
using System.Globalization;

namespace Unlearning.Storage;

/// <summary>
/// A test-only hook for the fault-injection tests (tests/Properties/Reliability, docs/reliability.md).
/// With the environment variable <see cref="Variable"/> set to a text, the process stops itself
/// (SIGSTOP) the first time it passes a point whose name contains that text: a line of the run's
/// log (<c>log: stage score: start</c>) or a moment of an atomic file write (<c>PATH (write-begin)</c>;
/// <c>PATH (write-middle)</c>, part of the bytes written; <c>PATH (write-end)</c>, all of them written
/// but not yet renamed into place). The test then kills it there (kill -9), or fills the disk and lets
/// it go on (SIGCONT). With <see cref="FailVariable"/> set instead, the first matching point throws
/// the IOException of a full disk (where a test cannot mount a small filesystem). Unset, as
/// everywhere outside those tests, a point costs one null check.
/// </summary>
public static class StopPoints
{
    public const string Variable = "UNLEARNING_TEST_STOP_AT";
    public const string FailVariable = "UNLEARNING_TEST_FAIL_AT";

    private static readonly string? Target = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } v ? v : null;
    private static readonly string? FailTarget = Environment.GetEnvironmentVariable(FailVariable) is { Length: > 0 } v ? v : null;
    private static int _fired;

    public static bool Enabled => Target is not null || FailTarget is not null;

    /// <summary>Stops the process here (once) when <see cref="Variable"/> names this point; fails here when <see cref="FailVariable"/> does.</summary>
    public static void Pass(string point)
    {
        if (FailTarget is not null && point.Contains(FailTarget, StringComparison.Ordinal) && Interlocked.Exchange(ref _fired, 1) == 0)
        {
            throw new IOException($"No space left on device (injected by {FailVariable})");
        }

        if (Target is null || !point.Contains(Target, StringComparison.Ordinal) || Interlocked.Exchange(ref _fired, 1) == 1)
        {
            return;
        }

        Console.Error.WriteLine($"stopped at {point}");
        Console.Error.Flush();
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-STOP", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
    }

    /// <summary>A stream that passes <c>write-middle: PATH</c> after its first write (only built when the hook is on).</summary>
    internal sealed class MiddleOfWrite(Stream inner, string path) : Stream
    {
        private bool _passed;

        public override bool CanRead => false;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            if (!_passed)
            {
                _passed = true;
                inner.Flush();
                Pass(path + " (write-middle)");
            }
        }
    }
}
