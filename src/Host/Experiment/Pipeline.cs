using System.Diagnostics;
using System.Globalization;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;

namespace Unlearning.Host.Experiment;

/// <summary>What the stages of one command are: the work behind each <see cref="StageKind"/>.</summary>
public interface IStageWork
{
    /// <summary>The forget candidates, once the data stage is done.</summary>
    IReadOnlyList<ForgetCandidate> ForgetCandidates();

    /// <summary>Told, before any of them runs, which stages will run (for progress totals).</summary>
    void Prepare(IReadOnlyList<Stage> remaining, IRunProgress progress);

    /// <summary>Does the stage's work and writes its outputs (its marker last).</summary>
    void Run(Stage stage, IRunProgress progress, CancellationToken cancel);
}

/// <summary>Which stages a command runs.</summary>
public enum PipelineScope
{
    /// <summary><c>unlearn train</c>: data, θ0, θref.</summary>
    Train,

    /// <summary><c>unlearn forget</c>: scores, unlearning runs, tables (the models must exist).</summary>
    Forget,

    /// <summary><c>unlearn run</c>: everything, report included.</summary>
    Run,
}

/// <summary>One stage as a summary line: ran, skipped (already done), or failed.</summary>
public sealed record StageOutcome(string Id, string Action, double Seconds);

/// <summary>What a command did, for the <c>--json</c> summary and the log.</summary>
public sealed record PipelineResult(string Status, IReadOnlyList<StageOutcome> Stages, string? Error);

/// <summary>Runs the stages of a command in plan order, skipping those already done (resume).</summary>
public static class Pipeline
{
    public static bool InScope(PipelineScope scope, StageKind kind) => scope switch
    {
        PipelineScope.Train => kind is StageKind.Data or StageKind.TrainBase or StageKind.TrainReference,
        PipelineScope.Forget => kind is not StageKind.Report,
        _ => true,
    };

    /// <summary>
    /// Runs what remains. An exception from a stage propagates after the stage is listed as failed
    /// in <paramref name="outcomes"/> (when given), which then holds every stage met so far.
    /// </summary>
    public static PipelineResult Execute(
        PipelineScope scope, ExperimentConfig config, RunFolder folder, IStageWork work,
        IRunProgress progress, RunLog log, CancellationToken cancel, List<StageOutcome>? outcomes = null)
    {
        outcomes ??= [];
        var ranNow = new HashSet<string>(StringComparer.Ordinal);
        var journal = RunJournal.Open(folder, config, ExperimentWork.Versions());

        bool IsDone(Stage stage)
        {
            var check = journal.Check(stage);
            if (check.Notice is { } notice)
            {
                log.Line(notice);
                progress.Message(notice);
            }

            return check.Done;
        }

        void RunStage(Stage stage)
        {
            cancel.ThrowIfCancellationRequested();
            log.Line($"stage {stage.Id}: start");
            var clock = Stopwatch.StartNew();
            try
            {
                journal.Begin(stage);
                work.Run(stage, progress, cancel);
                journal.Record(stage);
            }
            catch
            {
                outcomes.Add(new StageOutcome(stage.Id, "failed", clock.Elapsed.TotalSeconds));
                log.Line($"stage {stage.Id}: failed after {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
                throw;
            }

            ranNow.Add(stage.Id);
            outcomes.Add(new StageOutcome(stage.Id, "ran", clock.Elapsed.TotalSeconds));
            log.Line($"stage {stage.Id}: done in {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        }

        // The data stage first: the forget targets are only known once the example sets are.
        var preparation = ExperimentPlan.Preparation(config);
        var data = preparation.Single(s => s.Kind == StageKind.Data);
        if (!IsDone(data))
        {
            RunStage(data);
        }

        var plan = ExperimentPlan.Full(config, work.ForgetCandidates());
        var done = plan.Where(s => !ranNow.Contains(s.Id) && IsDone(s)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var remaining = ExperimentPlan.Remaining(plan, done).Where(s => !ranNow.Contains(s.Id)).ToHashSet();

        if (scope == PipelineScope.Forget)
        {
            var missing = remaining.Where(s => s.Kind is StageKind.TrainBase or StageKind.TrainReference).Select(s => s.Id).ToList();
            if (missing.Count > 0)
            {
                throw new InputError(folder.Root, "models", "trained models θ0 and θref (run `unlearn train` first)", "missing: " + string.Join(", ", missing)).ToException();
            }
        }

        work.Prepare([.. plan.Where(s => InScope(scope, s.Kind) && remaining.Contains(s))], progress);
        foreach (var stage in plan.Where(s => InScope(scope, s.Kind)))
        {
            if (ranNow.Contains(stage.Id))
            {
                continue;
            }

            if (!remaining.Contains(stage))
            {
                outcomes.Add(new StageOutcome(stage.Id, "skipped", 0));
                continue;
            }

            RunStage(stage);
        }

        return new PipelineResult("success", outcomes, null);
    }
}

/// <summary>
/// The run's log.txt: one timestamped line per event, appended and flushed as it happens. A line
/// that cannot be written (a full disk) is dropped: the log never ends a run, and every line is
/// also a stop point of the fault-injection tests (<see cref="Storage.StopPoints"/>).
/// </summary>
public sealed class RunLog : IDisposable
{
    private readonly FileStream _stream;

    public RunLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1);
    }

    public void Line(string text)
    {
        var line = $"{DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {text}\n";
        try
        {
            _stream.Write(System.Text.Encoding.UTF8.GetBytes(line));
            _stream.Flush();
        }
        catch (IOException)
        {
            // A full disk: the line is lost, the run goes on (its errors reach stderr all the same).
        }

        Storage.StopPoints.Pass("log: " + text);
    }

    public void Dispose()
    {
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // Nothing is buffered (every line was flushed or dropped).
        }
    }
}
