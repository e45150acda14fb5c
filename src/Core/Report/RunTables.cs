using Unlearning.Core.Results;

namespace Unlearning.Core.Report;

/// <summary>The four tables of a run folder (SPEC §9), as read from its Parquet files: the report's only input.</summary>
public sealed record RunTables(
    IReadOnlyList<RunRow> Runs,
    IReadOnlyList<ExampleRow> Examples,
    IReadOnlyList<StepRow> Steps,
    IReadOnlyList<PopulationRow> Populations);

/// <summary>
/// How the report decides. <see cref="Alpha"/>: two-sided significance level. <see cref="MinimumPerGroup"/>:
/// fewer examples than this in a group makes a comparison inconclusive whatever its p-value.
/// <see cref="NegligibleAuc"/>: an effect A = P(X &gt; Y) below this is negligible (Vargha–Delaney's
/// threshold 0.56). <see cref="WeakCorrelation"/>: |ρ| below this is at most weak. <see cref="Resamples"/>:
/// bootstrap replicates; the bootstrap seed is the run's seed (runs.parquet) unless <see cref="Seed"/> is set.
/// </summary>
public sealed record ReportSettings
{
    public double Alpha { get; init; } = 0.05;

    public int MinimumPerGroup { get; init; } = 5;

    public double NegligibleAuc { get; init; } = 0.56;

    public double WeakCorrelation { get; init; } = 0.3;

    public int Resamples { get; init; } = 2000;

    public double Level { get; init; } = 0.95;

    public ulong? Seed { get; init; }

    /// <summary>Width of the quality bins of the quality/utility plot.</summary>
    public double QualityBin { get; init; } = 0.1;

    /// <summary>Largest quality shown in the quality/utility plot (larger values fall in the last bin).</summary>
    public double QualityMax { get; init; } = 1.5;

    /// <summary>The most strata of Δ0 the matched analysis cuts the memorized examples into (about 8 examples per stratum at least).</summary>
    public int MatchedStrata { get; init; } = 5;
}
