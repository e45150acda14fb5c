using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Report;
using Unlearning.Core.Results;
using Unlearning.Core.Statistics;

namespace Unlearning.Properties.Report;

/// <summary>Laws of the verdict logic on synthetic runs of random shape (sizes, effects, seeds).</summary>
[Properties(Arbitrary = new[] { typeof(ReportArbitraries) })]
public sealed class VerdictLaws
{
    /// <summary>Fewer resamples than a real report: the laws are about structure, not interval precision.</summary>
    private static readonly ReportSettings Fast = new() { Resamples = 200 };

    private static ReportModel Build(RunTables tables, ReportSettings? settings = null) =>
        Analysis.Build(tables, settings ?? Fast).Match(m => m, e => throw new InvalidOperationException(e.ToString()));

    private static RunTables SwapIdAndOod(RunTables t) => t with { Examples = t.Examples.Select(e => e with { IsOod = !e.IsOod }).ToList() };

    private static IEnumerable<ClaimTest> Tests(ReportModel m) => m.Claims.SelectMany(c => c.Tests);

    [Property(MaxTest = 30)]
    public void Swapping_ID_and_OOD_reverses_the_direction_of_every_directional_claim(SyntheticSpec spec)
    {
        var tables = SyntheticRun.Generate(spec);
        var before = Tests(Build(tables)).ToList();
        var after = Tests(Build(SwapIdAndOod(tables))).ToList();
        Assert.Equal(before.Select(t => t.Id), after.Select(t => t.Id));
        foreach (var (b, a) in before.Zip(after, (x, y) => (x, y)))
        {
            Assert.Equal(b.NFavoured, a.NOther);
            Assert.Equal(b.NOther, a.NFavoured);
            if (b.Test is not null)
            {
                Assert.Equal(1 - b.Test.Auc, a.Test!.Auc, 12);
                Assert.Equal(b.Test.PValue, a.Test.PValue, 12);
            }

            Assert.True(b.Verdict != Verdict.Holds || a.Verdict == Verdict.DoesNotHold, $"{b.Id}: holds, but after the swap {a.Verdict}");
            Assert.True(a.Verdict != Verdict.Holds || b.Verdict == Verdict.DoesNotHold, $"{b.Id}: {b.Verdict}, but holds after the swap");
        }
    }

    [Property(MaxTest = 20)]
    public void Swapping_ID_and_OOD_leaves_claim_3_and_its_correlations_alone(SyntheticSpec spec)
    {
        var tables = SyntheticRun.Generate(spec);
        var before = Build(tables);
        var after = Build(SwapIdAndOod(tables));
        Assert.Equal(before.Claims[2].Verdict, after.Claims[2].Verdict);
        foreach (var row in before.Correlations)
        {
            var mirrored = after.Correlations.Single(r => r.Group != row.Group && r.Outcome == row.Outcome && r.Factor == row.Factor);
            Assert.Equal(row.N, mirrored.N);
            Assert.True((double.IsNaN(row.Rho) && double.IsNaN(mirrored.Rho)) || row.Rho == mirrored.Rho);
        }
    }

    [Fact]
    public void The_clear_synthetic_run_holds_and_its_mirror_does_not()
    {
        var tables = SyntheticRun.Generate(new SyntheticSpec());
        Assert.All(Build(tables).Claims, c => Assert.Equal(Verdict.Holds, c.Verdict));
        var mirrored = Build(SwapIdAndOod(tables)).Claims;
        Assert.Equal(Verdict.DoesNotHold, mirrored[0].Verdict);
        Assert.Equal(Verdict.DoesNotHold, mirrored[1].Verdict);
        Assert.Equal(Verdict.Holds, mirrored[2].Verdict);
    }

    [Fact]
    public void Without_a_difference_between_ID_and_OOD_claims_1_and_2_do_not_hold()
    {
        // Same steps, same decay: the data give no reason for either direction.
        var spec = new SyntheticSpec { IdExamples = 30, OodPerSource = 15, IdBaseSteps = 8, OodBaseSteps = 8, IdDecay = 0.01, OodDecay = 0.01, Seed = 3 };
        var claims = Build(SyntheticRun.Generate(spec), new ReportSettings()).Claims;
        Assert.NotEqual(Verdict.Holds, claims[0].Verdict);
        Assert.NotEqual(Verdict.Holds, claims[1].Verdict);
    }

