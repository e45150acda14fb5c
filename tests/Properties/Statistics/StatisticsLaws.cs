using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Statistics;

namespace Unlearning.Properties.Statistics;

[Properties(Arbitrary = new[] { typeof(StatisticsArbitraries) })]
public sealed class StatisticsLaws
{
    private static T Ok<T>(LanguageExt.Either<Core.Errors.InputError, T> e) => e.Match(r => r, l => throw new InvalidOperationException(l.ToString()));

    [Property]
    public bool Spearman_is_unchanged_by_strictly_increasing_transforms(PairedSample p)
    {
        var rho = Ok(Spearman.Correlate(p.X, p.Y)).Rho;
        var transformed = Ok(Spearman.Correlate(p.X.Select(v => Math.Exp(v / 10) + (v * v * v)).ToArray(), p.Y.Select(v => (3 * v) - 7).ToArray())).Rho;
        return (double.IsNaN(rho) && double.IsNaN(transformed)) || Math.Abs(rho - transformed) < 1e-12;
    }

    [Property]
    public bool Spearman_lies_in_minus_one_one_and_flips_sign_under_a_decreasing_transform(PairedSample p)
    {
        var rho = Ok(Spearman.Correlate(p.X, p.Y)).Rho;
        var flipped = Ok(Spearman.Correlate(p.X.Select(v => -v).ToArray(), p.Y)).Rho;
        return double.IsNaN(rho) || (rho >= -1 && rho <= 1 && Math.Abs(rho + flipped) < 1e-12);
    }

    [Property]
    public bool Spearman_of_a_sample_with_itself_is_one_unless_constant(PairedSample p)
    {
        var rho = Ok(Spearman.Correlate(p.X, p.X)).Rho;
        return p.X.Distinct().Count() == 1 ? double.IsNaN(rho) : Math.Abs(rho - 1) < 1e-12;
    }

    [Property]
    public bool Mann_Whitney_is_symmetric_under_swapping_the_samples(double[] x, double[] y)
    {
        var forward = Ok(MannWhitney.Test(x, y));
        var backward = Ok(MannWhitney.Test(y, x));
        return forward.U1 + forward.U2 == x.Length * (double)y.Length
            && backward.U1 == forward.U2
            && backward.U2 == forward.U1
            && Math.Abs(backward.PValue - forward.PValue) < 1e-12
            && forward.PValue >= 0 && forward.PValue <= 1;
    }

    [Property]
    public bool Mann_Whitney_U1_counts_the_pairs_where_x_exceeds_y_ties_half(double[] x, double[] y) =>
        Ok(MannWhitney.Test(x, y)).U1 == x.Sum(a => y.Sum(b => a > b ? 1.0 : a == b ? 0.5 : 0.0));

    [Property]
    public bool Mann_Whitney_of_a_sample_against_itself_has_AUC_one_half_and_p_one(double[] x)
    {
        var r = Ok(MannWhitney.Test(x, x));
        return r.Auc == 0.5 && r.PValue == 1.0;
    }

    [Property]
    public Property Mann_Whitney_is_unchanged_by_shifting_both_samples(double[] x, double[] y) =>
        Prop.ForAll(Gen.Choose(-1000, 1000).ToArbitrary(), c =>
            Ok(MannWhitney.Test(x, y)) == Ok(MannWhitney.Test(x.Select(v => v + c).ToArray(), y.Select(v => v + c).ToArray())));

    [Property]
    public Property Exact_null_distribution_sums_to_one_and_is_symmetric() =>
        Prop.ForAll(Gen.Choose(1, 8).ToArbitrary(), Gen.Choose(1, 30).ToArbitrary(), (m, n) =>
            MannWhitney.ExactSurvival(0, m, n) is var all && Math.Abs(all - 1) < 1e-12
            && Enumerable.Range(0, (m * n) + 1).All(u =>
                Math.Abs(MannWhitney.ExactSurvival(u, m, n) - (1 - MannWhitney.ExactSurvival((m * n) - u + 1, m, n))) < 1e-12));

