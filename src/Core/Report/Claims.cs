using System.Globalization;
using Unlearning.Core.Results;
using Unlearning.Core.Statistics;

namespace Unlearning.Core.Report;

/// <summary>The exposure a view of the run is computed on (SPEC §4): rank, or extrapolated from the skew-normal fit.</summary>
public enum ExposureKind
{
    Rank,
    Extrapolated,
}

/// <summary>How an ID-vs-OOD test controls the confounds of SPEC §10.</summary>
public enum ClaimAnalysis
{
    /// <summary>All memorized examples, one comparison.</summary>
    Raw,

    /// <summary>Within each repeat level (van Elteren over the levels).</summary>
    ByRepeats,

    /// <summary>Within strata of Δ0, the excess exposure (van Elteren over the strata): at matched memorization.</summary>
    Matched,
}

/// <summary>τ, δ and the exposure that drove the pipeline's t*, from runs.parquet (SPEC defaults when absent).</summary>
internal sealed record MetricSettings(ExposureKind Driving, double Tau, double Delta)
{
    public static MetricSettings Of(RunRow run) => new(
        run.QualityExposure == "extrapolated" ? ExposureKind.Extrapolated : ExposureKind.Rank, run.Tau ?? 0.5, run.Delta ?? 0.0);
}

/// <summary>
/// One forget example seen through one exposure kind: whether it is memorized (Δ0 &gt; τ), its Δ0, t* (null when
/// censored), its curve {(Q_t, ΔU_t)} in step order and the measures of claims 1b and 2 read off that curve.
/// On the exposure that drove the pipeline the values are the tables' own; on the other one they are
/// recomputed from the same rows with the same τ and δ.
/// </summary>
internal sealed record Outcome(ForgetExample Example, bool Memorized, double Excess, int? Steps, IReadOnlyList<(double Q, double U)> Curve, double? UtilityAtSteps)
{
    public bool IsOod => Example.Row.IsOod;

    public int Repeats => Example.Row.Repeats;

    public bool Unlearned => Steps is not null;

    /// <summary>t* for rank statistics: censored examples rank above every unlearned one (+∞).</summary>
    public double StepsForRanking => Steps ?? double.PositiveInfinity;

    /// <summary>(time, censored) for Kaplan–Meier: censored at the last evaluated step.</summary>
    public (double Time, bool Censored) Survival => Steps is { } s ? (s, false) : (Example.LastStep, true);

    public static Outcome Of(ForgetExample e, ExposureKind kind, MetricSettings m)
    {
        var row = e.Row;
        if (kind == m.Driving)
        {
            return new Outcome(
                e, row.Memorized, row.ExcessExposure, e.Unlearned ? row.StepsToUnlearn : null,
                [.. e.Steps.Where(s => s.Quality is not null).Select(s => (s.Quality!.Value, s.UtilityCost))],
                e.Unlearned ? row.UtilityCostAtUnlearn : null);
        }

        var (e0, eRef) = kind == ExposureKind.Rank ? (row.ExposureBase, row.ExposureRef) : (row.ExposureExtBase, row.ExposureExtRef);
        double At(StepRow s) => kind == ExposureKind.Rank ? s.Exposure : s.ExposureExt;
        var excess = e0 - eRef;
        var memorized = excess > m.Tau;
        var reached = memorized ? e.Steps.FirstOrDefault(s => At(s) <= eRef + m.Delta) : null;
        IReadOnlyList<(double, double)> curve = memorized ? [.. e.Steps.Select(s => ((e0 - At(s)) / excess, s.UtilityCost))] : [];
        return new Outcome(e, memorized, excess, reached?.Step, curve, reached?.UtilityCost);
    }

    /// <summary>
    /// ΔU at quality q (SPEC §10): linear interpolation on the first segment of the curve, in step order, where
    /// Q reaches q. +∞ when Q never reaches q (censored: reaching q would cost at least the utility already paid,
    /// so such an example ranks as the worst trade-off).
    /// </summary>
    public double UtilityAtQuality(double q)
    {
        for (var i = 0; i < Curve.Count; i++)
        {
            var (q1, u1) = Curve[i];
            if (q1 >= q)
            {
                if (i == 0)
                {
                    return u1;
                }

                var (q0, u0) = Curve[i - 1];
                return q1 == q0 ? u1 : u0 + ((u1 - u0) * (q - q0) / (q1 - q0));
            }
        }

        return double.PositiveInfinity;
    }

