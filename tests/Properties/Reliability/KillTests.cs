namespace Unlearning.Properties.Reliability;

/// <summary>
/// kill -9 of a real <c>unlearn run</c> at points spread over its life, each taken from the run's own
/// log lines or from inside a file write (the process stops itself there: StopPoints), resumed after
/// each: the folder is whole after every kill, and the final tables equal an uninterrupted run's.
/// </summary>
[Collection(RealRunCollection.Name)]
public sealed class KillTests(UninterruptedRun whole)
{
    /// <summary>In the order a run passes them; each resumed process runs on to the next one.</summary>
    public static readonly string[] Points =
    [
        "log: stage data: start",
        "data/examples.json (write-middle)",          // inside a write of the data stage
        "log: stage train-base: start",
        "model.safetensors (write-middle)",           // inside θ0's checkpoint write: half its bytes written
        "log: stage train-reference-0: start",
        "scores/scores.json (write-middle)",
        "log: stage forget/spam",                     // two unlearning targets finished, the third starting
        "examples.parquet (write-end)",               // inside a table write: written, not yet renamed into place
        "manifest.json (write-middle)",               // inside the manifest write that records the tables
        "report.md (write-middle)",                   // inside the report write
    ];

    [Fact]
    public void A_run_killed_at_ten_points_and_resumed_after_each_gives_the_tables_of_an_uninterrupted_run()
    {
        var dir = Path.Combine(whole.Root, "killed");
        var met = new List<string>();
        foreach (var point in Points)
        {
            using var run = UnlearnProcess.Start(TinyRun.Args("run", dir), stopAt: point);
            if (!run.WaitStopped())
            {
                Assert.Fail($"the run did not reach \"{point}\" (exit {run.WaitExit()}): {run.Error}");
            }

            run.Kill();
            met.Add(point);
            TinyRun.AssertWhole(dir);
        }

        Assert.Equal(Points, met);
        Assert.False(File.Exists(Path.Combine(dir, "report.md")));

        using (var last = UnlearnProcess.Start(TinyRun.Args("run", dir)))
        {
            Assert.Equal(0, last.WaitExit());
        }

        TinyRun.AssertWhole(dir);
        Assert.Equal(whole.Rows, TinyRun.Rows(dir));

        // Nothing is left over, and the manifest lists every file of the folder.
        var manifest = Unlearning.Storage.Manifest.Manifests.Read(Path.Combine(dir, "manifest.json"));
        Assert.Equal(
            Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
                .Where(f => !Host.Experiment.RunFolder.IsBookkeeping(f)).Order(StringComparer.Ordinal),
            manifest.Files.Select(f => f.Path));
        Assert.DoesNotContain(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories), f => Host.Experiment.RunFolder.IsTemporary(Path.GetRelativePath(dir, f)));
        Assert.Contains(manifest.Files, f => f.Path == "report.md");
    }
}
