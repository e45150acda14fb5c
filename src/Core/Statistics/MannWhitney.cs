using LanguageExt;
using MathNet.Numerics;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Statistics;

public enum PValueMethod
{
    /// <summary>The exact null distribution of U (small samples without ties).</summary>
    Exact,

    /// <summary>Normal approximation with tie correction and continuity correction.</summary>
    Asymptotic,
}

/// <summary>
/// Mann–Whitney U of sample x against sample y. <see cref="U1"/> counts pairs with x &gt; y (ties ½),
/// U1 + U2 = n1·n2. <see cref="PValue"/> is two-sided.
/// </summary>
public sealed record MannWhitneyResult(double U1, double U2, double PValue, PValueMethod Method, int N1, int N2)
{
    /// <summary>P(X &gt; Y) + ½P(X = Y) estimated as U1/(n1·n2): the common-language effect size (ROC AUC).</summary>
    public double Auc => U1 / ((double)N1 * N2);
}

/// <summary>The Mann–Whitney U test as SciPy 1.10's <c>mannwhitneyu(x, y, method="auto")</c>.</summary>
public static class MannWhitney
{
    /// <summary>
    /// U1 = R1 − n1(n1+1)/2 with R1 the sum of x's average ranks in the pooled sample.
    /// Two-sided p from U = max(U1, U2): exact when n1 ≤ 8 or n2 ≤ 8 and there are no ties, else
    /// z = (U − n1n2/2 − ½)/σ, σ² = n1n2/12 · ((n+1) − Σ(t³−t)/(n(n−1))), p = 2·(1 − Φ(z)).
    /// Infinities are allowed (they rank as extremes); NaN and empty samples are errors.
    /// </summary>
    public static Either<InputError, MannWhitneyResult> Test(IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        from a in Samples.Check(x, "x")
        from b in Samples.Check(y, "y")
        select Compute(a, b);

    internal static MannWhitneyResult Compute(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n1 = x.Count, n2 = y.Count;
        var pooled = x.Concat(y).ToArray();
        var ranks = Ranks.Average(pooled);
        var r1 = 0.0;
        for (var i = 0; i < n1; i++)
        {
            r1 += ranks[i];
        }

        var u1 = r1 - (n1 * (n1 + 1) / 2.0);
        var u2 = ((double)n1 * n2) - u1;
        var u = Math.Max(u1, u2);
        var tieTerm = Ranks.TieTerm(pooled);
        var exact = (n1 <= 8 || n2 <= 8) && tieTerm == 0;
        var p = exact ? 2.0 * ExactSurvival((int)Math.Round(u), n1, n2) : 2.0 * AsymptoticSurvival(u, n1, n2, tieTerm);
        return new MannWhitneyResult(u1, u2, Math.Clamp(p, 0.0, 1.0), exact ? PValueMethod.Exact : PValueMethod.Asymptotic, n1, n2);
    }

    /// <summary>U1 alone, for resampling loops.</summary>
    internal static double U1(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var ranks = Ranks.Average(x.Concat(y).ToArray());
        var r1 = 0.0;
        for (var i = 0; i < x.Count; i++)
        {
            r1 += ranks[i];
        }

        return r1 - (x.Count * (x.Count + 1) / 2.0);
    }

    private static double AsymptoticSurvival(double u, int n1, int n2, double tieTerm)
    {
        double n = n1 + n2;
        var variance = n1 * (double)n2 / 12.0 * ((n + 1) - (tieTerm / (n * (n - 1))));
        var numerator = u - (n1 * (double)n2 / 2.0) - 0.5;
        if (variance <= 0)
        {
            // Every value tied: no evidence either way.
            return 0.5;
        }

        var z = numerator / Math.Sqrt(variance);
        return 0.5 * SpecialFunctions.Erfc(z / Math.Sqrt(2.0));
    }

    /// <summary>
    /// P(U ≥ u) under the null, u an integer. The counts of U = k over all C(m+n, m) arrangements are
    /// the coefficients of the Gaussian binomial Π_{i=1..m} (1 − q^{n+i})/(1 − q^i); by symmetry
    /// P(U ≥ u) = P(U ≤ mn − u).
    /// </summary>
    internal static double ExactSurvival(int u, int m, int n)
    {
        if (m > n)
        {
            (m, n) = (n, m);
        }

        var size = (m * n) + 1;
        var counts = new double[size];
        counts[0] = 1.0;
        for (var i = 1; i <= m; i++)
        {
            // Multiply by (1 − q^{n+i}): descending so each coefficient uses the old value.
            for (var k = size - 1; k >= n + i; k--)
            {
                counts[k] -= counts[k - n - i];
            }

            // Divide by (1 − q^i): r[k] = p[k] + r[k − i] (the division is exact).
            for (var k = i; k < size; k++)
            {
                counts[k] += counts[k - i];
            }
        }

        var total = counts.Sum();
        var upTo = (m * n) - u;
        var cumulative = 0.0;
        for (var k = 0; k <= upTo && k < size; k++)
        {
            cumulative += counts[k];
        }

        return cumulative / total;
    }
}