    [Property(MaxTest = 25)]
    public Property Adding_a_constant_to_every_t_star_changes_no_verdict_statistic_or_p_value(SyntheticSpec spec) =>
        Prop.ForAll(Gen.Choose(1, 50).ToArbitrary(), c =>
        {
            var tables = SyntheticRun.Generate(spec);
            var shifted = tables with { Examples = tables.Examples.Select(e => e with { StepsToUnlearn = e.StepsToUnlearn + c }).ToList() };
            var before = Build(tables);
            var after = Build(shifted);
            Assert.Equal(before.Claims.Select(x => x.Verdict), after.Claims.Select(x => x.Verdict));
            foreach (var (b, a) in Tests(before).Zip(Tests(after), (x, y) => (x, y)))
            {
                Assert.Equal(b.Test?.U1, a.Test?.U1);
                Assert.Equal(b.Test?.PValue, a.Test?.PValue);
                Assert.Equal(b.Effect, a.Effect);
            }

            Assert.Equal(before.Correlations.Select(r => (r.Rho, r.Finding)), after.Correlations.Select(r => (r.Rho, r.Finding)));
            foreach (var (b, a) in before.Sources.Zip(after.Sources, (x, y) => (x, y)).Where(p => p.x.Censored == 0 && p.x.MedianSteps is not null))
            {
                Assert.Equal(b.MedianSteps + c, a.MedianSteps);
            }

            return true;
        });

    [Property(MaxTest = 20)]
    public Property With_too_few_examples_in_a_group_the_verdicts_are_inconclusive(SyntheticSpec spec) =>
        Prop.ForAll(Gen.Choose(0, 4).ToArbitrary(), few =>
        {
            var m = Build(SyntheticRun.Generate(spec with { IdExamples = few }));
            Assert.Equal(Verdict.Inconclusive, m.Claims[0].Verdict);
            Assert.Equal(Verdict.Inconclusive, m.Claims[1].Verdict);
            Assert.All(Tests(m), t => Assert.Equal(Verdict.Inconclusive, t.Verdict));
            Assert.All(m.Correlations.Where(r => r.Group == "ID"), r => Assert.Equal("too few", r.Finding));
            return true;
        });

    [Property(MaxTest = 20)]
    public void A_strictly_increasing_transform_of_memorization_changes_no_correlation(SyntheticSpec spec)
    {
        var tables = SyntheticRun.Generate(spec);
        var transformed = tables with { Examples = tables.Examples.Select(e => e with { Memorization = Math.Exp(3 * e.Memorization) - 7 }).ToList() };
        var before = Build(tables).Correlations;
        var after = Build(transformed).Correlations;
        Assert.Equal(before.Select(r => (r.Rho, r.PValue, r.Finding)), after.Select(r => (r.Rho, r.PValue, r.Finding)));
    }

    [Property(MaxTest = 10)]
    public bool The_report_is_the_same_for_the_same_tables(SyntheticSpec spec)
    {
        var tables = SyntheticRun.Generate(spec);
        return RenderedReport.Of(Build(tables), "png").Markdown == RenderedReport.Of(Build(tables), "png").Markdown;
    }

