namespace Unlearning.Core.Results;

// One record per row of each table of SPEC §9. The Parquet schema is derived from these records
// (src/Storage), so a column is added here, once, and documented in docs/tables.md.
// Nullable members are optional columns; everything else is required.

/// <summary>runs.parquet: one row per experiment run.</summary>
public sealed record RunRow
{
    public required string RunId { get; init; }
    public required string ConfigHash { get; init; }
    public required long Seed { get; init; }
    public required string Preset { get; init; }
    public required long ModelParameters { get; init; }
    public required int NLayer { get; init; }
    public required int NEmbd { get; init; }
    public required int NHead { get; init; }
    public required int VocabSize { get; init; }
    /// <summary>Example length L in tokens.</summary>
    public required int ExampleTokens { get; init; }
    public required int TrainExamples { get; init; }
    public required int ForgetId { get; init; }
    public required int ForgetOod { get; init; }
    public required int PopulationSize { get; init; }
    public required DateTime StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public double? TrainSeconds { get; init; }
    public double? ReferenceSeconds { get; init; }
    public double? ForgetSeconds { get; init; }
    public required int Threads { get; init; }
    /// <summary>The engine that trained and scored (SPEC §11): managed or torch.</summary>
    public required string Engine { get; init; }
    /// <summary>cpu or cuda.</summary>
    public required string Device { get; init; }
    /// <summary>fp32 or bf16.</summary>
    public required string Precision { get; init; }
    /// <summary>JSON object of component and package versions.</summary>
    public required string Versions { get; init; }
    public required string Status { get; init; }
    /// <summary>metrics.quality_exposure: rank or extrapolated (the exposure driving quality and t*).</summary>
    public string? QualityExposure { get; init; }
    /// <summary>τ, bits: Δ0 ≤ τ is not memorized.</summary>
    public double? Tau { get; init; }
    /// <summary>δ, bits: t* = min{t : E_t ≤ E_ref + δ}.</summary>
    public double? Delta { get; init; }
    /// <summary>K: reference models θref averaged into E_ref.</summary>
    public int? ReferenceModels { get; init; }
}

/// <summary>examples.parquet: one row per forget example.</summary>
public sealed record ExampleRow
{
    public required string ExampleId { get; init; }
    public required string Source { get; init; }
    public required bool IsOod { get; init; }
    public required int Repeats { get; init; }
    public required int[] Tokens { get; init; }
    public required string Text { get; init; }
    /// <summary>s_θ0(x), bits.</summary>
    public required double BitsBase { get; init; }
    /// <summary>s_θref(x), bits.</summary>
    public required double BitsRef { get; init; }
    /// <summary>Rank exposure under θ0, bits.</summary>
    public required double ExposureBase { get; init; }
    /// <summary>Rank exposure under θref, bits.</summary>
    public required double ExposureRef { get; init; }
    public required double ExposureExtBase { get; init; }
    public required double ExposureExtRef { get; init; }
    /// <summary>Δ0 = E0 − Eref (the exposure driving quality), bits.</summary>
    public required double ExcessExposure { get; init; }
    public required bool Memorized { get; init; }
    /// <summary>(s_θref − s_θ0)/L, bits per token.</summary>
    public required double Memorization { get; init; }
    /// <summary>s_θref/L, bits per token.</summary>
    public required double Difficulty { get; init; }
    /// <summary>Percentile of s_θref(x) within P_s under θref, in [0, 100].</summary>
    public required double DifficultyPercentile { get; init; }
    public int? StepsToUnlearn { get; init; }
    public required bool Censored { get; init; }
    public double? UtilityCostAtUnlearn { get; init; }
    public double? Overshoot { get; init; }
    public required string Status { get; init; }

    /// <summary>Sample standard deviation of the rank exposure over the K reference models, bits (null when K = 1).</summary>
    public double? ExposureRefSd { get; init; }

    /// <summary>E0 (rank) within 0.5 bit of its ceiling log2(n + 1): rank exposure saturates there (SPEC §4).</summary>
    public bool AtCeiling { get; init; }

    /// <summary>The seed of the replicate this row belongs to (runs.parquet's seed).</summary>
    public long Seed { get; init; }

    // Membership inference under θref (the oracle's level), per attack: the per-example AUC defined on
    // StepRow.MembershipZlib. Null when not computed. (The LOSS attack needs no column: it follows from
    // ExposureRef.)

    /// <summary>zlib-ratio attack: per-example AUC of x against P_s under θref, in [0, 1].</summary>
    public double? MembershipZlibRef { get; init; }

    /// <summary>Min-K% attack: per-example AUC of x against P_s under θref, in [0, 1].</summary>
    public double? MembershipMinKRef { get; init; }