    /// <summary>
    /// The trade-off over the quality reached, censored examples included: the area under ΔU over Q from 0 to
    /// min(Q_max, 1) divided by that limit (<see cref="Metrics.TradeOff.Area"/>'s MeanCost, the running-maximum
    /// curve): the mean utility cost per unit of quality, so that an example stopped at Q = 0.3 is not made to
    /// look cheap by a shorter path. Null when Q never rises above 0.
    /// </summary>
    public double? MeanTradeoff =>
        Metrics.TradeOff.Area([.. Curve.Select(p => p.Q)], [.. Curve.Select(p => p.U)]).Map(a => a.MeanCost ?? double.NaN).IfLeft(double.NaN) is var v && !double.IsNaN(v)
            ? v
            : null;
}

/// <summary>A directional measure of claims 1a, 1b or 2: which group the claim says is larger, and how to read it.</summary>
internal sealed record Measure(string Claim, string Statement, string Part, bool OodFavoured, Func<Outcome, double?> Value);

/// <summary>
/// The ID-vs-OOD tests of SPEC §10: every measure of claims 1a, 1b and 2, raw, within each repeat level and at
/// matched Δ0, on rank and on extrapolated exposure; the combined verdict per claim; and the rows of claims.parquet.
/// </summary>
public static class Claims
{
    internal static readonly IReadOnlyList<Measure> Measures =
    [
        new("1a", "OOD examples take more steps to unlearn (t*) than ID examples", "t*", true, o => o.StepsForRanking),
        new("1b", "ΔU at full quality (Q = 1) is smaller for OOD than for ID", "ΔU at Q = 1", false, o => o.UtilityAtQuality(1.0)),
        new("1b", "the mean ΔU over the quality reached (trade-off area up to min(Q_max, 1)) is smaller for OOD", "trade-off area", false, o => o.MeanTradeoff),
        new("2", "utility decays faster per step when unlearning ID than OOD", "ΔU slope per step", false, o => o.Example.UtilitySlope),
        new("2", "ΔU at half quality (Q = 0.5) is larger for ID than for OOD", "ΔU at Q = 0.5", false, o => o.UtilityAtQuality(0.5)),
    ];

    internal static string Name(ClaimAnalysis a) => a switch
    {
        ClaimAnalysis.Raw => "raw",
        ClaimAnalysis.ByRepeats => "by_repeats",
        _ => "matched",
    };

    internal static string Name(ExposureKind k) => k == ExposureKind.Rank ? "rank" : "extrapolated";

    /// <summary>The words the report uses for an analysis.</summary>
    internal static string Words(ClaimAnalysis a) => a switch
    {
        ClaimAnalysis.Raw => "raw",
        ClaimAnalysis.ByRepeats => "within repeat levels",
        _ => "at matched memorization",
    };

    /// <summary>
    /// Strata of Δ0 for the matched analysis: the memorized examples of both groups ranked together by Δ0 (ties
    /// share a rank) and cut into S groups of about equal size, S = clamp(n/8, 1, <paramref name="maxStrata"/>).
    /// Pooling both groups makes the strata the same whichever group is called OOD.
    /// </summary>
    internal static int[] ExcessStrata(IReadOnlyList<Outcome> outcomes, int maxStrata)
    {
        var n = outcomes.Count;
        if (n == 0)
        {
            return [];
        }

        var s = Math.Clamp(n / 8, 1, Math.Max(1, maxStrata));
        var ranks = Ranks.Average([.. outcomes.Select(o => o.Excess)]);
        return [.. ranks.Select(r => Math.Min(s - 1, (int)Math.Floor((r - 0.5) * s / n)))];
    }

