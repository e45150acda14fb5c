using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>
/// The fold laws of STYLE for every accumulation: merge is associative with the empty accumulator as
/// its identity, folding a list equals merging the folds of any split of it, and the result does not
/// depend on the order of the items. Exact (bit for bit) for every fold but <see cref="Moments"/>,
/// whose floating-point merge holds to a relative 1e-9.
/// </summary>
public sealed class FoldLaws
{
    private static readonly Gen<double> LogProbs =
        Gen.OneOf(Gen.Choose(0, 3_000_000).Select(i => -i / 100_000.0), Gen.Choose(0, 1000).Select(i => -Math.Exp(-i / 37.0)), Gen.Constant(0.0));

    private static readonly Gen<double> GridScores = Gen.Choose(0, 400).Select(i => i / 8.0);

    /// <summary>Items, three split points and a seed for a shuffle.</summary>
    private static Gen<(T[] Items, int A, int B, int Seed)> Cases<T>(Gen<T> item) =>
        from items in Gen.ArrayOf(item)
        from a in Gen.Choose(0, items.Length)
        from b in Gen.Choose(a, items.Length)
        from seed in Gen.Choose(0, int.MaxValue)
        select (items, a, b, seed);

    private static Property Laws<T, TAcc>(Gen<T> item, TAcc empty, Func<TAcc, T, TAcc> add, Func<TAcc, TAcc, TAcc> merge, Func<TAcc, TAcc, bool> same) =>
        Prop.ForAll(Cases(item).ToArbitrary(), c => Holds(c, empty, add, merge, same));

    private static void Holds<T, TAcc>((T[] Items, int A, int B, int Seed) c, TAcc empty, Func<TAcc, T, TAcc> add, Func<TAcc, TAcc, TAcc> merge, Func<TAcc, TAcc, bool> same)
    {
        TAcc Fold(IEnumerable<T> xs) => xs.Aggregate(empty, add);
        var x = Fold(c.Items[..c.A]);
        var y = Fold(c.Items[c.A..c.B]);
        var z = Fold(c.Items[c.B..]);
        var whole = Fold(c.Items);
        var shuffled = c.Items.ToArray();
        new Random(c.Seed).Shuffle(shuffled);
        Assert.True(same(merge(merge(x, y), z), merge(x, merge(y, z))), "merge is not associative");
        Assert.True(same(merge(empty, x), x) && same(merge(x, empty), x), "empty is not the identity");
        Assert.True(same(merge(merge(x, y), z), whole), "the fold of the parts differs from the fold of the whole");
        Assert.True(same(Fold(shuffled), whole), "the fold depends on the order");
    }

    [Property]
    public Property Score_is_a_lawful_fold_exactly() =>
        Laws(LogProbs, Score.Empty, Score.Add, Score.Merge, (a, b) => a == b);

    [Property]
    public Property Score_counts_bad_log_probabilities_as_rejected_and_still_folds_lawfully() =>
        Laws(Gen.OneOf(LogProbs, Gen.Elements(double.NaN, double.NegativeInfinity, 0.5, -2e6)), Score.Empty, Score.Add, Score.Merge, (a, b) => a == b);

    [Property]
    public Property Utility_sum_is_a_lawful_fold_exactly() =>
        Laws(
            from lp in LogProbs from right in Gen.Elements(false, true) select (lp, right),
            UtilitySum.Empty,
            (u, t) => UtilitySum.Add(u, t.lp, t.right),
            UtilitySum.Merge,
            (a, b) => a == b);

    // The rank count's fold depends on the example's score x and the AUC count's on the population:
    // each case draws it together with the items and split points (before the move to [Property],
    // 20 values of x or populations times 100 cases each: the same 2000 cases, now each with its own).
    [Property(MaxTest = 2000)]
    public Property Rank_count_is_a_lawful_fold_exactly() =>
        Prop.ForAll(GridScores.ToArbitrary(), Cases(GridScores).ToArbitrary(), (x, c) =>
            Holds(c, RankCount.Empty, (acc, p) => RankCount.Add(acc, x, p), RankCount.Merge, (a, b) => a == b));

