using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>Rank exposure (SPEC §4) and the difficulty percentile, on scores from a grid of eighths so ties happen and shifts are exact.</summary>
[Properties(Arbitrary = new[] { typeof(MetricsArbitraries) })]
public sealed class ExposureLaws
{
    internal static readonly Gen<double> Scores = Gen.Choose(0, 160).Select(i => 100 + (i / 8.0));

    private static double Rank(double x, double[] p, string source = "brown") =>
        Samples.Right(Exposure.Rank(new ExampleScore("x", source, x), Samples.PopulationOf(source, p)));

    [Property]
    public bool Rank_exposure_lies_in_0_to_log2_n_plus_1(RankCase c)
    {
        double e = Rank(c.X, c.P);
        return e >= 0 && e <= Math.Log2(c.P.Length + 1);
    }

    [Property]
    public bool Rank_exposure_is_maximal_exactly_when_the_example_scores_strictly_below_the_whole_population(RankCase c) =>
        (Rank(c.X, c.P) == Math.Log2(c.P.Length + 1)) == c.P.All(p => c.X < p);

    [Property]
    public bool Rank_exposure_is_zero_exactly_when_the_whole_population_scores_strictly_below(RankCase c) =>
        (Rank(c.X, c.P) == 0) == c.P.All(p => p < c.X);

    [Property]
    public Property Rank_exposure_never_increases_as_the_score_rises(RankCase c) =>
        Prop.ForAll(Scores.ToArbitrary(), other =>
        {
            double lo = Math.Min(c.X, other), hi = Math.Max(c.X, other);
            return Rank(lo, c.P) >= Rank(hi, c.P);
        });

    [Property]
    public Property Rank_exposure_is_unchanged_when_every_score_shifts_by_the_same_constant(RankCase c) =>
        Prop.ForAll(Gen.Choose(-800, 800).Select(i => i / 8.0).ToArbitrary(), shift =>
            Rank(c.X, c.P) == Rank(c.X + shift, c.P.Select(p => p + shift).ToArray()));

    [Property]
    public bool Rank_exposure_follows_the_definition_with_ties_counted_half(RankCase c)
    {
        int below = c.P.Count(p => p < c.X), ties = c.P.Count(p => p == c.X);
        return Rank(c.X, c.P) == Math.Log2(c.P.Length + 1) - Math.Log2(1 + below + (ties / 2.0));
    }

    [Property]
    public bool Binary_search_counts_equal_the_rank_count_fold(RankCase c) =>
        Samples.PopulationOf("brown", c.P).CountAround(c.X) == c.P.Aggregate(RankCount.Empty, (acc, p) => RankCount.Add(acc, c.X, p));

    [Property]
    public bool A_member_is_ranked_against_the_others(RankCase c)
    {
        var population = Samples.PopulationOf("brown", c.P.Append(c.X));
        var member = new ExampleScore($"brown-p{c.P.Length}", "brown", c.X);
        return Samples.Right(Exposure.Rank(member, population)) == Rank(c.X, c.P);
    }

    [Property]
    public bool Difficulty_percentile_is_the_mid_rank_share_and_agrees_with_exposure(RankCase c)
    {
        var population = Samples.PopulationOf("brown", c.P);
        var x = new ExampleScore("x", "brown", c.X);
        double pct = Samples.Right(Memorization.DifficultyPercentile(x, population));
        int n = c.P.Length;
        // E = log2(n + 1) − log2(1 + n·pct/100): both are the same mid-rank.
        return pct >= 0 && pct <= 100
            && Math.Abs(Samples.Right(Exposure.Rank(x, population)) - (Math.Log2(n + 1) - Math.Log2(1 + (n * pct / 100)))) < 1e-12;
    }

    [Property]
    public Property Memorization_and_difficulty_are_bits_per_token() =>
        Prop.ForAll(Scores.ToArbitrary(), Scores.ToArbitrary(), Gen.Choose(1, 128).ToArbitrary(), (bitsBase, bitsRef, tokens) =>
        {
            var b = new ExampleScore("x", "code", bitsBase);
            var r = new ExampleScore("x", "code", bitsRef);
            return Samples.Right(Memorization.Of(b, r, tokens)) == (bitsRef - bitsBase) / tokens
                && Samples.Right(Memorization.Difficulty(r, tokens)) == bitsRef / tokens;
        });
}
