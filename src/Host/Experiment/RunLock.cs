using System.Diagnostics;
using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Host.Experiment;

/// <summary>
/// The run folder's lock, held by the one <c>unlearn</c> process that may write there (run, train,
/// forget, report). The lock is an exclusive <c>flock</c> on <c>.lock</c>: the kernel releases it
/// when the holder ends, however it ends, so a lock left by a killed process is never in the way.
/// The holder writes who it is (pid, command, start) to <c>.lock-owner</c> and removes it when it
/// ends normally: an owner file found on taking the lock names a process that was killed (its pid
/// is gone), and the log says that its lock was taken over; a process refused the lock names the
/// holder from it. The <c>.lock</c> file itself stays (removing it could let two processes lock two
/// different files of one name).
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = ".lock";
    public const string OwnerFileName = ".lock-owner";

    private readonly FileStream _lock;
    private readonly string _owner;

    private RunLock(FileStream held, string owner, string? takenOver)
    {
        _lock = held;
        _owner = owner;
        TakenOverFrom = takenOver;
    }

    /// <summary>The owner line of a killed process whose lock this one took over, or null.</summary>
    public string? TakenOverFrom { get; }

    /// <summary>Takes the lock of <paramref name="root"/> (creating the folder), or says who holds it.</summary>
    public static Either<InputError, RunLock> Take(string root, string command)
    {
        Directory.CreateDirectory(root);
        var ownerFile = Path.Combine(root, OwnerFileName);
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(root, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException)
        {
            var holder = ReadOwner(ownerFile) ?? "another unlearn process";
            return new InputError(root, "lock", "a run folder no other unlearn process is using", $"it is in use by {holder} (wait for it to finish, or stop it)");
        }

        var stale = ReadOwner(ownerFile);
        var me = $"process {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} (unlearn {command}, since {DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)})";
        try
        {
            RunFolder.WriteAllTextAtomic(ownerFile, me + "\n");
        }
        catch (IOException)
        {
            // A full disk: the lock holds without the owner file, which only serves messages.
        }

        return new RunLock(held, ownerFile, stale);
    }

    private static string? ReadOwner(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: > 0 } s ? s : null : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether the process an owner line names is still running (for the takeover message).</summary>
    public static bool IsRunning(string owner)
    {
        var parts = owner.Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_owner);
        }
        catch (IOException)
        {
            // The lock is released below all the same; a stale owner file only names a finished process.
        }

        _lock.Dispose();
    }
}
