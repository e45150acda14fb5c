using LanguageExt;
using MathNet.Numerics.Distributions;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Statistics;

/// <summary>Spearman's ρ with its two-sided p-value (SciPy's <c>spearmanr</c>).</summary>
public sealed record SpearmanResult(double Rho, double PValue, int N);

public static class Spearman
{
    /// <summary>
    /// ρ = Pearson correlation of the average ranks (ties share their mean rank).
    /// p: t = ρ·√((n−2)/((1+ρ)(1−ρ))) against Student's t with n − 2 degrees of freedom, two-sided.
    /// ρ is NaN when either sample is constant (no ranking to correlate); p is NaN for n &lt; 3.
    /// Infinite values are allowed and rank as extremes (a censored step count, for example).
    /// </summary>
    public static Either<InputError, SpearmanResult> Correlate(IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        from a in Samples.Check(x, "x", 2)
        from b in Samples.Check(y, "y", 2)
        from same in Samples.Require(a.Length == b.Length, () => new InputError("statistics", "y", $"as many values as x ({a.Length})", $"{b.Length}"))
        select Compute(a, b);

    internal static SpearmanResult Compute(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var n = x.Count;
        var rho = Pearson(Ranks.Average(x), Ranks.Average(y));
        return new SpearmanResult(rho, PValue(rho, n), n);
    }

    /// <summary>ρ only, for resampling loops.</summary>
    internal static double Rho(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(Ranks.Average(x), Ranks.Average(y));

    internal static double PValue(double rho, int n)
    {
        if (double.IsNaN(rho) || n < 3)
        {
            return double.NaN;
        }

        var dof = n - 2.0;
        var denominator = (1.0 + rho) * (1.0 - rho);
        if (denominator <= 0)
        {
            return 0.0;
        }

        var t = rho * Math.Sqrt(dof / denominator);
        return Math.Min(1.0, 2.0 * StudentT.CDF(0.0, 1.0, dof, -Math.Abs(t)));
    }

    private static double Pearson(double[] a, double[] b)
    {
        var n = a.Length;
        var meanA = a.Average();
        var meanB = b.Average();
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < n; i++)
        {
            var da = a[i] - meanA;
            var db = b[i] - meanB;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }

        if (saa == 0 || sbb == 0)
        {
            return double.NaN;
        }

        return Math.Clamp(sab / Math.Sqrt(saa * sbb), -1.0, 1.0);
    }
}
