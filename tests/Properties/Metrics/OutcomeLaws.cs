using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>The one-call summary of a forget example agrees with the parts it is made of.</summary>
public sealed class OutcomeLaws
{
    private static readonly Gen<double> Exposed = Gen.Choose(0, 8000).Select(i => i / 1000.0);

    private static readonly Gen<(int[] Schedule, double[] Et, double[] Cost, double Eref, double Tau)> Runs =
        from n in Gen.Choose(1, 30)
        from et in Gen.ArrayOf(Exposed, n)
        from cost in Gen.ArrayOf(Gen.Choose(0, 5000).Select(i => i / 1000.0), n)
        from eref in Exposed
        from tau in Gen.Elements(0.0, 0.5, 2.0)
        select (Enumerable.Range(0, n).Select(i => i < 10 ? i : 10 + (5 * (i - 10))).ToArray(), et, cost, eref, tau);

    [Property]
    public Property The_outcome_is_made_of_quality_steps_to_unlearn_and_trade_off() =>
        Prop.ForAll(Runs.ToArbitrary(), r =>
        {
            double e0 = r.Et[0];
            var o = Samples.Right(ForgetOutcome.Of("f", e0, r.Eref, r.Tau, 0, r.Schedule, r.Et, r.Cost));
            var time = Samples.Right(StepsToUnlearn.Find(r.Schedule, r.Et, r.Eref, 0));
            Assert.Equal(time, o.Time);
            Assert.Equal(e0 - r.Eref, o.ExcessExposure);
            Assert.Equal(Quality.IsMemorized(e0, r.Eref, r.Tau), o.Memorized);
            Assert.Equal(r.Et.Select(et => Quality.At(e0, r.Eref, et, r.Tau)).ToArray(), o.Quality);
            Assert.Equal(time.Step is int s ? r.Cost[Array.IndexOf(r.Schedule, s)] : (double?)null, o.UtilityCostAtUnlearn);
            Assert.Equal(o.Memorized, o.TradeOff is not null);
            if (o.Memorized)
            {
                Assert.Equal(0, o.Quality[0]);
                Assert.Equal(Samples.Right(TradeOff.Area(o.Quality.Select(q => q!.Value).ToArray(), r.Cost)), o.TradeOff);
            }
        });

    [Fact]
    public void Both_exposures_come_from_their_own_functions()
    {
        var population = Samples.PopulationOf("spam", Samples.SkewNormal(new Random(9), 256, 300, 40, 2));
        var fit = Samples.Right(SkewNormal.Fit(population));
        foreach (double bits in new[] { 150.0, 280, 300, 420 })
        {
            var x = new ExampleScore("s", "spam", bits);
            var both = Samples.Right(Exposures.Of(x, population, fit));
            Assert.Equal(Samples.Right(Exposure.Rank(x, population)), both.Driving(ExposureKind.Rank));
            Assert.Equal(Samples.Right(Exposure.Extrapolated(x, fit)), both.Driving(ExposureKind.Extrapolated));
        }
    }
}
