using FsCheck;
using FsCheck.Fluent;

namespace Unlearning.Properties.Metrics;

/// <summary>An example's score and a population's, in bits.</summary>
public sealed record RankCase(double X, double[] P);

/// <summary>A memorized example: its exposure before unlearning, the reference's, and τ, with E0 − Eref &gt; τ.</summary>
public sealed record Memorized(double E0, double Eref, double Tau);

/// <summary>An unlearning run as the metrics see it: evaluated steps, the exposure at each, Eref and δ.</summary>
public sealed record ExposureRun(int[] Schedule, double[] Exposures, double Eref, double Delta);

/// <summary>A run with utility costs: the schedule (dense, then every 5 steps), Et, cost, Eref and τ.</summary>
public sealed record OutcomeRun(int[] Schedule, double[] Et, double[] Cost, double Eref, double Tau);

/// <summary>
/// The metric laws' values: scores on a grid of eighths (so ties happen and shifts are exact) and
/// exposures on a fine grid from 0 to 27 bits. Registered with
/// <c>[Properties(Arbitrary = new[] { typeof(MetricsArbitraries) })]</c>.
/// </summary>
public static class MetricsArbitraries
{
    public static Arbitrary<RankCase> RankCases() =>
        (from x in ExposureLaws.Scores
         from p in Gen.ArrayOf(ExposureLaws.Scores).Where(a => a.Length > 0)
         select new RankCase(x, p))
        .ToArbitrary();

    public static Arbitrary<Memorized> Memorized() =>
        (from e0 in QualityLaws.Exposures
         from eref in QualityLaws.Exposures
         from tau in Gen.Choose(0, 100).Select(i => i / 100.0)
         where e0 - eref > tau
         select new Memorized(e0, eref, tau))
        .ToArbitrary();

    public static Arbitrary<ExposureRun> ExposureRuns() =>
        (from gaps in Gen.ArrayOf(Gen.Choose(1, 7)).Where(g => g.Length > 0)
         from exposures in Gen.ArrayOf(QualityLaws.Exposures, gaps.Length)
         from eref in QualityLaws.Exposures
         from delta in Gen.Elements(0.0, 0.1, 1.0)
         select new ExposureRun(gaps.Select((_, i) => gaps.Skip(1).Take(i).Sum()).ToArray(), exposures, eref, delta))
        .ToArbitrary();

    public static Arbitrary<OutcomeRun> OutcomeRuns()
    {
        var exposed = Gen.Choose(0, 8000).Select(i => i / 1000.0);
        return (from n in Gen.Choose(1, 30)
                from et in Gen.ArrayOf(exposed, n)
                from cost in Gen.ArrayOf(Gen.Choose(0, 5000).Select(i => i / 1000.0), n)
                from eref in exposed
                from tau in Gen.Elements(0.0, 0.5, 2.0)
                select new OutcomeRun(Enumerable.Range(0, n).Select(i => i < 10 ? i : 10 + (5 * (i - 10))).ToArray(), et, cost, eref, tau))
            .ToArbitrary();
    }
}
