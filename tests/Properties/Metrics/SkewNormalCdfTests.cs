using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>Owen's T, the skew-normal CDF and its log tail, against SciPy and mpmath.</summary>
public sealed class SkewNormalCdfTests
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
        var zs = new[] { -0.3, -1, -3, -7, -20, -38, -45, -1000 };
        var alphas = new[] { -50.0, -5, 0, 0.3, 3, 50 };
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

    [Property]
    public Property Cdf_is_in_the_unit_interval_and_monotone_and_its_log_is_monotone()
    {
        var gen =
            from a in Gen.Choose(-5000, 5000).Select(i => i / 100.0)
            from xs in Gen.ArrayOf(Gen.Choose(-400_000, 400_000).Select(i => i / 1000.0))
            select (a, xs.Order().ToArray());
        return Prop.ForAll(gen.ToArbitrary(), t =>
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
}
