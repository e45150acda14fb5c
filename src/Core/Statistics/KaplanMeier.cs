using System.Collections.Immutable;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Statistics;

/// <summary>One event time of the Kaplan–Meier curve: S(t) after the events at t.</summary>
public sealed record SurvivalStep(double Time, int AtRisk, int Events, int Censored, double Survival);

/// <summary>
/// The Kaplan–Meier estimator for right-censored times (here: unlearning steps, censored when t* was
/// not reached by the step budget) as a fold: <see cref="Empty"/>, <see cref="Add"/>, <see cref="Merge"/>.
/// The accumulator holds, per distinct time, the number of events and of censorings; integer counts,
/// so merging is exact and the order of additions cannot matter.
/// S(t) = Π_{t_i ≤ t} (1 − d_i/n_i), with n_i the number still at risk at t_i (time ≥ t_i; a time
/// censored at t_i counts as at risk at t_i, the usual convention that events come first).
/// </summary>
public sealed class KaplanMeier
{
    private readonly ImmutableSortedDictionary<double, (int Events, int Censored)> _counts;

    private KaplanMeier(ImmutableSortedDictionary<double, (int Events, int Censored)> counts) => _counts = counts;

    public static KaplanMeier Empty { get; } = new(ImmutableSortedDictionary<double, (int Events, int Censored)>.Empty);

    public int Count => _counts.Values.Sum(c => c.Events + c.Censored);

    public int Events => _counts.Values.Sum(c => c.Events);

    /// <summary>The largest time seen, event or censoring; NaN when empty.</summary>
    public double LastTime => _counts.IsEmpty ? double.NaN : _counts.Keys.Last();

    /// <summary>Builds the estimator from (time, censored) pairs; times must be finite and ≥ 0.</summary>
    public static Either<InputError, KaplanMeier> Of(IEnumerable<(double Time, bool Censored)> observations)
    {
        var km = Empty;
        var i = 0;
        foreach (var (time, censored) in observations)
        {
            if (!double.IsFinite(time) || time < 0)
            {
                return new InputError("Kaplan–Meier", $"time[{i}]", "a finite time ≥ 0", $"{time}");
            }

            km = km.Add(time, censored);
            i++;
        }

        return km;
    }

    /// <summary>Adds one observation. Precondition: <paramref name="time"/> finite and ≥ 0 (<see cref="Of"/> checks it).</summary>
    public KaplanMeier Add(double time, bool censored)
    {
        if (!double.IsFinite(time) || time < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "a finite time ≥ 0");
        }

        var (events, cens) = _counts.TryGetValue(time, out var c) ? c : (0, 0);
        return new KaplanMeier(_counts.SetItem(time, censored ? (events, cens + 1) : (events + 1, cens)));
    }

    public KaplanMeier Merge(KaplanMeier other)
    {
        var counts = _counts;
        foreach (var (time, (events, cens)) in other._counts)
        {
            var (e, c) = counts.TryGetValue(time, out var mine) ? mine : (0, 0);
            counts = counts.SetItem(time, (e + events, c + cens));
        }

        return new KaplanMeier(counts);
    }

    /// <summary>The curve at every time with at least one event.</summary>
    public IReadOnlyList<SurvivalStep> Curve()
    {
        var steps = new List<SurvivalStep>();
        var atRisk = Count;
        var survival = 1.0;
        foreach (var (time, (events, cens)) in _counts)
        {
            if (events > 0)
            {
                survival *= 1.0 - ((double)events / atRisk);
                steps.Add(new SurvivalStep(time, atRisk, events, cens, survival));
            }

            atRisk -= events + cens;
        }

        return steps;
    }

    /// <summary>S(t): the survival just after time t (1 before the first event).</summary>
    public double Survival(double t) => Curve().LastOrDefault(s => s.Time <= t)?.Survival ?? 1.0;

    /// <summary>
    /// The median: the first event time with S(t) ≤ ½. Null when the curve never gets there (too many
    /// censored), which a report shows as "not reached, &gt; the last time".
    /// </summary>
    public double? Median() => Quantile(0.5);

    /// <summary>The first event time with S(t) ≤ 1 − p; null when not reached.</summary>
    public double? Quantile(double p) => Curve().FirstOrDefault(s => s.Survival <= 1.0 - p + 1e-12)?.Time;

    /// <summary>The median as a number for resampling: +∞ when not reached, NaN when empty.</summary>
    internal double MedianOrInfinity() => Count == 0 ? double.NaN : Median() ?? double.PositiveInfinity;

    /// <summary>
    /// The same median straight from a sample, without building the fold: sort by time (events before
    /// censorings at one time), walk the event times. +∞ when not reached, NaN when empty. Used inside
    /// bootstrap loops; a law checks it against <see cref="Median"/>.
    /// </summary>
    internal static double MedianOf(IReadOnlyList<(double Time, bool Censored)> sample)
    {
        var n = sample.Count;
        if (n == 0)
        {
            return double.NaN;
        }

        var sorted = sample.ToArray();
        Array.Sort(sorted, (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Censored.CompareTo(b.Censored));
        var atRisk = n;
        var survival = 1.0;
        var i = 0;
        while (i < n)
        {
            var time = sorted[i].Time;
            int events = 0, leaving = 0;
            while (i < n && sorted[i].Time == time)
            {
                events += sorted[i].Censored ? 0 : 1;
                leaving++;
                i++;
            }

            if (events > 0)
            {
                survival *= 1.0 - ((double)events / atRisk);
                if (survival <= 0.5 + 1e-12)
                {
                    return time;
                }
            }

            atRisk -= leaving;
        }

        return double.PositiveInfinity;
    }
}
