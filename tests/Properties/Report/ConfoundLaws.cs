using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Report;
using Unlearning.Core.Results;

namespace Unlearning.Properties.Report;

/// <summary>
/// Laws of SPEC §10's confound control: an ID-vs-OOD difference made only by memorization vanishes at matched
/// memorization and within repeat levels; one that exists at equal memorization survives; swapping ID and OOD
/// reverses every directional test of every analysis on both exposures.
/// </summary>
public sealed class ConfoundLaws
{
    private static readonly ReportSettings Fast = new() { Resamples = 200 };

    private static readonly Gen<ConfoundSpec> Confounded =
        from levels in Gen.Choose(3, 4)
        from copies in Gen.Choose(4, 6)
        from decay in Gen.Choose(1, 20)
        select new ConfoundSpec { Levels = levels, Copies = copies, Decay = decay / 1000.0 };

    private static readonly Gen<SyntheticSpec> Specs =
        from idN in Gen.Choose(2, 14)
        from oodN in Gen.Choose(1, 8)
        from idBase in Gen.Choose(2, 14)
        from oodBase in Gen.Choose(2, 14)
        from budget in Gen.Choose(12, 30)
        from seed in Gen.Choose(0, 100000)
        select new SyntheticSpec { IdExamples = idN, OodPerSource = oodN, IdBaseSteps = idBase, OodBaseSteps = oodBase, StepBudget = budget, Seed = (ulong)seed };

    private static ReportModel Build(RunTables tables) =>
        Analysis.Build(tables, Fast).Match(m => m, e => throw new InvalidOperationException(e.ToString()));

    private static ClaimTest StepsTest(ReportModel m, string analysis, string exposure = "rank") =>
        m.Tests.Single(t => t.Id == "1a" && t.Analysis == analysis && t.Exposure == exposure);

    private static RunTables SwapIdAndOod(RunTables t) => t with { Examples = [.. t.Examples.Select(e => e with { IsOod = !e.IsOod })] };

    [Property(MaxTest = 20)]
    public Property A_difference_made_only_by_memorization_holds_raw_and_vanishes_at_matched_memorization() =>
        Prop.ForAll(Confounded.ToArbitrary(), spec =>
        {
            var m = Build(ConfoundedRun.Generate(spec));
            var raw = StepsTest(m, "raw");
            return raw.Verdict == Verdict.Holds
                && new[] { "matched", "by_repeats" }.SelectMany(a => new[] { StepsTest(m, a), StepsTest(m, a, "extrapolated") }).All(t =>
                    t.Verdict != Verdict.Holds && t.Stratified is { } s && Math.Abs(s.Auc - 0.5) < 1e-12 && s.PValue > 1 - 1e-9 && s.Strata == spec.Levels)
                && m.ClaimVerdicts.Single(v => v.Number == 1 && v.Analysis == "matched" && v.Exposure == "rank").Verdict != Verdict.Holds;
        });

    [Property(MaxTest = 20)]
    public Property A_difference_at_equal_memorization_survives_matching() =>
        Prop.ForAll(Confounded.ToArbitrary(), Gen.Choose(0, 5).ToArbitrary(), (spec, more) =>
        {
            var m = Build(ConfoundedRun.Generate(spec with { OodExtraSteps = spec.Copies + more }));
            return new[] { "raw", "by_repeats", "matched" }.All(a => StepsTest(m, a).Verdict == Verdict.Holds)
                && Math.Abs(StepsTest(m, "matched").Stratified!.Auc - 1.0) < 1e-12;
        });

    [Property(MaxTest = 25)]
    public Property Swapping_ID_and_OOD_reverses_every_test_of_every_analysis_on_both_exposures() =>
        Prop.ForAll(Gen.OneOf(Specs.Select(SyntheticRun.Generate), Confounded.Select(ConfoundedRun.Generate)).ToArbitrary(), tables =>
        {
            var before = Build(tables).Tests;
            var after = Build(SwapIdAndOod(tables)).Tests;
            return before.Count == after.Count && before.Zip(after).All(p =>
            {
                var (b, a) = p;
                var same = (b.Id, b.Part, b.Analysis, b.Exposure) == (a.Id, a.Part, a.Analysis, a.Exposure)
                    && b.NFavoured == a.NOther && b.NOther == a.NFavoured;
                var mirrored = b.Auc is null
                    ? a.Auc is null
                    : a.Auc is { } aa && Math.Abs(1 - b.Auc.Value - aa) < 1e-9 && Math.Abs(b.PValue!.Value - a.PValue!.Value) < 1e-9;
                var flipped = (b.Verdict != Verdict.Holds || a.Verdict == Verdict.DoesNotHold) && (a.Verdict != Verdict.Holds || b.Verdict == Verdict.DoesNotHold);
                return same && mirrored && flipped;
            });
        });

    [Property(MaxTest = 10)]
    public Property Replicates_keep_every_seeds_rows_and_pool_each_test_across_seeds() =>
        Prop.ForAll(Specs.ToArbitrary(), Gen.Choose(2, 3).ToArbitrary(), (spec, s) =>
        {
            var runs = Enumerable.Range(0, s).Select(k => SyntheticRun.Generate(spec with { Seed = spec.Seed + (ulong)(1000 * k) })).ToList();
            var combined = new RunTables([.. runs.SelectMany(r => r.Runs)], [.. runs.SelectMany(r => r.Examples)], [.. runs.SelectMany(r => r.Steps)], [.. runs.SelectMany(r => r.Populations)]);
            var pooled = Build(combined);
            var single = runs.Select(Build).ToList();
            var tests = single[0].ClaimRows.Count(r => r.Statistic is "mann_whitney" or "van_elteren");
            var pooledRows = pooled.ClaimRows.Where(r => r.Seed == Replicates.PooledSeed).ToList();
            return pooled.Replicates.Count == s
                && single.Zip(pooled.Replicates, (one, rep) => one.ClaimRows.Select(r => r with { }).SequenceEqual(rep.Rows)).All(ok => ok)
                && pooledRows.Count(r => r.Part != "all") == tests
                && pooledRows.Where(r => r.Part != "all" && r.Effect is not null).All(r =>
                    Math.Abs(r.Effect!.Value - single.Select(m => m.ClaimRows.Single(x => (x.Claim, x.Part, x.Analysis, x.Exposure) == (r.Claim, r.Part, r.Analysis, r.Exposure)).Effect)
                        .OfType<double>().Average()) < 1e-12)
                && Claims.Lines(pooled.ClaimRows).All(l => l.Contains("(pooled over seeds)", StringComparison.Ordinal));
        });

    [Property(MaxTest = 15)]
    public Property Claims_parquet_rows_carry_every_test_and_the_printed_lines_read_their_combined_rows() =>
        Prop.ForAll(Specs.ToArbitrary(), spec =>
        {
            var m = Build(SyntheticRun.Generate(spec));
            var rows = m.ClaimRows;
            var tests = rows.Where(r => r.Statistic is "mann_whitney" or "van_elteren").ToList();
            var lines = Claims.Lines(rows);
            return tests.Count == m.Tests.Count
                && tests.Zip(m.Tests, (r, t) => r.Verdict == Verdicts.Text(t.Verdict) && r.P == t.PValue).All(ok => ok)
                && lines.Count == 3
                && lines[0].StartsWith($"claim 1: {m.DrivingExposure} exposure: raw {Verdicts.Text(m.Claims[0].Verdict)}", StringComparison.Ordinal)
                && rows.All(r => r.Seed == m.Run.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
}
