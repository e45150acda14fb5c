using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>The skew-normal maximum-likelihood fit and the extrapolated exposure built on it.</summary>
public sealed class SkewNormalFitTests
{
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

    [Property(MaxTest = 4)]
    public Property The_fit_recovers_known_parameters_from_20000_draws()
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
        return Prop.ForAll(gen.ToArbitrary(), p =>
        {
            var draws = Samples.SkewNormal(new Random(p.seed), 20000, p.xi, p.omega, p.alpha);
            var d = Samples.Right(SkewNormal.Fit(draws, "test")).Distribution;
            Assert.True(Math.Abs(d.Xi - p.xi) <= 0.06 * p.omega, $"ξ {d.Xi:R} for {p}");
            Assert.True(Math.Abs((d.Omega / p.omega) - 1) <= 0.06, $"ω {d.Omega:R} for {p}");
            Assert.True(Math.Abs(d.Alpha - p.alpha) <= 0.25 * Math.Abs(p.alpha), $"α {d.Alpha:R} for {p}");
        });
    }

    [Property(MaxTest = 8)]
    public Property Extrapolated_exposure_stays_within_a_quarter_bit_of_rank_exposure_in_the_body()
    {
        // Population of 2000 from a skew-normal; fresh examples at the population's quantiles 20%..95%,
        // where the empirical CDF's error is under 0.07 bits (1 sd) of exposure.
        var gen =
            from alpha in Gen.Choose(-60, 60).Select(i => i / 10.0)
            from seed in Gen.Choose(0, int.MaxValue)
            select (alpha, seed);
        return Prop.ForAll(gen.ToArbitrary(), p =>
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
        });
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

    [Property(MaxTest = 60)]
    public Property The_fit_never_fails_on_awkward_samples_and_is_at_least_as_likely_as_the_best_normal()
    {
        // Tiny samples, heavy ties, outliers, one-sided (half-normal-like) samples.
        var gen = Gen.OneOf(
            Gen.ArrayOf(Gen.Choose(0, 3).Select(i => (double)i), 3),
            Gen.ArrayOf(Gen.Choose(-1000, 1000).Select(i => i / 10.0)),
            Gen.ArrayOf(Gen.Choose(0, 1000).Select(i => 500 + Math.Abs(i / 7.0))),
            Gen.ArrayOf(Gen.Choose(0, 100).Select(i => i < 95 ? 100.0 + (i % 3) : 1e4 * i)))
            .Where(a => a.Length >= 3 && a.Distinct().Count() > 1);
        return Prop.ForAll(gen.ToArbitrary(), xs =>
        {
            var fit = Samples.Right(SkewNormal.Fit(xs, "test"));
            var d = fit.Distribution;
            double mean = xs.Average(), sd = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / xs.Length);
            double normal = xs.Sum(x => -Math.Log(sd) - 0.91893853320467274 - (0.5 * ((x - mean) / sd) * ((x - mean) / sd)));
            Assert.True(double.IsFinite(d.Xi) && d.Omega > 0 && Math.Abs(d.Alpha) <= SkewNormal.MaxShape, $"{d}");
            Assert.True(fit.LogLikelihood >= normal - (1e-9 * Math.Abs(normal)), $"log L {fit.LogLikelihood:R} < normal {normal:R}");
            Assert.True(xs.All(x => double.IsFinite(Samples.Right(Exposure.Extrapolated(new ExampleScore("x", "test", x), fit)))));
        });
    }
}
