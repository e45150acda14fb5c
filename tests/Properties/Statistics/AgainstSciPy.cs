using Unlearning.Core.Statistics;

namespace Unlearning.Properties.Statistics;

/// <summary>Spearman and Mann–Whitney against SciPy 1.10, computed live on fixed seeded inputs.</summary>
public sealed class AgainstSciPy
{
    /// <summary>Samples of many shapes: tiny, tied (integers from a small range), large, unequal sizes.</summary>
    private static List<(double[] X, double[] Y)> Cases()
    {
        var random = new Random(20241107);
        double[] Draw(int n, bool ties) =>
            Enumerable.Range(0, n).Select(_ => ties ? random.Next(0, 6) : Math.Round(random.NextDouble() * 100, 6)).ToArray();
        var cases = new List<(double[], double[])>();
        foreach (var (n1, n2) in new[] { (3, 4), (5, 5), (7, 8), (8, 20), (2, 30), (9, 9), (12, 15), (40, 35) })
        {
            cases.Add((Draw(n1, false), Draw(n2, false)));
            cases.Add((Draw(n1, true), Draw(n2, true)));
        }

        return cases;
    }

    [Fact]
    public void Mann_Whitney_U_and_p_match_scipy_mannwhitneyu()
    {
        var cases = Cases();
        var reference = SciPy.Run(
            "out = []\nfor x, y in data:\n    r = stats.mannwhitneyu(x, y)\n    out.append([float(r.statistic), float(r.pvalue)])\nprint(json.dumps(out))",
            cases.Select(c => new[] { c.X, c.Y }).ToArray());
        for (var i = 0; i < cases.Count; i++)
        {
            var ours = MannWhitney.Test(cases[i].X, cases[i].Y).Match(r => r, e => throw new InvalidOperationException(e.ToString()));
            var u = reference[i][0].GetDouble();
            var p = reference[i][1].GetDouble();
            Assert.True(ours.U1 == u, $"case {i}: U1 {ours.U1} vs SciPy {u}");
            Assert.True(Math.Abs(ours.PValue - p) <= 1e-10 + (1e-9 * p), $"case {i} ({ours.Method}): p {ours.PValue:R} vs SciPy {p:R}");
        }
    }

    /// <summary>Strata of the cases above: 1 to 4 per test, some holding one sample only (left out by both sides).</summary>
    private static List<List<(double[] X, double[] Y)>> StratifiedCases()
    {
        var cases = Cases();
        var strata = new List<List<(double[] X, double[] Y)>>();
        for (var start = 0; start < cases.Count; start += 3)
        {
            strata.Add([.. cases.Skip(start).Take(1 + (start % 4))]);
        }

        strata.Add([(cases[0].X, []), cases[1], ([], cases[2].Y)]);
        return strata;
    }

    [Fact]
    public void Van_Elteren_matches_its_definition_from_scipy_mannwhitneyu_and_tiecorrect()
    {
        // SciPy has no van Elteren test; its pieces are SciPy's: U1 per stratum from mannwhitneyu, the tie-corrected
        // variance n1·n2·(N+1)/12·tiecorrect(ranks), weights 1/(N+1), and the two-sided normal p.
        var cases = StratifiedCases();
        var reference = SciPy.Run(
            "out = []\nfor strata in data:\n    t = e = v = 0.0\n    for x, y in strata:\n        if len(x) == 0 or len(y) == 0:\n            continue\n"
            + "        n = len(x) + len(y)\n        w = 1.0 / (n + 1)\n        t += w * float(stats.mannwhitneyu(x, y).statistic)\n        e += w * len(x) * len(y) / 2\n"
            + "        v += w * w * len(x) * len(y) * (n + 1) / 12 * stats.tiecorrect(stats.rankdata(x + y))\n"
            + "    z = (t - e) / np.sqrt(v)\n    out.append([t, z, float(2 * stats.norm.sf(abs(z)))])\nprint(json.dumps(out))",
            cases.Select(c => c.Select(s => new[] { s.X, s.Y }).ToArray()).ToArray());
        for (var i = 0; i < cases.Count; i++)
        {
            var ours = VanElteren.Test([.. cases[i].Select(s => ((IReadOnlyList<double>)s.X, (IReadOnlyList<double>)s.Y))])
                .Match(r => r, e => throw new InvalidOperationException(e.ToString()));
            var (t, z, p) = (reference[i][0].GetDouble(), reference[i][1].GetDouble(), reference[i][2].GetDouble());
            Assert.True(Math.Abs(ours.Statistic - t) <= 1e-12 * Math.Max(1, t), $"case {i}: T {ours.Statistic:R} vs {t:R}");
            Assert.True(Math.Abs(ours.Z - z) <= 1e-10, $"case {i}: z {ours.Z:R} vs {z:R}");
            Assert.True(Math.Abs(ours.PValue - p) <= 1e-12 + (1e-9 * p), $"case {i}: p {ours.PValue:R} vs {p:R}");
        }
    }

