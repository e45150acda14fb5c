using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Statistics;

/// <summary>
/// A percentile bootstrap interval: <see cref="Estimate"/> is the statistic on the data itself,
/// [<see cref="Lower"/>, <see cref="Upper"/>] the (1−level)/2 and (1+level)/2 quantiles of the
/// replicates. Replicates where the statistic is undefined (NaN) are dropped; <see cref="Valid"/>
/// counts the rest, and with none the bounds are NaN.
/// </summary>
public sealed record ConfidenceInterval(double Estimate, double Lower, double Upper, double Level, int Resamples, int Valid)
{
    public bool IsDefined => !double.IsNaN(Lower) && !double.IsNaN(Upper);

    /// <summary>True when the whole interval lies above <paramref name="value"/>.</summary>
    public bool Above(double value) => IsDefined && Lower > value;

    /// <summary>True when the whole interval lies below <paramref name="value"/>.</summary>
    public bool Below(double value) => IsDefined && Upper < value;
}

/// <summary>
/// Seeded percentile bootstrap. Resampling draws from <see cref="SplitMix64"/>, so one seed gives one
/// interval on any machine. Two-sample statistics resample each sample within itself (stratified);
/// paired statistics (a correlation) resample pairs.
/// </summary>
public static class Bootstrap
{
    public const int DefaultResamples = 2000;

    public static Either<InputError, ConfidenceInterval> OneSample<T>(
        IReadOnlyList<T> sample, Func<IReadOnlyList<T>, double> statistic, ulong seed, int resamples = DefaultResamples, double level = 0.95) =>
        from _ in CheckSettings(resamples, level)
        from __ in Samples.Require(sample.Count > 0, () => new InputError("bootstrap", "sample", "at least one value", "none"))
        select OneSampleUnchecked(sample, statistic, seed, resamples, level);

    public static Either<InputError, ConfidenceInterval> TwoSample<T>(
        IReadOnlyList<T> a, IReadOnlyList<T> b, Func<IReadOnlyList<T>, IReadOnlyList<T>, double> statistic, ulong seed,
        int resamples = DefaultResamples, double level = 0.95) =>
        from _ in CheckSettings(resamples, level)
        from x in Samples.Require(a.Count > 0, () => new InputError("bootstrap", "first sample", "at least one value", "none"))
        from y in Samples.Require(b.Count > 0, () => new InputError("bootstrap", "second sample", "at least one value", "none"))
        select TwoSampleUnchecked(a, b, statistic, seed, resamples, level);

    /// <summary>Interval of median(a) − median(b).</summary>
    public static Either<InputError, ConfidenceInterval> MedianDifference(
        IReadOnlyList<double> a, IReadOnlyList<double> b, ulong seed, int resamples = DefaultResamples, double level = 0.95) =>
        TwoSample(a, b, (x, y) => Descriptive.Median(x) - Descriptive.Median(y), seed, resamples, level);

    /// <summary>Interval of Spearman's ρ, resampling (x, y) pairs.</summary>
    public static Either<InputError, ConfidenceInterval> SpearmanRho(
        IReadOnlyList<double> x, IReadOnlyList<double> y, ulong seed, int resamples = DefaultResamples, double level = 0.95) =>
        x.Count != y.Count
            ? new InputError("bootstrap", "y", $"as many values as x ({x.Count})", $"{y.Count}")
            : OneSample<(double X, double Y)>(
                x.Zip(y, (a, b) => (a, b)).ToArray(),
                pairs => Spearman.Rho(pairs.Select(p => p.X).ToArray(), pairs.Select(p => p.Y).ToArray()),
                seed,
                resamples,
                level);

    internal static ConfidenceInterval OneSampleUnchecked<T>(
        IReadOnlyList<T> sample, Func<IReadOnlyList<T>, double> statistic, ulong seed, int resamples, double level)
    {
        var rng = new SplitMix64(seed);
        var replicates = new double[resamples];
        var buffer = new T[sample.Count];
        for (var r = 0; r < resamples; r++)
        {
            rng = Resample(sample, buffer, rng);
            replicates[r] = statistic(buffer);
        }

        return Interval(statistic(sample), replicates, level);
    }

    internal static ConfidenceInterval TwoSampleUnchecked<T>(
        IReadOnlyList<T> a, IReadOnlyList<T> b, Func<IReadOnlyList<T>, IReadOnlyList<T>, double> statistic, ulong seed, int resamples, double level)
    {
        var rng = new SplitMix64(seed);
        var replicates = new double[resamples];
        var bufferA = new T[a.Count];
        var bufferB = new T[b.Count];
        for (var r = 0; r < resamples; r++)
        {
            rng = Resample(a, bufferA, rng);
            rng = Resample(b, bufferB, rng);
            replicates[r] = statistic(bufferA, bufferB);
        }

        return Interval(statistic(a, b), replicates, level);
    }

    /// <summary>
    /// Two samples split into strata: every replicate resamples each sample within each stratum, so the
    /// strata keep their sizes (the design van Elteren's test conditions on).
    /// </summary>
    internal static ConfidenceInterval StratifiedUnchecked(
        IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)> strata,
        Func<IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)>, double> statistic, ulong seed, int resamples, double level)
    {
        var rng = new SplitMix64(seed);
        var replicates = new double[resamples];
        var buffers = strata.Select(s => (X: new double[s.X.Count], Y: new double[s.Y.Count])).ToArray();
        var view = buffers.Select(b => ((IReadOnlyList<double>)b.X, (IReadOnlyList<double>)b.Y)).ToArray();
        for (var r = 0; r < resamples; r++)
        {
            for (var k = 0; k < strata.Count; k++)
            {
                rng = Resample(strata[k].X, buffers[k].X, rng);
                rng = Resample(strata[k].Y, buffers[k].Y, rng);
            }

            replicates[r] = statistic(view);
        }

        return Interval(statistic(strata), replicates, level);
    }

    private static SplitMix64 Resample<T>(IReadOnlyList<T> sample, T[] into, SplitMix64 rng)
    {
        for (var i = 0; i < into.Length; i++)
        {
            var (index, next) = rng.NextIndex(sample.Count);
            into[i] = sample[index];
            rng = next;
        }

        return rng;
    }

    private static ConfidenceInterval Interval(double estimate, double[] replicates, double level)
    {
        var valid = replicates.Where(v => !double.IsNaN(v)).Order().ToArray();
        var alpha = 1.0 - level;
        return valid.Length == 0
            ? new ConfidenceInterval(estimate, double.NaN, double.NaN, level, replicates.Length, 0)
            : new ConfidenceInterval(
                estimate, Samples.Quantile(valid, alpha / 2), Samples.Quantile(valid, 1 - (alpha / 2)), level, replicates.Length, valid.Length);
    }

    private static Either<InputError, Unit> CheckSettings(int resamples, double level) =>
        resamples < 1
            ? new InputError("bootstrap", "resamples", "a positive count", $"{resamples}")
            : !(level > 0 && level < 1)
                ? new InputError("bootstrap", "level", "a confidence level in (0, 1)", $"{level}")
                : Unit.Default;
}
