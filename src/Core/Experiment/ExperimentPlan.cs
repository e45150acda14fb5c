namespace Unlearning.Core.Experiment;

/// <summary>The kinds of work of an experiment, in the order they run.</summary>
public enum StageKind
{
    /// <summary>Fetch and read the corpora, train (or load) the tokenizer, build the example sets.</summary>
    Data,

    /// <summary>Train θ0 on D_train ∪ F_ood (with repeats).</summary>
    TrainBase,

    /// <summary>Train θref number k on D_train \ F_id.</summary>
    TrainReference,

    /// <summary>Score forget sets, populations and validation sets under θ0 and θref, once.</summary>
    Score,

    /// <summary>One unlearning run: gradient ascent from θ0 on one forget target (one example or a batch).</summary>
    Forget,

    /// <summary>Merge the per-target parts into the four Parquet tables (SPEC §9).</summary>
    Tables,

    /// <summary>The report (report.md, report.html, plots) from the tables.</summary>
    Report,
}

/// <summary>One unit of work. <see cref="Id"/> is stable across runs of one configuration: it names its output.</summary>
public sealed record Stage(StageKind Kind, string Id, IReadOnlyList<string> Examples)
{
    /// <summary>The unlearning method of a forget stage (null: unlearning.method).</summary>
    public string? Method { get; init; }

    public override string ToString() => Id;
}

/// <summary>A forget candidate as the plan sees it: its id and source.</summary>
public sealed record ForgetCandidate(string ExampleId, string Source);

/// <summary>
/// The experiment as a value: which stages exist, which depend on which, and which remain given the
/// stages already done. Pure; the shell decides what "done" means by looking at the output folder.
/// </summary>
public static class ExperimentPlan
{
    public const string DataId = "data";
    public const string TrainBaseId = "train-base";
    public const string ScoreId = "score";
    public const string TablesId = "tables";
    public const string ReportId = "report";

    public static string TrainReferenceId(int k) => $"train-reference-{k}";

    public static string ForgetId(string targetId) => $"forget/{targetId}";

    /// <summary>A forget stage's id with several methods: forget/&lt;method&gt;/&lt;target&gt;.</summary>
    public static string ForgetId(string method, string targetId) => $"forget/{method}/{targetId}";

    /// <summary>The stages that come before the forget targets are known (they need the data stage).</summary>
    public static IReadOnlyList<Stage> Preparation(ExperimentConfig c)
    {
        var stages = new List<Stage>
        {
            new(StageKind.Data, DataId, []),
            new(StageKind.TrainBase, TrainBaseId, []),
        };
        for (int k = 0; k < c.Reference.Seeds; k++)
        {
            stages.Add(new(StageKind.TrainReference, TrainReferenceId(k), []));
        }

        stages.Add(new(StageKind.Score, ScoreId, []));
        return stages;
    }

    /// <summary>
    /// The unlearning runs: every target (<see cref="Targets"/>) under every method of
    /// <see cref="UnlearningConfig.RunMethods"/>, a target's methods one after another. With one method
    /// the stage ids are forget/&lt;target&gt;; with several, forget/&lt;method&gt;/&lt;target&gt;.
    /// </summary>
    public static IReadOnlyList<Stage> ForgetTargets(ExperimentConfig c, IReadOnlyList<ForgetCandidate> candidates)
    {
        var methods = c.Unlearning.RunMethods;
        return [.. Targets(c, candidates).SelectMany(t => methods.Select(m => methods.Count == 1
            ? t with { Method = m }
            : t with { Id = ForgetId(m, t.Id["forget/".Length..]), Method = m }))];
    }

    /// <summary>
    /// The unlearning targets. single: one per example. batch: consecutive groups of target_size
    /// examples of one source (the last group of a source may be smaller). Targets alternate between
    /// sources (brown, code, spam, canary, brown, …) so that a run stopped part-way has both ID and
    /// OOD results.
    /// </summary>
    private static IReadOnlyList<Stage> Targets(ExperimentConfig c, IReadOnlyList<ForgetCandidate> candidates)
    {
        var size = c.Unlearning.Target == "batch" ? c.Unlearning.TargetSize : 1;
        var perSource = SourceNames.All
            .Select(s => candidates.Where(x => x.Source == s).Select(x => x.ExampleId).Chunk(size).ToList())
            .Concat(candidates.Select(x => x.Source).Where(s => !SourceNames.All.Contains(s)).Distinct()
                .Select(s => candidates.Where(x => x.Source == s).Select(x => x.ExampleId).Chunk(size).ToList()))
            .ToList();
        var targets = new List<Stage>();
        var longest = perSource.Count == 0 ? 0 : perSource.Max(g => g.Count);
        for (int i = 0; i < longest; i++)
        {
            foreach (var groups in perSource)
            {
                if (i < groups.Count)
                {
                    var ids = groups[i];
                    var targetId = ids.Length == 1 ? ids[0] : $"{ids[0]}+{ids.Length - 1}";
                    targets.Add(new(StageKind.Forget, ForgetId(targetId), ids));
                }
            }
        }

        return targets;
    }

    /// <summary>The whole plan: preparation, forget targets, tables, report.</summary>
    public static IReadOnlyList<Stage> Full(ExperimentConfig c, IReadOnlyList<ForgetCandidate> candidates) =>
        [.. Preparation(c), .. ForgetTargets(c, candidates), new(StageKind.Tables, TablesId, []), new(StageKind.Report, ReportId, [])];

    /// <summary>
    /// What a stage needs done before it: data ← every training; trainings ← score ← each forget
    /// target ← tables ← report. Forget targets do not depend on each other.
    /// </summary>
    public static bool DependsOn(Stage later, Stage earlier) => (later.Kind, earlier.Kind) switch
    {
        (StageKind.Data, _) => false,
        (StageKind.TrainBase or StageKind.TrainReference, StageKind.Data) => true,
        (StageKind.TrainBase or StageKind.TrainReference, _) => false,
        (StageKind.Score, StageKind.Data or StageKind.TrainBase or StageKind.TrainReference) => true,
        (StageKind.Forget, StageKind.Data or StageKind.TrainBase or StageKind.TrainReference or StageKind.Score) => true,
        (StageKind.Tables, not (StageKind.Tables or StageKind.Report)) => true,
        (StageKind.Report, not StageKind.Report) => true,
        _ => false,
    };

    /// <summary>
    /// The stages still to run, in plan order: those not done, and those done whose inputs are
    /// going to be recomputed (a stage that is redone invalidates everything that depends on it).
    /// A finished forget target stays done as long as the models and scores it came from are.
    /// </summary>
    public static IReadOnlyList<Stage> Remaining(IReadOnlyList<Stage> plan, IReadOnlySet<string> done)
    {
        var pending = new List<Stage>();
        foreach (var stage in plan)
        {
            if (!done.Contains(stage.Id) || pending.Any(p => DependsOn(stage, p)))
            {
                pending.Add(stage);
            }
        }

        return pending;
    }
}
