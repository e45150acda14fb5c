using System.Diagnostics;
using Unlearning.Host;

namespace Unlearning.Properties.Reliability;

/// <summary>
/// A full disk while writing a checkpoint and a table: exit 1 naming the path and the cause, nothing
/// finished damaged, and a resume once space is freed completes with the uninterrupted run's tables.
/// The disk is a small tmpfs the test mounts (as root, where mounting works: CI); elsewhere the write
/// fails by the injected error of a full disk (UNLEARNING_TEST_FAIL_AT).
/// </summary>
[Collection(RealRunCollection.Name)]
public sealed class FullDiskTests(UninterruptedRun whole)
{
    private static bool Mount(string dir)
    {
        try
        {
            using var mount = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", dir]) { RedirectStandardError = true });
            mount!.WaitForExit();
            return mount.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static void Unmount(string dir)
    {
        using var umount = Process.Start("umount", [dir]);
        umount.WaitForExit();
    }

    /// <summary>Writes zeros until the filesystem is full.</summary>
    private static void Fill(string file)
    {
        using var s = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        var block = new byte[1 << 16];
        try
        {
            while (true)
            {
                s.Write(block);
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }

    [Theory]
    [InlineData("models/base", "model.safetensors")]
    [InlineData("", "runs.parquet")]
    public void A_full_disk_fails_the_write_naming_its_path_damages_nothing_finished_and_a_resume_completes(string folder, string file)
    {
        var disk = Path.Combine(whole.Root, "disk-" + file);
        Directory.CreateDirectory(disk);
        var tmpfs = Mount(disk);
        try
        {
            var dir = Path.Combine(disk, "run");
            var filler = Path.Combine(disk, "filler");
            int code;
            string error;
            if (tmpfs)
            {
                using var run = UnlearnProcess.Start(TinyRun.Args("run", dir), stopAt: file + " (write-begin)");
                Assert.True(run.WaitStopped(), run.Error);
                Fill(filler);
                run.Continue();
                code = run.WaitExit();
                error = run.Error;
            }
            else
            {
                using var run = UnlearnProcess.Start(TinyRun.Args("run", dir), failAt: file + " (write-end)");
                code = run.WaitExit();
                error = run.Error;
            }

            Assert.True(code == ExitCodes.RunFailed, error);
            var failed = Assert.Single(error.Split('\n'), l => l.StartsWith("unlearn run: failed: ", StringComparison.Ordinal));
            Assert.Contains(Path.Combine(dir, folder), failed, StringComparison.Ordinal);
            Assert.Contains(file + ": No space left on device", failed, StringComparison.Ordinal);
            TinyRun.AssertWhole(dir);
            Assert.False(File.Exists(Path.Combine(dir, folder, file)));

            File.Delete(filler);
            var resumed = Cli.Capture(TinyRun.Args("run", dir));
            Assert.True(resumed.Code == ExitCodes.Success, resumed.Error);
            TinyRun.AssertWhole(dir);
            Assert.Equal(whole.Rows, TinyRun.Rows(dir));
        }
        finally
        {
            if (tmpfs)
            {
                Unmount(disk);
            }
        }
    }
}