    /// <summary>Every test of every measure, analysis and exposure kind, in that order (kinds outermost).</summary>
    internal static List<ClaimTest> Tests(IReadOnlyList<ForgetExample> all, MetricSettings metrics, ReportSettings settings, ulong seed)
    {
        var tests = new List<ClaimTest>();
        var k = 0;
        foreach (var kind in new[] { metrics.Driving, Other(metrics.Driving) })
        {
            var memorized = all.Select(e => Outcome.Of(e, kind, metrics)).Where(o => o.Memorized).ToList();
            var excessStrata = ExcessStrata(memorized, settings.MatchedStrata);
            foreach (var analysis in new[] { ClaimAnalysis.Raw, ClaimAnalysis.ByRepeats, ClaimAnalysis.Matched })
            {
                foreach (var measure in Measures)
                {
                    int Stratum(int i) => analysis switch
                    {
                        ClaimAnalysis.Raw => 0,
                        ClaimAnalysis.ByRepeats => memorized[i].Repeats,
                        _ => excessStrata[i],
                    };

                    var values = memorized.Select((o, i) => (o, Stratum: Stratum(i), Value: measure.Value(o)))
                        .Where(x => x.Value is { } v && !double.IsNaN(v)).ToList();
                    var strata = values.GroupBy(x => x.Stratum).OrderBy(g => g.Key).Select(g =>
                    {
                        var ood = g.Where(x => x.o.IsOod).Select(x => x.Value!.Value).ToList();
                        var id = g.Where(x => !x.o.IsOod).Select(x => x.Value!.Value).ToList();
                        return measure.OodFavoured ? ((IReadOnlyList<double>)ood, (IReadOnlyList<double>)id) : (id, ood);
                    }).ToList();
                    var outcomes = values.Select(x => x.o).ToList();
                    tests.Add(Test(measure, analysis, kind, strata, outcomes, settings, Analysis.Stream(seed, 100 + k++)));
                }
            }
        }

        return tests;
    }

    private static ExposureKind Other(ExposureKind k) => k == ExposureKind.Rank ? ExposureKind.Extrapolated : ExposureKind.Rank;

