using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Unlearning.Core.Results;
using Unlearning.Host.Experiment;
using Unlearning.Storage;
using Unlearning.Storage.Checkpoints;
using Unlearning.Storage.Manifest;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Reliability;

/// <summary>
/// A real <c>unlearn</c> process (the built unlearn.dll under dotnet), for the tests that kill it,
/// stop it at a named point (<see cref="StopPoints"/>) or run two at once.
/// </summary>
internal sealed class UnlearnProcess : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private UnlearnProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public string Error { get { lock (_error) { return _error.ToString(); } } }

    public static UnlearnProcess Start(IEnumerable<string> args, string? stopAt = null, string? failAt = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "unlearn.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove(StopPoints.Variable);
        start.Environment.Remove(StopPoints.FailVariable);
        if (stopAt is not null)
        {
            start.Environment[StopPoints.Variable] = stopAt;
        }

        if (failAt is not null)
        {
            start.Environment[StopPoints.FailVariable] = failAt;
        }

        var p = Process.Start(start) ?? throw new InvalidOperationException("unlearn did not start");
        var u = new UnlearnProcess(p);
        p.OutputDataReceived += (_, e) => { lock (u._output) { u._output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (u._error) { u._error.AppendLine(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return u;
    }

    /// <summary>Waits until the process stopped itself at its stop point (true) or ended (false).</summary>
    public bool WaitStopped()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
                if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('T'))
                {
                    return true;
                }
            }
            catch (IOException)
            {
                // Gone between the two checks: the next round sees it exited.
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException($"unlearn neither stopped nor ended in {Patience}: {Error}");
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGCONT: a stopped process goes on.</summary>
    public void Continue()
    {
        using var kill = Process.Start("kill", ["-CONT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public int WaitExit()
    {
        if (!_process.WaitForExit(Patience))
        {
            _process.Kill();
            throw new TimeoutException($"unlearn did not end in {Patience}: {Error}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

/// <summary>
/// The smallest configuration that still goes through every stage on the real corpora (the pinned
/// packages): quick, shrunk to one block of width 16, L = 16, 5 forget examples (2 ID, 3 OOD),
/// populations of 12 (6 canaries), 40 training steps, 8 unlearning steps. A run takes a few seconds.
/// </summary>
internal static class TinyRun
{
    public static readonly string[] Overrides =
    [
        "data.example_tokens=16", "data.vocab_size=300", "data.train_examples=96",
        "data.brown.forget=2", "data.brown.population=12", "data.brown.validation=6",
        "data.code.forget=1", "data.code.population=12", "data.code.validation=4",
        "data.spam.forget=1", "data.spam.population=12", "data.spam.validation=4",
        "data.canary.forget=1", "data.canary.population=6", "data.canary.validation=4",
        "model.n_layer=1", "model.n_embd=16", "model.n_head=2", "model.n_positions=16",
        "training.steps=40", "training.batch_size=8", "training.warmup_steps=4", "training.learning_rate=0.01",
        "unlearning.max_steps=8", "unlearning.dense_steps=4", "unlearning.eval_every=2", "unlearning.stop_margin=2",
        "evaluation.batch_size=32", "data.repeat_levels=[]",
    ];

    public static string[] Args(string command, string dir, params string[] more) =>
        [command, "--preset", "quick", .. Overrides.Concat(more).SelectMany(s => new[] { "--set", s }), "--out", dir];

    /// <summary>
    /// Every row of the four tables as text, table by table; the run's timing columns (when it
    /// started and finished, seconds per stage) blanked: they are all that may differ between two
    /// runs of one configuration.
    /// </summary>
    public static IReadOnlyList<string> Rows(string dir)
    {
        static IEnumerable<string> Of<T>(string dir, string table, Func<T, T>? blank = null)
            where T : class =>
            ParquetTable<T>.ReadAll(Path.Combine(dir, table + ".parquet")).Select(r => table + " " + JsonSerializer.Serialize(blank is null ? r : blank(r)));

        return
        [
            .. Of<RunRow>(dir, Tables.Runs, r => r with { StartedAt = default, FinishedAt = null, TrainSeconds = null, ReferenceSeconds = null, ForgetSeconds = null }),
            .. Of<ExampleRow>(dir, Tables.Examples),
            .. Of<StepRow>(dir, Tables.Steps),
            .. Of<PopulationRow>(dir, Tables.Populations),
        ];
    }

    /// <summary>
    /// What a run folder must be at any moment, a kill -9 included: every file the manifest lists is
    /// there with its size and SHA-256, and every other file of a stage is whole (it parses) or a
    /// temporary one a later start removes.
    /// </summary>
    public static void AssertWhole(string dir)
    {
        var manifestFile = Path.Combine(dir, "manifest.json");
        var listed = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(manifestFile))
        {
            var manifest = Manifests.Read(manifestFile);
            Assert.Empty(Manifests.Verify(dir, manifest));
            listed.UnionWith(manifest.Files.Select(f => f.Path));
        }

        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(dir, file).Replace('\\', '/');
            if (RunFolder.IsBookkeeping(relative) || listed.Contains(relative))
            {
                continue;
            }

            // Not listed: a file of the stage that was running, which must still be whole.
            switch (Path.GetExtension(file))
            {
                case ".json":
                    using (JsonDocument.Parse(File.ReadAllBytes(file)))
                    {
                    }

                    break;
                case ".parquet":
                    using (ParquetFileReader.Open(file))
                    {
                    }

                    break;
                case ".safetensors":
                    SafeTensors.ReadHeader(file);
                    break;
            }
        }
    }

    /// <summary>Path, size and SHA-256 of every file but the log and the lock (what "touching nothing" compares).</summary>
    public static IReadOnlyList<string> Contents(string dir) =>
    [
        .. Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(f => f is not ("log.txt" or RunLock.FileName or RunLock.OwnerFileName))
            .Order(StringComparer.Ordinal)
            .Select(f => $"{f} {Manifests.Describe(dir, f).Sha256}"),
    ];

    public static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>One uninterrupted run of <see cref="TinyRun"/> by a real process, shared by the tests that compare with it.</summary>
public sealed class UninterruptedRun : IDisposable
{
    public UninterruptedRun()
    {
        Root = Directory.CreateTempSubdirectory("unlearn-reliability-").FullName;
        Dir = Path.Combine(Root, "whole");
        using var run = UnlearnProcess.Start(TinyRun.Args("run", Dir));
        var code = run.WaitExit();
        if (code != 0)
        {
            throw new InvalidOperationException($"the uninterrupted run failed ({code}): {run.Error}");
        }

        Rows = TinyRun.Rows(Dir);
    }

    /// <summary>A temporary folder for the tests of the collection (removed at the end).</summary>
    public string Root { get; }

    public string Dir { get; }

    public IReadOnlyList<string> Rows { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class RealRunCollection : ICollectionFixture<UninterruptedRun>
{
    public const string Name = "real unlearn runs";
}
