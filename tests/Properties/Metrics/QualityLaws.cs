using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>Quality, steps to unlearn, overshoot (SPEC §5), utility and the trade-off area (SPEC §6).</summary>
[Properties(Arbitrary = new[] { typeof(MetricsArbitraries) })]
public sealed class QualityLaws
{
    internal static readonly Gen<double> Exposures = Gen.Choose(0, 1_000_000).Select(i => i / 37_000.0);

    [Property]
    public bool Quality_at_step_0_is_0(Memorized m) =>
        Quality.At(m.E0, m.Eref, m.E0, m.Tau) == 0;

    [Property]
    public Property Quality_is_1_exactly_when_the_exposure_equals_the_references(Memorized m) =>
        Prop.ForAll(Gen.OneOf(Exposures, Gen.Constant(-1.0), Gen.Elements(-2.0, 2.0)).ToArbitrary(), et =>
        {
            // −1: Et = Eref; ±2: Et one ulp either side of Eref, where the quotient rounds to 1.
            et = et == -1 ? m.Eref : et == -2 ? Math.BitDecrement(m.Eref) : et == 2 ? Math.BitIncrement(m.Eref) : et;
            double q = Quality.At(m.E0, m.Eref, et, m.Tau)!.Value;
            return (q == 1) == (et == m.Eref) && (q > 1) == (et < m.Eref);
        });

    [Property]
    public Property Quality_is_null_exactly_when_the_excess_exposure_is_at_most_tau() =>
        Prop.ForAll(Exposures.ToArbitrary(), Exposures.ToArbitrary(), Gen.Choose(0, 300).Select(i => i / 100.0).ToArbitrary(), (e0, eref, tau) =>
            (Quality.At(e0, eref, eref, tau) is null) == (Quality.ExcessExposure(e0, eref) <= tau));

    [Property]
    public Property Quality_falls_as_exposure_rises(Memorized m) =>
        Prop.ForAll(Exposures.ToArbitrary(), Exposures.ToArbitrary(), (a, b) =>
            Quality.At(m.E0, m.Eref, Math.Min(a, b), m.Tau) >= Quality.At(m.E0, m.Eref, Math.Max(a, b), m.Tau));

    [Property]
    public void Steps_to_unlearn_is_the_first_crossing_on_the_schedule_or_censored_at_its_end(ExposureRun r)
    {
        var t = Samples.Right(StepsToUnlearn.Find(r.Schedule, r.Exposures, r.Eref, r.Delta));
        int first = Array.FindIndex(r.Exposures, e => e <= r.Eref + r.Delta);
        Assert.Equal(r.Schedule[^1], t.LastEvaluated);
        if (first < 0)
        {
            Assert.True(t.Censored && t.Step is null && t.Overshoot is null);
            return;
        }

        Assert.False(t.Censored);
        Assert.Equal(r.Schedule[first], t.Step);
        Assert.Equal(first > 0 ? r.Schedule[first - 1] : null, t.After);
        Assert.Equal(Math.Max(0, r.Eref - r.Exposures[first]), t.Overshoot);
        Assert.True(r.Exposures.Take(first).All(e => e > r.Eref + r.Delta));
    }

    [Fact]
    public void A_schedule_that_does_not_increase_is_an_error_naming_the_example()
    {
        var e = Samples.Left(StepsToUnlearn.Find([0, 2, 2], [3.0, 2, 1], 0.5, 0, "example brown-17 (source brown)"));
        Assert.Equal("example brown-17 (source brown): schedule[2]: expected strictly increasing steps ≥ 0, found 2", e.ToString());
    }

    [Property]
    public Property Utility_cost_is_the_relative_perplexity_increase_and_delta_loss_the_nll_difference() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(1, 2_000_000).Select(i => -i / 100_000.0)).Where(a => a.Length > 0).ToArbitrary(), Gen.Choose(-300, 300).ToArbitrary(), (lps, shift) =>
        {
            UtilitySum Sum(double s) => lps.Aggregate(UtilitySum.Empty, (u, lp) => UtilitySum.Add(u, Math.Min(0, lp + s), lp > -1));
            var u0 = Samples.Right(Utility.Of("brown", Sum(0)));
            var ut = Samples.Right(Utility.Of("brown", Sum(shift / 100.0)));
            double nll = lps.Average(lp => -lp);
            return Math.Abs(u0.MeanNll - nll) <= 1e-12 * (1 + nll)
                && Math.Abs(u0.Perplexity - Math.Exp(nll)) <= 1e-12 * u0.Perplexity
                && u0.Accuracy == (double)lps.Count(lp => lp > -1) / lps.Length
                && Utility.Cost(u0, u0) == 0
                && Math.Abs(Utility.Cost(u0, ut) - ((ut.Perplexity / u0.Perplexity) - 1)) <= 1e-12 * (1 + (ut.Perplexity / u0.Perplexity))
                && Utility.DeltaLoss(u0, ut) == ut.MeanNll - u0.MeanNll;
        });

    [Property]
    public Property Trade_off_area_of_a_constant_cost_is_that_cost_and_of_a_linear_cost_half_its_slope() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(1, 1000)).Where(a => a.Length > 0).ToArbitrary(), Gen.Choose(1, 500).Select(i => i / 100.0).ToArbitrary(), (increments, c) =>
        {
            // A quality path rising to at least 1; cost constant c after step 0, or c·Q.
            double total = increments.Sum();
            var q = new List<double> { 0 };
            foreach (int inc in increments)
            {
                q.Add(q[^1] + (1.2 * inc / total));
            }

            var constant = Samples.Right(TradeOff.Area(q, q.Select((x, i) => i == 0 ? 0 : c).ToArray()));
            var linear = Samples.Right(TradeOff.Area(q, q.Select(x => c * x).ToArray()));
            // The constant curve ramps linearly from (0, 0) to (Q_1, c) first: area c·(1 − Q_1/2) when
            // Q_1 ≤ 1, else the ramp cut at 1, c/(2·Q_1).
            double expected = q[1] <= 1 ? c * (1 - (q[1] / 2)) : c / (2 * q[1]);
            return constant.ReachesOne && Math.Abs(constant.Area - expected) < 1e-12 && linear.ReachesOne && Math.Abs(linear.Area - (c / 2)) < 1e-12;
        });

    [Property]
    public Property Trade_off_area_ignores_steps_that_reach_no_new_quality_and_reports_a_curve_that_stops_short() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(-200, 900).Select(i => i / 1000.0)).Where(a => a.Length > 0).ToArbitrary(), qs =>
        {
            var q = qs.Prepend(0).ToArray();
            var u = q.Select((x, i) => i * 0.01).ToArray();
            var all = Samples.Right(TradeOff.Area(q, u));
            // Keep only the records of the running maximum: the area is the same.
            var keep = Enumerable.Range(0, q.Length).Where(i => i == 0 || q[i] > q.Take(i).Max()).ToArray();
            var records = Samples.Right(TradeOff.Area(keep.Select(i => q[i]).ToArray(), keep.Select(i => u[i]).ToArray()));
            return Math.Abs(all.Area - records.Area) < 1e-12 && !all.ReachesOne && all.QualityReached == q.Max();
        });
}
