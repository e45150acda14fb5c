using Unlearning.Host;

namespace Unlearning.Properties.Reliability;

/// <summary>The run folder's lock: a live holder turns every other command away untouched; a killed one's lock is taken over.</summary>
[Collection(RealRunCollection.Name)]
public sealed class LockTests(UninterruptedRun whole)
{
    [Fact]
    public void A_folder_a_live_process_holds_is_refused_untouched_and_a_killed_holders_lock_is_taken_over()
    {
        var dir = Path.Combine(whole.Root, "locked");
        using var holder = UnlearnProcess.Start(TinyRun.Args("run", dir), stopAt: "log: stage score: start");
        Assert.True(holder.WaitStopped(), holder.Error);
        var before = TinyRun.Contents(dir);

        // Every command that writes into the folder: exit 3 at once, the holder named, nothing touched.
        foreach (var command in new[] { "run", "train", "forget" })
        {
            var (code, output, error) = Cli.Capture(TinyRun.Args(command, dir));
            Assert.Equal(ExitCodes.Locked, code);
            Assert.Equal("", output);
            Assert.Contains($"unlearn {command}: {dir}: lock: expected a run folder no other unlearn process is using, found it is in use by process {holder.Id} (unlearn run, since ", error, StringComparison.Ordinal);
        }

        var report = Cli.Capture("report", dir);
        Assert.Equal(ExitCodes.Locked, report.Code);
        Assert.Contains($"in use by process {holder.Id}", report.Error, StringComparison.Ordinal);
        var json = Cli.Capture([.. TinyRun.Args("run", dir), "--json"]);
        Assert.Equal(ExitCodes.Locked, json.Code);
        Assert.Contains("\"status\": \"locked\"", json.Output, StringComparison.Ordinal);
        Assert.Equal(before, TinyRun.Contents(dir));

        // kill -9: the lock file and its owner stay behind, naming a process that is gone.
        holder.Kill();
        Assert.Contains($"process {holder.Id} ", File.ReadAllText(Path.Combine(dir, Host.Experiment.RunLock.OwnerFileName)), StringComparison.Ordinal);
        var resumed = Cli.Capture(TinyRun.Args("run", dir));
        Assert.True(resumed.Code == ExitCodes.Success, resumed.Error);
        Assert.Contains($"unlearn run: took over the lock left by process {holder.Id} (unlearn run, since ", resumed.Output, StringComparison.Ordinal);
        Assert.Contains($"lock: taken over from process {holder.Id} (unlearn run, since ", File.ReadAllText(Path.Combine(dir, "log.txt")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, Host.Experiment.RunLock.OwnerFileName)));
        Assert.Equal(whole.Rows, TinyRun.Rows(dir));
    }

    [Fact]
    public void Of_two_runs_started_together_on_one_folder_one_runs_and_the_other_exits_with_the_lock_code()
    {
        var dir = Path.Combine(whole.Root, "together");
        using var first = UnlearnProcess.Start(TinyRun.Args("run", dir));
        using var second = UnlearnProcess.Start(TinyRun.Args("run", dir));
        var codes = new[] { first.WaitExit(), second.WaitExit() }.Order().ToArray();
        Assert.True(codes is [ExitCodes.Success, ExitCodes.Locked], $"{string.Join(", ", codes)}: {first.Error} {second.Error}");
        Assert.Equal(whole.Rows, TinyRun.Rows(dir));
        TinyRun.AssertWhole(dir);
    }
}