    [Fact]
    public void Two_group_rule_follows_significance_and_direction()
    {
        var settings = new ReportSettings();
        MannWhitneyResult Test(double u1, double p) => new(u1, 100 - u1, p, PValueMethod.Asymptotic, 10, 10);
        ConfidenceInterval Effect(double lo, double hi) => new((lo + hi) / 2, lo, hi, 0.95, 2000, 2000);
        Assert.Equal(Verdict.Holds, Verdicts.TwoGroup(10, 10, Test(80, 0.01), Effect(0.6, 0.95), settings).Verdict);
        Assert.Equal(Verdict.DoesNotHold, Verdicts.TwoGroup(10, 10, Test(20, 0.01), Effect(0.05, 0.4), settings).Verdict);
        Assert.Equal(Verdict.DoesNotHold, Verdicts.TwoGroup(10, 10, Test(45, 0.7), Effect(0.3, 0.55), settings).Verdict);
        Assert.Equal(Verdict.Inconclusive, Verdicts.TwoGroup(10, 10, Test(60, 0.2), Effect(0.4, 0.8), settings).Verdict);
        Assert.Equal(Verdict.Inconclusive, Verdicts.TwoGroup(4, 10, Test(40, 0.0001), Effect(0.9, 1.0), settings).Verdict);
        Assert.Equal(Verdict.Inconclusive, Verdicts.TwoGroup(10, 10, null, null, settings).Verdict);
        Assert.Equal(Verdict.Inconclusive, Verdicts.TwoGroup(10, 10, Test(55, 0.6), Effect(0.3, 0.56), settings).Verdict);
    }

    [Property]
    public Property Holm_adjustment_never_lowers_a_p_value_and_keeps_their_order() =>
        Prop.ForAll(Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 1000).Select(v => v / 1000.0), n)).ToArbitrary(), ps =>
        {
            var adjusted = Verdicts.Holm(ps);
            var pairs = ps.Zip(adjusted, (raw, adj) => (Raw: raw, Adjusted: adj)).ToList();
            return pairs.All(p => p.Adjusted >= p.Raw && p.Adjusted <= 1)
                && pairs.All(x => pairs.All(y => x.Raw < y.Raw || x.Adjusted >= y.Adjusted))
                && Math.Abs(adjusted[Array.IndexOf(ps, ps.Min())] - Math.Min(1, ps.Length * ps.Min())) < 1e-12;
        });

    [Fact]
    public void Bad_tables_give_an_error_naming_the_table_the_field_and_the_example()
    {
        var tables = SyntheticRun.Generate(new SyntheticSpec());
        string Error(RunTables t) => Analysis.Build(t, Fast).Match(_ => "", e => e.ToString());
        Assert.Equal("runs.parquet: rows: expected one row for the run, found no rows", Error(tables with { Runs = [] }));
        var stray = tables.Steps[0] with { ExampleId = "nobody" };
        Assert.Equal("steps.parquet: example_id: expected an example of examples.parquet, found nobody (step 0)", Error(tables with { Steps = [.. tables.Steps, stray] }));
        var bad = tables.Examples.Select((e, i) => i == 3 ? e with { Memorization = double.NaN } : e).ToList();
        Assert.Equal("examples.parquet: memorization of example brown-03 (brown): expected a finite number, found NaN", Error(tables with { Examples = bad }));
        Assert.StartsWith("examples.parquet: example_id: expected each forget example once", Error(tables with { Examples = [.. tables.Examples, tables.Examples[0]] }), StringComparison.Ordinal);
    }

    [Fact]
    public void Membership_AUC_of_LOSS_follows_from_rank_exposure()
    {
        // One example with exposure log2(n+1) (below the whole population) has AUC 1; exposure 0 (rank n+1) has AUC 0.
        var tables = SyntheticRun.Generate(new SyntheticSpec());
        var n = tables.Populations.Count(p => p.Source == "brown");
        var top = tables with { Examples = tables.Examples.Select(e => e with { ExposureBase = Math.Log2(n + 1), ExposureRef = 0 }).ToList() };
        var row = Build(top).Membership.Single(r => r.Source == "brown" && r.Attack == "LOSS");
        Assert.Equal(1.0, row.Before!.Value, 12);
        Assert.Equal(0.0, row.Reference!.Value, 12);
    }

    [Fact]
    public void Without_membership_columns_only_LOSS_is_reported_with_a_note()
    {
        var tables = SyntheticRun.Generate(new SyntheticSpec());
        var bare = tables with
        {
            Steps = tables.Steps.Select(s => s with { MembershipZlib = null }).ToList(),
            Examples = tables.Examples.Select(e => e with { MembershipZlibRef = null }).ToList(),
        };
        var m = Build(bare);
        Assert.All(m.Membership, r => Assert.Equal("LOSS", r.Attack));
        Assert.Contains(m.Notes, n => n.Contains("only the LOSS attack", StringComparison.Ordinal));
    }
}
