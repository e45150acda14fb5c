namespace Unlearning.Snapshots.Approval;

/// <summary>The helper itself, in a scratch folder: it fails on a mismatch, writes only received files.</summary>
public sealed class SnapshotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snapshot-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_matching_text_passes_whatever_the_line_endings()
    {
        var basePath = Path.Combine(_dir, "T.M");
        File.WriteAllText(basePath + ".verified.txt", "one\r\ntwo\n");
        Snapshot.VerifyAt(basePath, "one\ntwo");
    }

    [Fact]
    public void A_mismatch_fails_with_a_diff_and_never_touches_the_verified_file()
    {
        var basePath = Path.Combine(_dir, "T.M");
        File.WriteAllText(basePath + ".verified.txt", "a\nb\nc\nd");
        var e = Assert.Throws<SnapshotMismatchException>(() => Snapshot.VerifyAt(basePath, "a\nB\nc\nd\ne"));
        Assert.Contains("- b\n+ B\n", e.Message, StringComparison.Ordinal);
        Assert.Contains("+ e", e.Message, StringComparison.Ordinal);
        Assert.Equal("a\nb\nc\nd", File.ReadAllText(basePath + ".verified.txt"));
        if (Environment.GetEnvironmentVariable("CI") != "true")
        {
            Assert.Equal("a\nB\nc\nd\ne", File.ReadAllText(basePath + ".received.txt"));
        }
    }

    [Fact]
    public void A_missing_snapshot_fails_and_is_not_approved()
    {
        var basePath = Path.Combine(_dir, "T.New");
        Assert.Throws<SnapshotMismatchException>(() => Snapshot.VerifyAt(basePath, "text"));
        Assert.False(File.Exists(basePath + ".verified.txt"));
        // A second run still fails: nothing approved itself.
        Assert.Throws<SnapshotMismatchException>(() => Snapshot.VerifyAt(basePath, "text"));
    }

    [Fact]
    public void The_diff_keeps_context_and_marks_gaps()
    {
        var expected = string.Join('\n', Enumerable.Range(0, 20).Select(i => $"line {i}"));
        var actual = expected.Replace("line 10", "line ten", StringComparison.Ordinal);
        var diff = LineDiff.Render(expected, actual);
        Assert.Equal("  ...\n  line 8\n  line 9\n- line 10\n+ line ten\n  line 11\n  line 12\n  ...\n", diff);
    }
}