    /// <summary>Min-K%++ attack: per-example AUC of x against P_s under θref, in [0, 1].</summary>
    public double? MembershipMinKPlusPlusRef { get; init; }
}

/// <summary>steps.parquet: one row per (forget example, evaluated step).</summary>
public sealed record StepRow
{
    public required string ExampleId { get; init; }
    public required int Step { get; init; }
    public required double Bits { get; init; }
    public required double Exposure { get; init; }
    public required double ExposureExt { get; init; }
    public double? Quality { get; init; }
    /// <summary>ΔU_t = ppl_t/ppl_0 − 1 on V_id.</summary>
    public required double UtilityCost { get; init; }
    /// <summary>Mean NLL on V_id minus its value at step 0, nats/token.</summary>
    public required double DeltaLoss { get; init; }
    public required double LossId { get; init; }
    public required double PerplexityId { get; init; }
    public required double AccuracyId { get; init; }
    public double? LossCode { get; init; }
    public double? PerplexityCode { get; init; }
    public double? AccuracyCode { get; init; }
    public double? LossSpam { get; init; }
    public double? PerplexitySpam { get; init; }
    public double? AccuracySpam { get; init; }
    public double? LossCanary { get; init; }
    public double? PerplexityCanary { get; init; }
    public double? AccuracyCanary { get; init; }
    /// <summary>‖∇J‖ before clipping at this step (null at step 0).</summary>
    public double? GradNorm { get; init; }
    /// <summary>‖θt − θ0‖₂.</summary>
    public required double Drift { get; init; }

    /// <summary>The seed of the replicate this row belongs to (runs.parquet's seed).</summary>
    public long Seed { get; init; }

    // Membership inference under θt, per attack (scores as in src/Core/Metrics): the per-example AUC of x
    // against its population P_s scored under the same θt, = the fraction of P_s the attack ranks as less
    // likely a member than x, ties counting ½. The mean over a source's forget examples is the ROC AUC of
    // forget against population; at step 0 it is the attack on θ0. Null when not computed. The LOSS attack
    // needs no column: its per-example AUC is (n + 1 − rank)/n with rank = (n + 1)·2^(−Exposure).

    /// <summary>zlib-ratio attack: per-example AUC of x against P_s under θt, in [0, 1].</summary>
    public double? MembershipZlib { get; init; }

    /// <summary>Min-K% attack: per-example AUC of x against P_s under θt, in [0, 1].</summary>
    public double? MembershipMinK { get; init; }

    /// <summary>Min-K%++ attack: per-example AUC of x against P_s under θt, in [0, 1].</summary>
    public double? MembershipMinKPlusPlus { get; init; }
}

/// <summary>populations.parquet: one row per population example.</summary>
public sealed record PopulationRow
{
    public required string Source { get; init; }
    public required string ExampleId { get; init; }
    public required int[] Tokens { get; init; }
    public required double BitsBase { get; init; }
    public required double BitsRef { get; init; }

    /// <summary>The seed of the replicate this row belongs to (runs.parquet's seed).</summary>
    public long Seed { get; init; }
}

/// <summary>
/// claims.parquet: one row per test of a claim of the paper (SPEC §10), and one row per claim and analysis
/// with the combined verdict (part "all"), so scripts read verdicts without parsing the report.
/// </summary>
public sealed record ClaimRow
{
    /// <summary>1a, 1b, 2 (directional ID-vs-OOD claims), 3 (correlations), or 1 / 2 / 3 on a combined row.</summary>
    public required string Claim { get; init; }
    /// <summary>The measure tested (t*, ΔU at Q = 1, ...), or "all" for the claim's combined verdict.</summary>
    public required string Part { get; init; }
    /// <summary>raw, by_repeats (within each repeat level) or matched (within strata of Δ0).</summary>
    public required string Analysis { get; init; }
    /// <summary>rank or extrapolated: the exposure Δ0, quality and t* are computed on.</summary>
    public required string Exposure { get; init; }
    /// <summary>mann_whitney, van_elteren, spearman, or all_parts (a combined row).</summary>
    public required string Statistic { get; init; }
    public required int NId { get; init; }
    public required int NOod { get; init; }
    /// <summary>A = P(favoured &gt; other) + ½P(tie) (ID-vs-OOD tests), ρ (correlations); null when not computed.</summary>
    public double? Effect { get; init; }
    public double? CiLow { get; init; }
    public double? CiHigh { get; init; }
    /// <summary>Two-sided p (Holm-adjusted for correlations).</summary>
    public double? P { get; init; }
    /// <summary>holds, does not hold, inconclusive (a correlation row: its finding).</summary>
    public required string Verdict { get; init; }
    /// <summary>The run's seed, or "pooled" for a row pooled over replicates.</summary>
    public required string Seed { get; init; }
}
