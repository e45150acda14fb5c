using FsCheck;
using FsCheck.Fluent;

namespace Unlearning.Properties.Statistics;

/// <summary>Two samples of the same length, for rank correlations.</summary>
public sealed record PairedSample(double[] X, double[] Y);

/// <summary>
/// The statistics laws' values. A <c>double[]</c> is a sample of 1 to 25 small integers (ties are
/// common) or of 1 to 40 values spread over ±100; a <see cref="PairedSample"/> is two samples of 3 to
/// 30 integers in ±50; survival data are 0 to 30 times in 0..12, one in three censored.
/// Registered with <c>[Properties(Arbitrary = new[] { typeof(StatisticsArbitraries) })]</c>.
/// </summary>
public static class StatisticsArbitraries
{
    private static readonly Gen<double[]> Tied =
        Gen.Choose(1, 25).SelectMany(n => Gen.ArrayOf(Gen.Choose(-5, 5).Select(v => (double)v), n));

    private static readonly Gen<double[]> Spread =
        Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(-100000, 100000).Select(v => v / 1000.0), n));

    public static Arbitrary<double[]> Samples() => Gen.OneOf(Tied, Spread).ToArbitrary();

    public static Arbitrary<PairedSample> Pairs() =>
        Gen.Choose(3, 30).SelectMany(n =>
            from x in Gen.ArrayOf(Gen.Choose(-50, 50).Select(v => (double)v), n)
            from y in Gen.ArrayOf(Gen.Choose(-50, 50).Select(v => (double)v), n)
            select new PairedSample(x, y))
        .ToArbitrary();

    public static Arbitrary<(double Time, bool Censored)[]> Survival() =>
        Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(
            from t in Gen.Choose(0, 12)
            from c in Gen.Elements(false, false, true)
            select ((double)t, c), n))
        .ToArbitrary();
}
