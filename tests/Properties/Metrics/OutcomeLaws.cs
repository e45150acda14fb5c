using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>The one-call summary of a forget example agrees with the parts it is made of.</summary>
[Properties(Arbitrary = new[] { typeof(MetricsArbitraries) })]
public sealed class OutcomeLaws
{
    [Property]
    public void The_outcome_is_made_of_quality_steps_to_unlearn_and_trade_off(OutcomeRun r)
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
    }

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
