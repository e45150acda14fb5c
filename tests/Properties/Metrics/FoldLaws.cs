using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Unlearning.Core.Metrics;
using Unlearning.Properties.Checking;

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

    private static void Laws<T, TAcc>(Gen<T> item, TAcc empty, Func<TAcc, T, TAcc> add, Func<TAcc, TAcc, TAcc> merge, Func<TAcc, TAcc, bool> same) =>
        Law.ForAll(Cases(item), c =>
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
        });

    [Fact]
    public void Score_is_a_lawful_fold_exactly() =>
        Laws(LogProbs, Score.Empty, Score.Add, Score.Merge, (a, b) => a == b);

    [Fact]
    public void Score_counts_bad_log_probabilities_as_rejected_and_still_folds_lawfully() =>
        Laws(Gen.OneOf(LogProbs, Gen.Elements(double.NaN, double.NegativeInfinity, 0.5, -2e6)), Score.Empty, Score.Add, Score.Merge, (a, b) => a == b);

    [Fact]
    public void Utility_sum_is_a_lawful_fold_exactly() =>
        Laws(
            from lp in LogProbs from right in Gen.Elements(false, true) select (lp, right),
            UtilitySum.Empty,
            (u, t) => UtilitySum.Add(u, t.lp, t.right),
            UtilitySum.Merge,
            (a, b) => a == b);

    [Fact]
    public void Rank_count_is_a_lawful_fold_exactly() =>
        Law.ForAll(GridScores, x =>
            Laws(GridScores, RankCount.Empty, (c, p) => RankCount.Add(c, x, p), RankCount.Merge, (a, b) => a == b), runs: 20);

    [Fact]
    public void Auc_count_is_a_lawful_fold_exactly() =>
        Law.ForAll(Gen.ArrayOf(GridScores).Where(p => p.Length > 0), Gen.Elements(Enum.GetValues<MembershipScore>()), (population, kind) =>
        {
            var sorted = population.Order().ToImmutableArray();
            Laws(GridScores, AucCount.Empty(population.Length), (c, f) => AucCount.Add(c, kind, sorted, f), AucCount.Merge, (a, b) => a == b);
            return true;
        }, runs: 20);

    [Fact]
    public void Auc_count_fold_is_the_brute_force_pair_count() =>
        Law.ForAll(Gen.ArrayOf(GridScores).Where(p => p.Length > 0), Gen.ArrayOf(GridScores).Where(p => p.Length > 0), Gen.Elements(Enum.GetValues<MembershipScore>()), (forget, population, kind) =>
        {
            double sign = Membership.HigherMeansMember(kind) ? 1 : -1;
            double u = forget.Sum(f => population.Sum(p => sign * (f - p) > 0 ? 1 : f == p ? 0.5 : 0));
            return Samples.Right(Membership.Auc(kind, "brown", forget, population)) == u / (forget.Length * population.Length);
        });

    [Fact]
    public void Population_is_a_lawful_fold_exactly()
    {
        // Ids unique with overwhelming probability (62 random bits; the fold refuses an id twice), scores with ties.
        var members =
            from hi in Gen.Choose(0, int.MaxValue)
            from lo in Gen.Choose(0, int.MaxValue)
            from b in GridScores
            select new ExampleScore($"{hi}-{lo}", "spam", b);
        Laws(
            members,
            Population.Empty("spam"),
            (p, x) => Samples.Right(Population.Add(p, x)),
            (a, b) => Samples.Right(Population.Merge(a, b)),
            (a, b) => a.Bits.SequenceEqual(b.Bits) && a.Members.Count == b.Members.Count && a.Members.All(kv => b.Members.TryGetValue(kv.Key, out var v) && v == kv.Value));
    }

    [Fact]
    public void Moments_is_a_lawful_fold_to_a_relative_1e_minus_9() =>
        Laws(
            Gen.Choose(-1_000_000, 1_000_000).Select(i => 200 + (i / 10_000.0)),
            Moments.Empty,
            Moments.Add,
            Moments.Merge,
            (a, b) => a.Count == b.Count && Near(a.Mean, b.Mean, 1) && Near(a.M2, b.M2, 1 + a.M2) && Near(a.M3, b.M3, 1 + Math.Abs(a.M2) * 100));

    [Fact]
    public void Moments_match_the_two_pass_formulas() =>
        Law.ForAll(Gen.ArrayOf(Gen.Choose(-100_000, 100_000).Select(i => i / 1000.0)).Where(a => a.Length > 0), xs =>
        {
            var m = Moments.Of(xs);
            double mean = xs.Average();
            double m2 = xs.Sum(x => (x - mean) * (x - mean));
            double m3 = xs.Sum(x => (x - mean) * (x - mean) * (x - mean));
            return m.Count == xs.Length && Near(m.Mean, mean, 100) && Near(m.M2, m2, 1 + m2) && Near(m.M3, m3, 1 + Math.Pow(m2, 1.5));
        });

    [Fact]
    public void Score_is_the_sum_of_minus_log2_p_in_bits() =>
        Law.ForAll(Gen.ArrayOf(LogProbs).Where(a => a.Length > 0), lps =>
        {
            var x = Samples.Right(Score.Of(new TokenLogProbs("x", "brown", lps)));
            double expected = lps.Sum(lp => -lp / Math.Log(2));
            return Math.Abs(x.Bits - expected) <= 1e-12 * (1 + expected) && x.ExampleId == "x" && x.Source == "brown";
        });

    private static bool Near(double a, double b, double scale) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(scale));
}
