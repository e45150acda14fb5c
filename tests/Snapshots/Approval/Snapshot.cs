using System.Runtime.CompilerServices;
using System.Text;

namespace Unlearning.Snapshots.Approval;

/// <summary>
/// Approved-output tests in Verify's convention (Verify is not available here). The approved text
/// lives beside the test as <c>Class.Method.verified.txt</c>. On a mismatch or a missing file the
/// actual text is written to <c>Class.Method.received.txt</c> and the test fails with a line diff.
/// Nothing is ever approved automatically: a person reviews the received file and renames it.
/// With <c>CI=true</c> no file is written beside the sources at all.
/// </summary>
public static class Snapshot
{
    public static void Verify(
        string actual,
        string? suffix = null,
        [CallerFilePath] string sourceFile = "",
        [CallerMemberName] string member = "")
    {
        var directory = Path.GetDirectoryName(sourceFile) ?? ".";
        var name = Path.GetFileNameWithoutExtension(sourceFile) + "." + member + (suffix is null ? "" : "." + suffix);
        VerifyAt(Path.Combine(directory, name), actual);
    }

    /// <summary>Compares <paramref name="actual"/> with <c>{basePath}.verified.txt</c>.</summary>
    public static void VerifyAt(string basePath, string actual)
    {
        var verifiedPath = basePath + ".verified.txt";
        var receivedPath = basePath + ".received.txt";
        var received = Normalize(actual);
        var inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

        if (!File.Exists(verifiedPath))
        {
            WriteReceived(receivedPath, received, inCi);
            throw new SnapshotMismatchException(
                $"No approved snapshot {Path.GetFileName(verifiedPath)}."
                + (inCi ? " (CI: nothing written.)" : $" Review {receivedPath} and rename it to .verified.txt to approve it."));
        }

        var verified = Normalize(File.ReadAllText(verifiedPath));
        if (verified == received)
        {
            if (!inCi && File.Exists(receivedPath))
            {
                File.Delete(receivedPath);
            }

            return;
        }

        WriteReceived(receivedPath, received, inCi);
        throw new SnapshotMismatchException(
            $"Snapshot {Path.GetFileName(verifiedPath)} differs (- approved, + received):{Environment.NewLine}"
            + LineDiff.Render(verified, received)
            + (inCi ? "" : $"{Environment.NewLine}Received text written to {receivedPath}."));
    }

    private static void WriteReceived(string path, string text, bool inCi)
    {
        if (!inCi)
        {
            File.WriteAllText(path, text, new UTF8Encoding(false));
        }
    }

    /// <summary>Line endings become \n and a single trailing newline is dropped, so editors cannot cause a diff.</summary>
    internal static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
}

public sealed class SnapshotMismatchException(string message) : Exception(message);
