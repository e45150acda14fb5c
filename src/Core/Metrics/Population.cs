using System.Collections.Immutable;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>
/// P_s scored under one model: the source, every member's id, and the scores sorted ascending (so
/// rank exposure is two binary searches, O(log n), for every forget example at every step). A fold:
/// <see cref="Empty"/>, <see cref="Add"/>, <see cref="Merge"/>; the sorted representation makes the
/// result independent of the order members arrive in, exactly. Add and Merge check their input
/// (finite score, same source, no id twice) and say which example and source is wrong.
/// </summary>
public sealed class Population
{
    private Population(string source, ImmutableArray<double> bits, ImmutableDictionary<string, double> members)
    {
        Source = source;
        Bits = bits;
        Members = members;
    }

    public string Source { get; }

    /// <summary>Member scores in bits, ascending.</summary>
    public ImmutableArray<double> Bits { get; }

    /// <summary>Each member's score by example id.</summary>
    public ImmutableDictionary<string, double> Members { get; }

    public int Count => Bits.Length;

    public static Population Empty(string source) => new(source, [], ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal));

    public static Either<InputError, Population> Add(Population p, ExampleScore x)
    {
        if (x.Source != p.Source)
        {
            return new InputError(Checks.Example(x.ExampleId, x.Source), "source", $"{p.Source}, the source of the population it joins", x.Source);
        }

        if (!double.IsFinite(x.Bits))
        {
            return new InputError(Checks.Example(x.ExampleId, x.Source), "bits", "a finite score", Checks.Show(x.Bits));
        }

        if (p.Members.ContainsKey(x.ExampleId))
        {
            return new InputError(Checks.OfPopulation(p.Source), "example_id", "each example once", $"{x.ExampleId} twice");
        }

        int at = LowerBound(p.Bits, x.Bits);
        return new Population(p.Source, p.Bits.Insert(at, x.Bits), p.Members.Add(x.ExampleId, x.Bits));
    }

    public static Either<InputError, Population> Merge(Population a, Population b)
    {
        if (a.Source != b.Source)
        {
            return new InputError(Checks.OfPopulation(a.Source), "source", $"another part of the population of source {a.Source}", $"a population of source {b.Source}");
        }

        var twice = b.Members.Keys.Where(a.Members.ContainsKey).Order(StringComparer.Ordinal).FirstOrDefault();
        if (twice is not null)
        {
            return new InputError(Checks.OfPopulation(a.Source), "example_id", "each example once", $"{twice} twice");
        }

        // Merge two sorted runs.
        var merged = ImmutableArray.CreateBuilder<double>(a.Count + b.Count);
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            merged.Add(j >= b.Count || (i < a.Count && a.Bits[i] <= b.Bits[j]) ? a.Bits[i++] : b.Bits[j++]);
        }

        return new Population(a.Source, merged.MoveToImmutable(), a.Members.AddRange(b.Members));
    }

    /// <summary>Folds <see cref="Add"/> over the members; the first bad member is the error.</summary>
    public static Either<InputError, Population> Of(string source, IEnumerable<ExampleScore> members)
    {
        var p = Empty(source);
        foreach (var x in members)
        {
            var next = Add(p, x);
            if (next.IsLeft)
            {
                return next;
            }

            p = next.IfLeft(p);
        }

        return p;
    }

    /// <summary>Counts of members strictly below and equal to a score: the rank's two terms (SPEC §4).</summary>
    public RankCount CountAround(double score)
    {
        int below = LowerBound(Bits, score);
        int notAbove = UpperBound(Bits, score);
        return new RankCount(Count, below, notAbove - below);
    }

    /// <summary>
    /// The counts for an example against this population; when the example is itself a member it is
    /// ranked against the others (leave-one-out, n = |P| − 1), so a member's exposure has the same
    /// distribution as a fresh example's.
    /// </summary>
    public RankCount CountFor(ExampleScore x)
    {
        var c = CountAround(x.Bits);
        if (!Members.TryGetValue(x.ExampleId, out double own))
        {
            return c;
        }

        return new RankCount(c.N - 1, c.Below - (own < x.Bits ? 1 : 0), c.Ties - (own == x.Bits ? 1 : 0));
    }

    /// <summary>Index of the first element ≥ x.</summary>
    internal static int LowerBound(ImmutableArray<double> sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Index of the first element &gt; x.</summary>
    internal static int UpperBound(ImmutableArray<double> sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