    [Property(MaxTest = 2000)]
    public Property Auc_count_is_a_lawful_fold_exactly() =>
        Prop.ForAll(Gen.ArrayOf(GridScores).Where(p => p.Length > 0).ToArbitrary(), Gen.Elements(Enum.GetValues<MembershipScore>()).ToArbitrary(), Cases(GridScores).ToArbitrary(), (population, kind, c) =>
        {
            var sorted = population.Order().ToImmutableArray();
            Holds(c, AucCount.Empty(population.Length), (acc, f) => AucCount.Add(acc, kind, sorted, f), AucCount.Merge, (a, b) => a == b);
        });

    [Property]
    public Property Auc_count_fold_is_the_brute_force_pair_count() =>
        Prop.ForAll(Gen.ArrayOf(GridScores).Where(p => p.Length > 0).ToArbitrary(), Gen.ArrayOf(GridScores).Where(p => p.Length > 0).ToArbitrary(), Gen.Elements(Enum.GetValues<MembershipScore>()).ToArbitrary(), (forget, population, kind) =>
        {
            double sign = Membership.HigherMeansMember(kind) ? 1 : -1;
            double u = forget.Sum(f => population.Sum(p => sign * (f - p) > 0 ? 1 : f == p ? 0.5 : 0));
            return Samples.Right(Membership.Auc(kind, "brown", forget, population)) == u / (forget.Length * population.Length);
        });

    [Property]
    public Property Population_is_a_lawful_fold_exactly()
    {
        // Ids unique with overwhelming probability (62 random bits; the fold refuses an id twice), scores with ties.
        var members =
            from hi in Gen.Choose(0, int.MaxValue)
            from lo in Gen.Choose(0, int.MaxValue)
            from b in GridScores
            select new ExampleScore($"{hi}-{lo}", "spam", b);
        return Laws(
            members,
            Population.Empty("spam"),
            (p, x) => Samples.Right(Population.Add(p, x)),
            (a, b) => Samples.Right(Population.Merge(a, b)),
            (a, b) => a.Bits.SequenceEqual(b.Bits) && a.Members.Count == b.Members.Count && a.Members.All(kv => b.Members.TryGetValue(kv.Key, out var v) && v == kv.Value));
    }

    [Property]
    public Property Moments_is_a_lawful_fold_to_a_relative_1e_minus_9() =>
        Laws(
            Gen.Choose(-1_000_000, 1_000_000).Select(i => 200 + (i / 10_000.0)),
            Moments.Empty,
            Moments.Add,
            Moments.Merge,
            (a, b) => a.Count == b.Count && Near(a.Mean, b.Mean, 1) && Near(a.M2, b.M2, 1 + a.M2) && Near(a.M3, b.M3, 1 + Math.Abs(a.M2) * 100));

    [Property]
    public Property Moments_match_the_two_pass_formulas() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(-100_000, 100_000).Select(i => i / 1000.0)).Where(a => a.Length > 0).ToArbitrary(), xs =>
        {
            var m = Moments.Of(xs);
            double mean = xs.Average();
            double m2 = xs.Sum(x => (x - mean) * (x - mean));
            double m3 = xs.Sum(x => (x - mean) * (x - mean) * (x - mean));
            return m.Count == xs.Length && Near(m.Mean, mean, 100) && Near(m.M2, m2, 1 + m2) && Near(m.M3, m3, 1 + Math.Pow(m2, 1.5));
        });

    [Property]
    public Property Score_is_the_sum_of_minus_log2_p_in_bits() =>
        Prop.ForAll(Gen.ArrayOf(LogProbs).Where(a => a.Length > 0).ToArbitrary(), lps =>
        {
            var x = Samples.Right(Score.Of(new TokenLogProbs("x", "brown", lps)));
            double expected = lps.Sum(lp => -lp / Math.Log(2));
            return Math.Abs(x.Bits - expected) <= 1e-12 * (1 + expected) && x.ExampleId == "x" && x.Source == "brown";
        });

    private static bool Near(double a, double b, double scale) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(scale));
}