    [Property]
    public Property Bootstrap_is_deterministic_per_seed_and_its_interval_is_ordered(double[] x, double[] y) =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var a = Ok(Bootstrap.MedianDifference(x, y, (ulong)seed, 200));
            var b = Ok(Bootstrap.MedianDifference(x, y, (ulong)seed, 200));
            return a == b && a.Lower <= a.Upper && a.Valid == 200
                && a.Estimate == Descriptive.Median(x) - Descriptive.Median(y);
        });

    [Property]
    public Property Bootstrap_of_spearman_estimates_rho_and_is_deterministic_per_seed(PairedSample p) =>
        Prop.ForAll(Gen.Choose(0, 1000).ToArbitrary(), seed =>
        {
            var a = Ok(Bootstrap.SpearmanRho(p.X, p.Y, (ulong)seed, 100));
            var rho = Ok(Spearman.Correlate(p.X, p.Y)).Rho;
            return a == Ok(Bootstrap.SpearmanRho(p.X, p.Y, (ulong)seed, 100))
                && (double.IsNaN(rho) ? double.IsNaN(a.Estimate) : a.Estimate == rho)
                && (!a.IsDefined || (a.Lower >= -1 && a.Upper <= 1 && a.Lower <= a.Upper));
        });

    [Property]
    public bool Bootstrap_interval_of_a_constant_statistic_is_that_constant(double[] x)
    {
        var ci = Ok(Bootstrap.OneSample(x, _ => 4.25, 7, 100));
        return ci.Lower == 4.25 && ci.Upper == 4.25;
    }

    [Property]
    public Property Bootstrap_interval_of_the_median_lies_within_the_sample_range(double[] x) =>
        Prop.ForAll(Gen.Choose(0, 1000).ToArbitrary(), seed =>
        {
            var ci = Ok(Bootstrap.OneSample(x, s => Descriptive.Median(s), (ulong)seed, 200));
            return ci.Lower >= x.Min() && ci.Upper <= x.Max();
        });

    [Fact]
    public void Bootstrap_with_other_seeds_differs_on_spread_data()
    {
        var x = Enumerable.Range(0, 30).Select(i => Math.Sin(i) * 10).ToArray();
        var intervals = Enumerable.Range(0, 5).Select(s => Ok(Bootstrap.OneSample(x, v => v.Average(), (ulong)s, 300))).Distinct().Count();
        Assert.True(intervals > 1, "five seeds gave one interval: the seed is not used");
    }

    [Property]
    public bool Kaplan_Meier_merge_is_associative_with_empty_as_identity((double Time, bool Censored)[] a, (double Time, bool Censored)[] b, (double Time, bool Censored)[] c)
    {
        KaplanMeier Fold(IEnumerable<(double, bool)> xs) => xs.Aggregate(KaplanMeier.Empty, (k, o) => k.Add(o.Item1, o.Item2));
        var (ka, kb, kc) = (Fold(a), Fold(b), Fold(c));
        return ka.Merge(kb).Merge(kc).Curve().SequenceEqual(ka.Merge(kb.Merge(kc)).Curve())
            && ka.Merge(KaplanMeier.Empty).Curve().SequenceEqual(ka.Curve())
            && KaplanMeier.Empty.Merge(ka).Curve().SequenceEqual(ka.Curve())
            && ka.Merge(kb).Curve().SequenceEqual(Fold(a.Concat(b)).Curve())
            && ka.Merge(kb).Curve().SequenceEqual(Fold(b.Concat(a).Reverse()).Curve());
    }

    [Property]
    public Property Kaplan_Meier_without_censoring_is_the_empirical_survival() =>
        Prop.ForAll(StatisticsArbitraries.Survival().Filter(s => s.Length > 0), s =>
        {
            var times = s.Select(o => o.Time).ToArray();
            var km = Ok(KaplanMeier.Of(times.Select(t => (t, false))));
            return km.Curve().All(step => Math.Abs(step.Survival - (times.Count(t => t > step.Time) / (double)times.Length)) < 1e-12)
                && km.Median() == times.Order().First(t => times.Count(u => u > t) <= times.Length / 2.0);
        });

    [Property]
    public bool Kaplan_Meier_median_from_a_sample_equals_the_folds_median((double Time, bool Censored)[] s)
    {
        var fold = Ok(KaplanMeier.Of(s));
        return KaplanMeier.MedianOf(s).Equals(fold.MedianOrInfinity());
    }

    [Property]
    public bool Ranks_are_one_to_n_on_distinct_values_and_sum_to_n_n_plus_1_over_2(double[] x)
    {
        var ranks = Ranks.Average(x);
        var n = x.Length;
        return Math.Abs(ranks.Sum() - (n * (n + 1) / 2.0)) < 1e-9
            && (x.Distinct().Count() < n || ranks.Order().SequenceEqual(Enumerable.Range(1, n).Select(i => (double)i)))
            && x.Zip(ranks, (v, r) => (v, r)).All(a => x.Zip(ranks, (v, r) => (v, r)).All(b => a.v < b.v ? a.r < b.r : a.v > b.v ? a.r > b.r : a.r == b.r));
    }

    [Property]
    public Property Kaplan_Meier_survival_never_increases_and_censoring_never_lowers_it() =>
        Prop.ForAll(StatisticsArbitraries.Survival().Filter(s => s.Length > 0), s =>
        {
            var km = Ok(KaplanMeier.Of(s));
            var curve = km.Curve();
            var uncensored = Ok(KaplanMeier.Of(s.Select(o => (o.Time, false))));
            return curve.Zip(curve.Skip(1), (a, b) => b.Survival <= a.Survival).All(ok => ok)
                && curve.All(step => step.Survival >= 0 && step.Survival <= 1)
                && Enumerable.Range(0, 13).All(t => km.Survival(t) >= uncensored.Survival(t) - 1e-12);
        });
}
