using System.Globalization;
using Unlearning.Core.Experiment;
using Unlearning.Core.Results;
using Unlearning.Storage.Parquet;

namespace Unlearning.Host.Experiment;

/// <summary>
/// <c>unlearn run --replicates S</c> (SPEC §10): the whole experiment once per seed, seed + k·<see cref="SeedStride"/>
/// for k = 0 … S − 1, each in its own run folder <c>seed-&lt;seed&gt;/</c> inside the run folder (so each resumes on
/// its own), then the four tables of every seed concatenated into the run folder (their <c>seed</c> column tells
/// them apart) and one report pooling the seeds.
/// </summary>
public static class ReplicateRuns
{
    /// <summary>Replicate seeds are this far apart, so that no replicate's reference seeds (seed + k, k &lt; K) meet another's.</summary>
    public const long SeedStride = 1000;

    public static ExperimentConfig Replicate(ExperimentConfig config, int k) => config with { Seed = config.Seed + (k * SeedStride) };

    public static string Folder(RunFolder root, ExperimentConfig replicate) =>
        Path.Combine(root.Root, "seed-" + replicate.Seed.ToString(CultureInfo.InvariantCulture));

    public static PipelineResult Run(
        int replicates, ExperimentConfig config, RunFolder root, Func<ExperimentConfig, RunFolder, IStageWork> work,
        IRunProgress progress, RunLog log, CancellationToken cancel, List<StageOutcome> outcomes)
    {
        var folders = new List<RunFolder>();
        for (var k = 0; k < replicates; k++)
        {
            var replicate = Replicate(config, k);
            var folder = RunFolder.Open(Folder(root, replicate), replicate);
            folder.RemoveLeftovers();
            progress.Message($"replicate {k + 1}/{replicates}: seed {replicate.Seed}, {folder.Root}");
            var own = new List<StageOutcome>();
            try
            {
                Pipeline.Execute(PipelineScope.Run, replicate, folder, work(replicate, folder), progress, log, cancel, own);
            }
            finally
            {
                outcomes.AddRange(own.Select(s => s with { Id = $"seed-{replicate.Seed}/{s.Id}" }));
            }

            folders.Add(folder);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var config0 = ConfigJson.Canonical(config);
        Concatenate<RunRow>(Tables.Runs, root, folders, config0);
        Concatenate<ExampleRow>(Tables.Examples, root, folders, config0);
        Concatenate<StepRow>(Tables.Steps, root, folders, config0);
        Concatenate<PopulationRow>(Tables.Populations, root, folders, config0);
        var (notices, claims) = ReportStage.Write(root.Root);
        foreach (var notice in notices)
        {
            progress.Message($"report: note: {notice}");
        }

        foreach (var claim in claims)
        {
            progress.Message(claim);
        }

        progress.Message($"report (pooled over {replicates} seeds): {Path.Combine(root.Root, "report.md")}");
        outcomes.Add(new StageOutcome("replicates/report", "ran", clock.Elapsed.TotalSeconds));
        return new PipelineResult("success", outcomes, null);
    }

    private static void Concatenate<TRow>(string table, RunFolder root, IReadOnlyList<RunFolder> folders, string configJson)
        where TRow : class =>
        ParquetTable<TRow>.Write(
            root.Table(table), [.. folders.SelectMany(f => ParquetTable<TRow>.ReadAll(f.Table(table)))], Tables.Metadata(table, configJson));
}
