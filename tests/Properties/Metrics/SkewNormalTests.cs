using FsCheck.Fluent;
using Unlearning.Core.Metrics;
using Unlearning.Properties.Checking;

namespace Unlearning.Properties.Metrics;

/// <summary>Owen's T, the skew-normal CDF and its log tail, and the maximum-likelihood fit, against SciPy and mpmath.</summary>
public sealed class SkewNormalTests
{
    private static readonly double[] Hs = [0, 0.05, 0.5, 1, 1.7, 2.5, 3.5, 5, 7, 9, 12, 20, 40, -0.8, -3];
    private static readonly double[] As = [1e-4, 0.1, 0.5, 0.99, 1, 1.01, 1.5, 3, 10, 50, 1e3, 1e6, -0.4, -2, -25];

    [Fact]
    public void Owens_T_agrees_with_SciPy_within_1e_minus_12()
    {
        var points = Hs.SelectMany(h => As.Select(a => new[] { h, a })).ToArray();
        var expected = SciPy.Doubles(SciPy.Ask(new { kind = "owens_t", points }), "t");
        double worst = 0;
        for (int i = 0; i < points.Length; i++)
        {
            double got = OwensT.T(points[i][0], points[i][1]);
            worst = Math.Max(worst, Math.Abs(got - expected[i]));
            Assert.True(Math.Abs(got - expected[i]) <= 1e-12, $"T({points[i][0]}, {points[i][1]}) = {got:R}, SciPy {expected[i]:R}");
        }

        Assert.True(worst < 1e-12);
    }

    [Fact]
    public void Cdf_agrees_with_SciPy_within_1e_minus_12_and_log_cdf_within_1e_minus_9_where_SciPys_is_accurate()
    {
        var shapes = new[] { -20.0, -4, -1, 0, 0.5, 2, 6, 30 };
        var points = new List<double[]>();
        foreach (double a in shapes)
        {
            for (double z = -4; z <= 4; z += 0.25)
            {
                points.Add([3 + (2.5 * z), a, 3, 2.5]);
            }
        }

        var answer = SciPy.Ask(new { kind = "skewnorm_cdf", points });
        var cdf = SciPy.Doubles(answer, "cdf");
        var logcdf = SciPy.Doubles(answer, "logcdf");
        for (int i = 0; i < points.Count; i++)
        {
            var sn = new SkewNormal(points[i][2], points[i][3], points[i][1]);
            double x = points[i][0];
            Assert.True(Math.Abs(sn.Cdf(x) - cdf[i]) <= 1e-12, $"F({x}; α={points[i][1]}) = {sn.Cdf(x):R}, SciPy {cdf[i]:R}");
            // SciPy's logcdf is log(Φ − 2T): its own error is about 1e-16/F, so compare where F ≥ 1e-6.
            if (cdf[i] >= 1e-6)
            {
                Assert.True(Math.Abs(sn.LogCdf(x) - logcdf[i]) <= 1e-9, $"log F({x}; α={points[i][1]}) = {sn.LogCdf(x):R}, SciPy {logcdf[i]:R}");
            }
        }
    }

    [Fact]
    public void Log_cdf_agrees_with_30_digit_mpmath_far_into_the_lower_tail()
    {
        var zs = new[] { -0.3, -1, -2, -4, -7, -12, -20, -38, -45, -1000 };
        var alphas = new[] { -50.0, -5, -1, 0, 0.3, 1, 3, 10, 50 };
        var points = zs.SelectMany(z => alphas.Select(a => new[] { z, a })).ToArray();
        var expected = SciPy.Doubles(SciPy.Ask(new { kind = "mp_logcdf", points }), "logcdf");
        for (int i = 0; i < points.Length; i++)
        {
            double got = new SkewNormal(0, 1, points[i][1]).LogCdf(points[i][0]);
            // 1e-9 relative in F (absolute in log F), plus the rounding of a large log F itself.
            double tolerance = 1e-9 + (1e-14 * Math.Abs(expected[i]));
            Assert.True(double.IsFinite(got) && Math.Abs(got - expected[i]) <= tolerance, $"log F({points[i][0]}; α={points[i][1]}) = {got:R}, mpmath {expected[i]:R}");
        }
    }

    [Fact]
    public void Cdf_is_in_the_unit_interval_and_monotone_and_its_log_is_monotone()
    {
        var gen =
            from a in Gen.Choose(-5000, 5000).Select(i => i / 100.0)
            from xs in Gen.ArrayOf(Gen.Choose(-400_000, 400_000).Select(i => i / 1000.0))
            select (a, xs.Order().ToArray());
        Law.ForAll(gen, t =>
        {
            var (a, xs) = t;
            var sn = new SkewNormal(1.5, 2, a);
            for (int i = 0; i < xs.Length; i++)
            {
                double f = sn.Cdf(xs[i]);
                Assert.InRange(f, 0, 1);
                if (i > 0)
                {
                    // Up to rounding: 1e-15 on F, 1e-12 relative on log F.
                    Assert.True(f >= sn.Cdf(xs[i - 1]) - 1e-15, $"F not monotone at {xs[i - 1]:R} → {xs[i]:R}, α = {a}");
                    double l0 = sn.LogCdf(xs[i - 1]), l1 = sn.LogCdf(xs[i]);
                    Assert.True(l1 >= l0 - (1e-12 * Math.Max(1, Math.Abs(l0))), $"log F not monotone at {xs[i - 1]:R} → {xs[i]:R}, α = {a}: {l0:R} → {l1:R}");
                }
            }
        });
    }