    private static ClaimTest Test(
        Measure measure, ClaimAnalysis analysis, ExposureKind kind, IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)> strata,
        IReadOnlyList<Outcome> outcomes, ReportSettings settings, ulong seed)
    {
        var favoured = measure.OodFavoured ? "OOD" : "ID";
        var other = measure.OodFavoured ? "ID" : "OOD";
        var analysisName = Name(analysis);
        var exposure = Name(kind);
        var label = measure.Part == "t*" ? "t* (censored ranked last)" : measure.Part;
        if (analysis == ClaimAnalysis.Raw)
        {
            var x = strata.SelectMany(s => s.X).ToList();
            var y = strata.SelectMany(s => s.Y).ToList();
            MannWhitneyResult? test = x.Count > 0 && y.Count > 0 ? MannWhitney.Compute(x, y) : null;
            ConfidenceInterval? effect = test is null ? null : Bootstrap.TwoSampleUnchecked(
                x, y, (a, b) => MannWhitney.U1(a, b) / ((double)a.Count * b.Count), seed, settings.Resamples, settings.Level);
            var (verdict, reason) = Verdicts.TwoGroup(x.Count, y.Count, test, effect, settings);
            var (differenceLabel, unit, difference) = Difference(measure, x, y, outcomes, settings, seed ^ 0x5EED);
            return new ClaimTest(measure.Claim, measure.Statement, label, favoured, other, x.Count, y.Count, test, effect, differenceLabel, unit, difference, verdict, reason)
            {
                Analysis = analysisName,
                Exposure = exposure,
                Part = measure.Part,
            };
        }

        var stratified = VanElteren.Compute(strata);
        ConfidenceInterval? interval = stratified is null ? null
            : Bootstrap.StratifiedUnchecked(strata, VanElteren.Auc, seed, settings.Resamples, settings.Level);
        var nX = stratified?.N1 ?? 0;
        var nY = stratified?.N2 ?? 0;
        var (v, r) = Verdicts.TwoGroup(nX, nY, stratified?.PValue, stratified?.Auc, interval, settings);
        return new ClaimTest(measure.Claim, measure.Statement, label, favoured, other, nX, nY, null, interval, "", "", null, v, r)
        {
            Analysis = analysisName,
            Exposure = exposure,
            Part = measure.Part,
            Stratified = stratified,
        };
    }

    /// <summary>The raw test's difference in the measure's unit: Kaplan–Meier medians for t*, medians otherwise.</summary>
    private static (string Label, string Unit, ConfidenceInterval? Interval) Difference(
        Measure measure, IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<Outcome> outcomes, ReportSettings settings, ulong seed)
    {
        if (x.Count == 0 || y.Count == 0)
        {
            return ("", "", null);
        }

        if (measure.Part == "t*")
        {
            var ood = outcomes.Where(o => o.IsOod).Select(o => o.Survival).ToList();
            var id = outcomes.Where(o => !o.IsOod).Select(o => o.Survival).ToList();
            return ("Kaplan–Meier median t*, OOD − ID", "steps", Bootstrap.TwoSampleUnchecked(
                ood, id, (a, b) => KaplanMeier.MedianOf(a) - KaplanMeier.MedianOf(b), seed, settings.Resamples, settings.Level));
        }

        var unit = measure.Part == "ΔU slope per step" ? "relative per step" : "relative";
        return ($"median {measure.Part}, ID − OOD", unit, Bootstrap.TwoSampleUnchecked(
            x, y, (a, b) => Descriptive.Median(a) - Descriptive.Median(b), seed, settings.Resamples, settings.Level));
    }

    /// <summary>The combined verdict of claims 1 (1a and 1b) and 2 per analysis and exposure: every part must hold.</summary>
    internal static List<ClaimVerdict> Combined(IReadOnlyList<ClaimTest> tests)
    {
        var verdicts = new List<ClaimVerdict>();
        foreach (var group in tests.GroupBy(t => (t.Exposure, t.Analysis)))
        {
            foreach (var (number, ids) in new[] { (1, new[] { "1a", "1b" }), (2, new[] { "2" }) })
            {
                var parts = group.Where(t => ids.Contains(t.Id)).ToList();
                var verdict = Verdicts.All(parts.Select(t => t.Verdict));
                var reason = string.Join("; ", parts.Select(t => $"{t.Id} {t.Part} {Verdicts.Text(t.Verdict)}"));
                verdicts.Add(new ClaimVerdict(number, group.Key.Analysis, group.Key.Exposure, verdict, reason + ": every part must hold"));
            }
        }

        return verdicts;
    }

    /// <summary>The rows of claims.parquet: every test, every correlation, and one combined row per claim, analysis and exposure.</summary>
    public static List<ClaimRow> Rows(ReportModel m)
    {
        var seed = m.Run.Seed.ToString(CultureInfo.InvariantCulture);
        var rows = new List<ClaimRow>();
        foreach (var t in m.Tests)
        {
            var (nId, nOod) = t.FavouredGroup == "OOD" ? (t.NOther, t.NFavoured) : (t.NFavoured, t.NOther);
            rows.Add(new ClaimRow
            {
                Claim = t.Id,
                Part = t.Part,
                Analysis = t.Analysis,
                Exposure = t.Exposure,
                Statistic = t.Stratified is not null || t.Analysis != "raw" ? "van_elteren" : "mann_whitney",
                NId = nId,
                NOod = nOod,
                Effect = t.Stratified?.Auc ?? t.Test?.Auc,
                CiLow = Finite(t.Effect?.Lower),
                CiHigh = Finite(t.Effect?.Upper),
                P = t.Stratified?.PValue ?? t.Test?.PValue,
                Verdict = Verdicts.Text(t.Verdict),
                Seed = seed,
            });
        }

        var otherExposure = m.ClaimVerdicts.Select(v => v.Exposure).FirstOrDefault(e => e != m.DrivingExposure) ?? m.DrivingExposure;
        foreach (var (exposure, correlations) in new[] { (m.DrivingExposure, m.Correlations), (otherExposure, m.CorrelationsOther) })
        {
            foreach (var c in correlations)
            {
                rows.Add(new ClaimRow
                {
                    Claim = "3",
                    Part = $"{c.Outcome} ~ {c.Factor} in {c.Group}",
                    Analysis = "raw",
                    Exposure = exposure,
                    Statistic = "spearman",
                    NId = c.Group == "ID" ? c.N : 0,
                    NOod = c.Group == "OOD" ? c.N : 0,
                    Effect = Finite(c.Rho),
                    CiLow = Finite(c.Interval?.Lower),
                    CiHigh = Finite(c.Interval?.Upper),
                    P = Finite(c.AdjustedPValue),
                    Verdict = c.Finding,
                    Seed = seed,
                });
            }
        }

        foreach (var v in m.ClaimVerdicts)
        {
            var prefix = v.Number.ToString(CultureInfo.InvariantCulture);
            var parts = rows.Where(r => r.Analysis == v.Analysis && r.Exposure == v.Exposure && r.Claim.StartsWith(prefix, StringComparison.Ordinal) && r.Part != "all").ToList();
            rows.Add(new ClaimRow
            {
                Claim = prefix,
                Part = "all",
                Analysis = v.Analysis,
                Exposure = v.Exposure,
                Statistic = "all_parts",
                NId = parts.Select(r => r.NId).DefaultIfEmpty(0).Max(),
                NOod = parts.Select(r => r.NOod).DefaultIfEmpty(0).Max(),
                Verdict = Verdicts.Text(v.Verdict),
                Seed = seed,
            });
        }

        return rows;
    }

    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;

    /// <summary>
    /// The verdict lines <c>unlearn run</c> and <c>unlearn report</c> print, one per claim, read off the combined
    /// rows of claims.parquet: the driving exposure's raw, by-repeats and matched verdicts, then the other exposure's.
    /// </summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<ClaimRow> rows)
    {
        // With replicates the lines give the verdicts pooled across seeds.
        var pooled = rows.Any(r => r.Seed == Replicates.PooledSeed);
        var combined = rows.Where(r => r.Part == "all" && (!pooled || r.Seed == Replicates.PooledSeed)).ToList();
        var lines = new List<string>();
        foreach (var claim in combined.Select(r => r.Claim).Distinct())
        {
            var byExposure = combined.Where(r => r.Claim == claim).GroupBy(r => r.Exposure)
                .Select(g => $"{g.Key} exposure: " + string.Join(", ", g.Select(r => $"{AnalysisWords(r.Analysis)} {r.Verdict}")));
            lines.Add($"claim {claim}{(pooled ? " (pooled over seeds)" : "")}: {string.Join("; ", byExposure)}");
        }

        return lines;
    }

    private static string AnalysisWords(string analysis) => analysis switch
    {
        "by_repeats" => Words(ClaimAnalysis.ByRepeats),
        "matched" => Words(ClaimAnalysis.Matched),
        _ => Words(ClaimAnalysis.Raw),
    };
}