    [Fact]
    public void Van_Elteren_with_one_stratum_is_scipy_mannwhitneyu_asymptotic_without_continuity_correction()
    {
        var cases = Cases();
        var reference = SciPy.Run(
            "print(json.dumps([float(stats.mannwhitneyu(x, y, method='asymptotic', use_continuity=False).pvalue) for x, y in data]))",
            cases.Select(c => new[] { c.X, c.Y }).ToArray());
        for (var i = 0; i < cases.Count; i++)
        {
            var ours = VanElteren.Test([(cases[i].X, cases[i].Y)]).Match(r => r, e => throw new InvalidOperationException(e.ToString()));
            var p = reference[i].GetDouble();
            Assert.True(Math.Abs(ours.PValue - p) <= 1e-12 + (1e-9 * p), $"case {i}: p {ours.PValue:R} vs SciPy {p:R}");
            Assert.Equal(MannWhitney.Test(cases[i].X, cases[i].Y).Match(r => r.Auc, _ => double.NaN), ours.Auc, 12);
        }
    }

    [Fact]
    public void Pooling_across_replicates_is_scipy_t_interval_and_ttest_1samp_against_one_half()
    {
        double[][] cases = [[0.6, 0.7, 0.65], [0.2, 0.55, 0.4, 0.3], [0.51, 0.49], [0.9, 0.95, 0.85, 0.99, 0.7]];
        var reference = SciPy.Run(
            "out = []\nfor a in data:\n    m = float(np.mean(a)); se = float(stats.sem(a)); lo, hi = stats.t.interval(0.95, len(a) - 1, loc=m, scale=se)\n"
            + "    out.append([m, float(lo), float(hi), float(stats.ttest_1samp(a, 0.5).pvalue)])\nprint(json.dumps(out))",
            cases);
        for (var i = 0; i < cases.Length; i++)
        {
            var (mean, low, high, p) = Unlearning.Core.Report.Replicates.Across(cases[i], 0.95);
            double[] ours = [mean, low, high, p];
            for (var j = 0; j < 4; j++)
            {
                var expected = reference[i][j].GetDouble();
                Assert.True(Math.Abs(ours[j] - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"case {i}, value {j}: {ours[j]:R} vs SciPy {expected:R}");
            }
        }
    }

    [Fact]
    public void Spearman_rho_and_p_match_scipy_spearmanr()
    {
        var cases = Cases().Where(c => c.X.Length >= 3).Select(c =>
        {
            // Pairs need equal lengths: pair x with a noisy monotone function of it, or with y's head.
            var n = Math.Min(c.X.Length, c.Y.Length);
            return (X: c.X.Take(n).ToArray(), Y: c.X.Take(n).Zip(c.Y.Take(n), (a, b) => a + b).ToArray());
        }).ToList();
        var reference = SciPy.Run(
            "out = []\nfor x, y in data:\n    r = stats.spearmanr(x, y)\n    out.append([float(r.statistic), float(r.pvalue)])\nprint(json.dumps(out))",
            cases.Select(c => new[] { c.X, c.Y }).ToArray());
        for (var i = 0; i < cases.Count; i++)
        {
            var ours = Spearman.Correlate(cases[i].X, cases[i].Y).Match(r => r, e => throw new InvalidOperationException(e.ToString()));
            var rho = reference[i][0].GetDouble();
            var p = reference[i][1].GetDouble();
            Assert.True(Math.Abs(ours.Rho - rho) <= 1e-12, $"case {i}: ρ {ours.Rho:R} vs SciPy {rho:R}");
            Assert.True(Math.Abs(ours.PValue - p) <= 1e-10 + (1e-8 * p), $"case {i}: p {ours.PValue:R} vs SciPy {p:R}");
        }
    }

    [Fact]
    public void Bootstrap_quantiles_interpolate_like_numpy_percentile()
    {
        double[] values = [3.5, -1, 7, 7, 2, 10.25, 0];
        var reference = SciPy.Run("print(json.dumps([float(np.quantile(data, q)) for q in [0.025, 0.25, 0.5, 0.9, 0.975]]))", values);
        double[] qs = [0.025, 0.25, 0.5, 0.9, 0.975];
        for (var i = 0; i < qs.Length; i++)
        {
            Assert.Equal(reference[i].GetDouble(), Descriptive.Quantile(values, qs[i]), 12);
        }
    }

    [Fact]
    public void Kaplan_Meier_matches_a_hand_computed_curve()
    {
        // Times 2, 3+, 4, 4, 5+, 7, 9+ (+ = censored). At risk: t=2: 7 → S = 6/7;
        // t=4: 5 at risk, 2 events → S = 6/7 · 3/5 = 18/35; t=7: 2 at risk, 1 event → 9/35.
        var km = KaplanMeier.Of([(2, false), (3, true), (4, false), (4, false), (5, true), (7, false), (9, true)])
            .Match(k => k, e => throw new InvalidOperationException(e.ToString()));
        var curve = km.Curve();
        Assert.Equal([2.0, 4.0, 7.0], curve.Select(s => s.Time));
        Assert.Equal([7, 5, 2], curve.Select(s => s.AtRisk));
        Assert.Equal(6.0 / 7, curve[0].Survival, 14);
        Assert.Equal(18.0 / 35, curve[1].Survival, 14);
        Assert.Equal(9.0 / 35, curve[2].Survival, 14);
        // S first ≤ ½ at t = 7 (18/35 > ½).
        Assert.Equal(7.0, km.Median());
        Assert.Equal(18.0 / 35, km.Survival(5), 14);
    }

    [Fact]
    public void Kaplan_Meier_median_is_not_reached_when_half_are_censored_early() =>
        // LanguageExt's Match refuses a null result, so the estimator comes out first.
        Assert.Null(KaplanMeier.Of([(1, false), (5, true), (5, true), (5, true)]).Match(k => k, e => throw new InvalidOperationException(e.ToString())).Median());

    [Fact]
    public void Bad_input_names_the_field()
    {
        Assert.Equal("statistics: x[1]: expected a number (infinities rank as extremes), found NaN",
            MannWhitney.Test([1, double.NaN], [2]).Match(_ => "", e => e.ToString()));
        Assert.Equal("statistics: y: expected as many values as x (3), found 2",
            Spearman.Correlate([1, 2, 3], [1, 2]).Match(_ => "", e => e.ToString()));
        Assert.Equal("Kaplan–Meier: time[0]: expected a finite time ≥ 0, found -1",
            KaplanMeier.Of([(-1, false)]).Match(_ => "", e => e.ToString()));
        Assert.True(Bootstrap.MedianDifference([], [1.0], 1).IsLeft);
    }
}
