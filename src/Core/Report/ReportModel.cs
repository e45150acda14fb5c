using Unlearning.Core.Plotting;
using Unlearning.Core.Statistics;

namespace Unlearning.Core.Report;

public enum Verdict
{
    Holds,
    DoesNotHold,
    Inconclusive,
}

/// <summary>Median and quartiles of the non-missing values (N of them); NaN when N = 0.</summary>
public readonly record struct Quartiles(int N, double Q1, double Median, double Q3)
{
    public static Quartiles Of(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        var (q1, median, q3) = Descriptive.Quartiles(list);
        return new Quartiles(list.Count, q1, median, q3);
    }
}

/// <summary>The run in brief, from runs.parquet and the tables' sizes.</summary>
public sealed record RunSummary(
    string RunId,
    string Status,
    string Preset,
    long Seed,
    string ConfigHash,
    long ModelParameters,
    int NLayer,
    int NEmbd,
    int NHead,
    int VocabSize,
    int ExampleTokens,
    int TrainExamples,
    int ForgetId,
    int ForgetOod,
    int PopulationSize,
    DateTime StartedAt,
    DateTime? FinishedAt,
    double? TrainSeconds,
    double? ReferenceSeconds,
    double? ForgetSeconds,
    int Threads,
    int RunRows,
    int StepRows,
    int PopulationRows);

/// <summary>
/// One source (or a pooled group: "all ID", "all OOD"). Steps to unlearn t*: Kaplan–Meier median over
/// memorized examples, censored at each example's last evaluated step; null when S(t) never reaches ½.
/// ΔU at t*, overshoot and the trade-off area ∫₀¹ ΔU dQ: over the examples that reached t*.
/// </summary>
public sealed record SourceSummary(
    string Source,
    bool IsOod,
    int Examples,
    int Memorized,
    int Unlearned,
    int Censored,
    double? MedianSteps,
    double LastStep,
    Quartiles UtilityCostAtUnlearn,
    Quartiles Overshoot,
    Quartiles TradeoffArea,
    Quartiles Memorization,
    Quartiles Difficulty);

/// <summary>
/// One test of a directional claim "the favoured group is larger than the other" (for example OOD t* &gt; ID t*).
/// <see cref="Effect"/>: A = P(favoured &gt; other) + ½P(tie) = U/(n1·n2) with its bootstrap interval;
/// A &gt; ½ points the claimed way. <see cref="Difference"/>: a difference of medians in the measure's unit
/// (favoured − other), with its bootstrap interval.
/// </summary>
public sealed record ClaimTest(
    string Id,
    string Statement,
    string Measure,
    string FavouredGroup,
    string OtherGroup,
    int NFavoured,
    int NOther,
    MannWhitneyResult? Test,
    ConfidenceInterval? Effect,
    string DifferenceLabel,
    string DifferenceUnit,
    ConfidenceInterval? Difference,
    Verdict Verdict,
    string Reason)
{
    /// <summary>raw, by_repeats or matched (SPEC §10).</summary>
    public string Analysis { get; init; } = "raw";

    /// <summary>rank or extrapolated: the exposure Δ0, quality and t* were computed on.</summary>
    public string Exposure { get; init; } = "rank";

    /// <summary>The measure as claims.parquet names it (t*, ΔU at Q = 1, ...).</summary>
    public string Part { get; init; } = "";

    /// <summary>Van Elteren's test over the strata (by_repeats, matched); <see cref="Test"/> is the raw one.</summary>
    public StratifiedResult? Stratified { get; init; }

    /// <summary>The test's A (P(favoured &gt; other) + ½P(tie), stratified when stratified) and two-sided p.</summary>
    public double? Auc => Stratified?.Auc ?? Test?.Auc;

    public double? PValue => Stratified?.PValue ?? Test?.PValue;
}

/// <summary>A claim's combined verdict under one analysis on one exposure kind.</summary>
public sealed record ClaimVerdict(int Number, string Analysis, string Exposure, Verdict Verdict, string Reason);

/// <summary>One Spearman correlation of an outcome (t*, ΔU at t*) with a factor (memorization, difficulty) in one group.</summary>
public sealed record CorrelationRow(
    string Group,
    string Outcome,
    string Factor,
    int N,
    double Rho,
    double PValue,
    double AdjustedPValue,
    ConfidenceInterval? Interval,
    string Finding);

public sealed record ClaimResult(int Number, string Text, Verdict Verdict, string Reason, IReadOnlyList<ClaimTest> Tests);

/// <summary>
/// Membership-inference ROC AUC of a source's forget examples against its population P_s, for one attack,
/// under θ0 (before), after unlearning (at t*, or the last step when censored) and under θref (the oracle).
/// Null where the tables do not carry that attack's per-example scores.
/// </summary>
public sealed record MembershipRow(string Source, string Attack, int N, double? Before, double? After, double? Reference);

/// <summary>A figure: file stem (the PNG/SVG file name without extension), caption and the chart.</summary>
public sealed record Figure(string Stem, string Caption, Chart Chart);

public sealed record ReportModel(
    RunSummary Run,
    ReportSettings Settings,
    ulong BootstrapSeed,
    IReadOnlyList<SourceSummary> Sources,
    IReadOnlyList<ClaimResult> Claims,
    IReadOnlyList<CorrelationRow> Correlations,
    IReadOnlyList<MembershipRow> Membership,
    IReadOnlyList<Figure> Figures,
    IReadOnlyList<string> Notes)
{
    /// <summary>rank or extrapolated: the exposure that drove the pipeline's quality and t* (the headline verdicts).</summary>
    public string DrivingExposure { get; init; } = "rank";

    /// <summary>Claim 3's correlations with t* and ΔU at t* computed on the other exposure kind.</summary>
    public IReadOnlyList<CorrelationRow> CorrelationsOther { get; init; } = [];

    /// <summary>Every ID-vs-OOD test: each measure raw, by repeats and matched, on both exposures (SPEC §10).</summary>
    public IReadOnlyList<ClaimTest> Tests { get; init; } = [];

    /// <summary>Claims 1 and 2 combined per analysis and exposure; claim 3 (raw) per exposure.</summary>
    public IReadOnlyList<ClaimVerdict> ClaimVerdicts { get; init; } = [];

    /// <summary>The rows of claims.parquet, from which the printed verdict lines are read too.</summary>
    public IReadOnlyList<Results.ClaimRow> ClaimRows { get; init; } = [];

    /// <summary>Δ0 against the reference noise floor and the exposure ceiling, per source and repeat level.</summary>
    public IReadOnlyList<FloorRow> Floor { get; init; } = [];

    /// <summary>With replicates: every seed's claim rows (the pooled rows are in <see cref="ClaimRows"/>, seed "pooled").</summary>
    public IReadOnlyList<ReplicateResult> Replicates { get; init; } = [];
}

/// <summary>One replicate's seed and its claim rows.</summary>
public sealed record ReplicateResult(long Seed, IReadOnlyList<Results.ClaimRow> Rows);
