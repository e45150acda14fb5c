using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>Membership-inference scores and their AUC.</summary>
public sealed class MembershipLaws
{
    private static readonly Gen<double[]> LogProbRows =
        Gen.ArrayOf(Gen.Choose(0, 2_000_000).Select(i => -i / 100_000.0)).Where(a => a.Length > 0);

    [Property]
    public Property The_auc_of_a_sample_against_itself_is_exactly_one_half() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 50)).Where(a => a.Length > 0).ToArbitrary(), Gen.Elements(Enum.GetValues<MembershipScore>()).ToArbitrary(), (xs, kind) =>
            Samples.Right(Membership.Auc(kind, "brown", xs.Select(x => (double)x).ToArray(), xs.Select(x => (double)x).ToArray())) == 0.5);

    [Property(MaxTest = 50)]
    public Property The_auc_of_two_samples_of_one_distribution_is_about_one_half() =>
        // m = 200, n = 256: the AUC's standard error is 0.027; 0.12 is 4.4 of them.
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), Gen.Elements(Enum.GetValues<MembershipScore>()).ToArbitrary(), (seed, kind) =>
        {
            var rng = new Random(seed);
            double auc = Samples.Right(Membership.Auc(kind, "spam", Samples.Normals(rng, 200), Samples.Normals(rng, 256)));
            return Math.Abs(auc - 0.5) <= 0.12;
        });

    [Fact]
    public void The_auc_is_Mann_Whitney_U_over_m_n_as_SciPy_computes_it()
    {
        var rng = new Random(11);
        var pairs = Enumerable.Range(0, 6).Select(i =>
        {
            // Rounded to tenths so that ties occur.
            var f = Samples.Normals(rng, 20 + (7 * i)).Select(x => Math.Round(x + (0.3 * i), 1)).ToArray();
            var p = Samples.Normals(rng, 64).Select(x => Math.Round(x, 1)).ToArray();
            return new[] { f, p };
        }).ToArray();
        var u = SciPy.Doubles(SciPy.Ask(new { kind = "mannwhitney", pairs }), "u");
        for (int i = 0; i < pairs.Length; i++)
        {
            double mn = (double)pairs[i][0].Length * pairs[i][1].Length;
            Assert.Equal(u[i] / mn, Samples.Right(Membership.Auc(MembershipScore.MinK, "code", pairs[i][0], pairs[i][1])), 12);
            // LOSS and zlib: lower means member, so the AUC is the other side of U.
            Assert.Equal(1 - (u[i] / mn), Samples.Right(Membership.Auc(MembershipScore.Loss, "code", pairs[i][0], pairs[i][1])), 12);
        }
    }

    [Fact]
    public void Min_k_matches_numpy_and_min_k_plus_plus_with_unit_spread_is_min_k()
    {
        var rng = new Random(5);
        var rows = Enumerable.Range(0, 12).Select(i => Samples.Normals(rng, 10 + (9 * i)).Select(x => -Math.Abs(3 * x)).ToArray()).ToArray();
        var ks = new[] { 0.05, 0.2, 0.4, 1.0 };
        var request = rows.SelectMany(r => ks.Select(k => new object[] { r, k })).ToArray();
        var expected = SciPy.Doubles(SciPy.Ask(new { kind = "mink", rows = request }), "score");
        int j = 0;
        foreach (var r in rows)
        {
            foreach (double k in ks)
            {
                var x = new TokenLogProbs("f1", "brown", r);
                Assert.Equal(expected[j++], Samples.Right(Membership.MinK(x, k)), 12);
                var zeros = new double[r.Length];
                var ones = Enumerable.Repeat(1.0, r.Length).ToArray();
                Assert.Equal(Samples.Right(Membership.MinK(x, k)), Samples.Right(Membership.MinKPlusPlus(x, zeros, ones, k)), 12);
            }
        }
    }

    [Property]
    public Property Min_k_plus_plus_is_unchanged_when_log_p_and_its_mean_shift_together_and_spread_scales() =>
        Prop.ForAll(LogProbRows.ToArbitrary(), Gen.Choose(1, 500).Select(i => i / 100.0).ToArbitrary(), Gen.Choose(0, 100).Select(i => i / 10.0).ToArbitrary(), (lps, spread, shift) =>
        {
            var mean = lps.Select((lp, i) => lp + (0.3 * (i % 5)) - 0.6).ToArray();
            var std = lps.Select((_, i) => 0.5 + (0.1 * (i % 3))).ToArray();
            double a = Samples.Right(Membership.MinKPlusPlus(new TokenLogProbs("f", "code", lps), mean, std));
            // log p − shift, μ − shift: the same z; z·spread when σ/spread... here both scaled by 1/spread
            var lps2 = lps.Select(lp => lp - shift).ToArray();
            var mean2 = mean.Select(m => m - shift).ToArray();
            double b = Samples.Right(Membership.MinKPlusPlus(new TokenLogProbs("f", "code", lps2), mean2, std));
            return Math.Abs(a - b) <= 1e-9 * (1 + Math.Abs(a));
        });

    [Property]
    public Property Loss_is_the_mean_nll_and_zlib_divides_it_by_the_compressed_length() =>
        Prop.ForAll(LogProbRows.ToArbitrary(), lps =>
        {
            var x = new TokenLogProbs("f", "brown", lps);
            double loss = Samples.Right(Membership.Loss(x));
            const string Text = "the secret number is 3 1 4 1 5 9 2 6 5";
            return Math.Abs(loss - lps.Average(lp => -lp)) <= 1e-12 * (1 + loss)
                && Samples.Right(Membership.ZlibRatio(x, Text)) == loss / Membership.ZlibLength(Text);
        });

    [Fact]
    public void Repetitive_text_compresses_to_fewer_bytes_than_varied_text_of_the_same_length()
    {
        string repetitive = string.Concat(Enumerable.Repeat("the cat sat on the mat. ", 20));
        var rng = new Random(3);
        string varied = new(Enumerable.Range(0, repetitive.Length).Select(_ => (char)rng.Next('a', 'z' + 1)).ToArray());
        Assert.True(Membership.ZlibLength(repetitive) < Membership.ZlibLength(varied) / 3);
    }

    [Fact]
    public void Forget_examples_with_lower_loss_than_the_population_give_an_auc_above_one_half()
    {
        var population = Enumerable.Range(0, 100).Select(i => 3.0 + (i / 100.0)).ToArray();
        var forget = new[] { 2.0, 2.5, 3.5 };
        // Loss 2.0 and 2.5 beat all 100; 3.5 beats 49 and ties 1: U = 249.5 of 300.
        Assert.Equal(249.5 / 300, Samples.Right(Membership.Auc(MembershipScore.Loss, "brown", forget, population)), 15);
    }

    [Property]
    public Property Log_prob_moments_are_the_mean_and_sd_of_log_p_under_p() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(-2000, 2000).Select(i => i / 100.0)).Where(a => a.Length > 1).ToArbitrary(), logits =>
        {
            double max = logits.Max();
            double logZ = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            var lps = logits.Select(l => l - logZ).ToArray();
            var (mean, std) = Membership.LogProbMoments(lps);
            var p = lps.Select(Math.Exp).ToArray();
            double m = p.Zip(lps, (a, b) => a * b).Sum();
            double v = p.Zip(lps, (a, b) => a * b * b).Sum() - (m * m);
            return Math.Abs(mean - m) <= 1e-9 * (1 + Math.Abs(m)) && Math.Abs((std * std) - v) <= 1e-9 * (1 + (m * m));
        });

    [Fact]
    public void A_uniform_next_token_distribution_has_mean_minus_log_V_and_no_spread()
    {
        var (mean, std) = Membership.LogProbMoments(Enumerable.Repeat(-Math.Log(4096), 4096).ToArray());
        Assert.Equal(-Math.Log(4096), mean, 12);
        Assert.True(std < 1e-6);
    }

    [Fact]
    public void All_gives_the_four_statistics_of_their_own_functions()
    {
        var x = new TokenLogProbs("f", "canary", [-0.5, -3, -0.01, -7, -1.2]);
        double[] mean = [-1, -1, -2, -3, -1], std = [1, 0.5, 2, 1, 1];
        var all = Samples.Right(Membership.All(x, "the secret number is 1 2 3", mean, std, 0.4));
        Assert.Equal(new MembershipScores(
            Samples.Right(Membership.Loss(x)),
            Samples.Right(Membership.ZlibRatio(x, "the secret number is 1 2 3")),
            Samples.Right(Membership.MinK(x, 0.4)),
            Samples.Right(Membership.MinKPlusPlus(x, mean, std, 0.4))), all);
        // Hand values: the two lowest of five (k = 0.4): log p −7, −3; z = −4, −4.
        Assert.Equal(-5, all.MinK, 15);
        Assert.Equal(-4, all.MinKPlusPlus, 15);
    }
}