/// <summary>Δ0 against the reference models' noise floor and the exposure ceiling, per source and repeat level.</summary>
public sealed record FloorRow(
    string Source, int Repeats, int Examples, int Memorized, double? MedianExcess, double? MedianRefSd, int WithinNoise, int AtCeiling);

/// <summary>The words of the report's confounds section, from the tests.</summary>
internal static class ClaimText
{
    /// <summary>
    /// Two sentences for claim <paramref name="number"/>: its verdicts raw, within repeat levels and at matched
    /// memorization on <paramref name="exposure"/>, then what changed between raw and matched and what that means.
    /// </summary>
    public static string RawAgainstMatched(int number, string exposure, IReadOnlyList<ClaimVerdict> verdicts, IReadOnlyList<ClaimTest> tests)
    {
        Verdict V(string analysis) => verdicts.Single(v => v.Number == number && v.Exposure == exposure && v.Analysis == analysis).Verdict;
        var prefix = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var parts = tests.Where(t => t.Exposure == exposure && t.Id.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var shifts = string.Join("; ", parts.Where(t => t.Analysis == "raw").Select(raw =>
        {
            var matched = parts.Single(t => t.Analysis == "matched" && t.Id == raw.Id && t.Part == raw.Part);
            return $"{raw.Part}: A = {Format.Fixed(raw.Auc, 2)} raw, {Format.Fixed(matched.Auc, 2)} matched";
        }));
        var (raw, matched) = (V("raw"), V("matched"));
        var first = $"On {exposure} exposure claim {number} {Verdicts.Text(raw)} raw, {Verdicts.Text(V("by_repeats"))} within repeat levels "
            + $"and {Verdicts.Text(matched)} at matched memorization ({shifts}).";
        var second = (raw, matched) switch
        {
            (Verdict.Holds, not Verdict.Holds) =>
                "The raw verdict disappears once ID and OOD are compared at equal excess exposure Δ0: the raw difference is explained by how strongly the examples were memorized, not by their distribution.",
            (Verdict.Holds, Verdict.Holds) =>
                "The effect keeps its direction and significance at equal Δ0, so a difference in memorization does not explain it.",
            (not Verdict.Holds, Verdict.Holds) =>
                "Matching on Δ0 reveals an effect the raw comparison hid: memorization worked against it in the raw data.",
            _ when raw == matched =>
                "Matching on Δ0 leaves the verdict as it was; the effect sizes above say how far it moved.",
            _ =>
                "Matching on Δ0 changes the verdict without establishing the claim; the effect sizes above say how far it moved.",
        };
        return first + " " + second;
    }
}