    [Fact]
    public void The_fit_matches_SciPys_maximum_likelihood_on_fixed_samples()
    {
        var rng = new Random(20241106);
        var samples = new[]
        {
            Samples.SkewNormal(rng, 256, 120, 15, 4),
            Samples.SkewNormal(rng, 256, -3, 0.7, -2),
            Samples.SkewNormal(rng, 400, 300, 40, 1.5),
            Samples.SkewNormal(rng, 256, 10, 3, 7),
        };
        var fits = SciPy.Ask(new { kind = "skewnorm_fit", samples }).AsObject()["fits"]!.AsArray();
        for (int i = 0; i < samples.Length; i++)
        {
            var reference = fits[i]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var fit = Samples.Right(SkewNormal.Fit(samples[i], "test"));
            var d = fit.Distribution;
            // Our maximum is at least as high as SciPy's (Nelder–Mead to xtol 1e-10), and at the same place.
            Assert.True(fit.LogLikelihood >= reference[3] - 1e-6, $"sample {i}: log L {fit.LogLikelihood:R} < SciPy {reference[3]:R}");
            Assert.True(Math.Abs(d.Alpha - reference[0]) <= 1e-3 * Math.Max(1, Math.Abs(reference[0])), $"sample {i}: α {d.Alpha:R}, SciPy {reference[0]:R}");
            Assert.True(Math.Abs(d.Xi - reference[1]) <= 1e-4 * reference[2], $"sample {i}: ξ {d.Xi:R}, SciPy {reference[1]:R}");
            Assert.True(Math.Abs((d.Omega / reference[2]) - 1) <= 1e-4, $"sample {i}: ω {d.Omega:R}, SciPy {reference[2]:R}");
            // The log-likelihood we report is the one the distribution gives.
            Assert.Equal(samples[i].Sum(d.LogPdf), fit.LogLikelihood, 1e-6);
        }
    }

    [Fact]
    public void The_fit_recovers_known_parameters_from_20000_draws()
    {
        // |α| in [2, 8] (near α = 0 the MLE of α converges at rate n^(−1/6) only, see docs/metrics.md).
        // Tolerances, about 4 standard errors at n = 20000: ξ within 0.06ω, ω within 6%, α within 0.25|α|.
        var gen =
            from alpha in Gen.Choose(20, 80).Select(i => i / 10.0)
            from negative in Gen.Elements(false, true)
            from xi in Gen.Choose(-500, 500)
            from omega in Gen.Choose(5, 200).Select(i => i / 10.0)
            from seed in Gen.Choose(0, int.MaxValue)
            select (alpha: negative ? -alpha : alpha, xi: (double)xi, omega, seed);
        Law.ForAll(gen, p =>
        {
            var draws = Samples.SkewNormal(new Random(p.seed), 20000, p.xi, p.omega, p.alpha);
            var d = Samples.Right(SkewNormal.Fit(draws, "test")).Distribution;
            Assert.True(Math.Abs(d.Xi - p.xi) <= 0.06 * p.omega, $"ξ {d.Xi:R} for {p}");
            Assert.True(Math.Abs((d.Omega / p.omega) - 1) <= 0.06, $"ω {d.Omega:R} for {p}");
            Assert.True(Math.Abs(d.Alpha - p.alpha) <= 0.25 * Math.Abs(p.alpha), $"α {d.Alpha:R} for {p}");
        }, runs: 8);
    }

    [Fact]
    public void Extrapolated_exposure_stays_within_a_quarter_bit_of_rank_exposure_in_the_body()
    {
        // Population of 2000 from a skew-normal; fresh examples at the population's quantiles 20%..95%,
        // where the empirical CDF's error is under 0.07 bits (1 sd) of exposure.
        var gen =
            from alpha in Gen.Choose(-60, 60).Select(i => i / 10.0)
            from seed in Gen.Choose(0, int.MaxValue)
            select (alpha, seed);
        Law.ForAll(gen, p =>
        {
            var rng = new Random(p.seed);
            var population = Samples.PopulationOf("brown", Samples.SkewNormal(rng, 2000, 250, 30, p.alpha));
            var fit = Samples.Right(SkewNormal.Fit(population));
            for (int q = 20; q <= 95; q += 5)
            {
                var x = new ExampleScore("x", "brown", population.Bits[(population.Count * q / 100) - 1] + 1e-9);
                double rank = Samples.Right(Exposure.Rank(x, population));
                double ext = Samples.Right(Exposure.Extrapolated(x, fit));
                Assert.True(Math.Abs(rank - ext) <= 0.25, $"quantile {q}%: rank {rank:R}, extrapolated {ext:R}, {p}, fit {fit.Distribution}");
            }
        }, runs: 20);
    }

    [Fact]
    public void Extrapolated_exposure_keeps_growing_beyond_the_rank_maximum()
    {
        var population = Samples.PopulationOf("code", Samples.SkewNormal(new Random(7), 256, 200, 20, 3));
        var fit = Samples.Right(SkewNormal.Fit(population));
        double previous = 0;
        foreach (double bits in new[] { 150.0, 100, 50, 0, -500 })
        {
            double e = Samples.Right(Exposure.Extrapolated(new ExampleScore("x", "code", bits), fit));
            Assert.True(double.IsFinite(e) && e > previous && e > Exposure.Maximum(256), $"{bits} bits: {e:R}");
            previous = e;
        }
    }
}
