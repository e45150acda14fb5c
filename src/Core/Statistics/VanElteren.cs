using LanguageExt;
using MathNet.Numerics;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Statistics;

/// <summary>
/// Van Elteren's stratified Wilcoxon–Mann–Whitney test of x against y. <see cref="Statistic"/> is
/// T = Σ_s w_s·U1_s with w_s = 1/(N_s + 1), U1_s the Mann–Whitney U of x against y within stratum s
/// (N_s = n1_s + n2_s); <see cref="Expected"/> and <see cref="Variance"/> are its null mean and variance,
/// <see cref="Z"/> = (T − E)/√V and <see cref="PValue"/> two-sided from the normal distribution (no continuity
/// correction). <see cref="Auc"/> is the stratified effect Σ w_s U1_s / Σ w_s n1_s n2_s: a weighted mean of the
/// per-stratum A = P(x &gt; y) + ½P(tie). Strata holding only one of the two samples carry no information and are
/// left out; <see cref="N1"/>, <see cref="N2"/> and <see cref="Strata"/> count what was used.
/// </summary>
public sealed record StratifiedResult(double Statistic, double Expected, double Variance, double Z, double PValue, double Auc, int N1, int N2, int Strata);

public static class VanElteren
{
    /// <summary>
    /// The test over strata given as (x values, y values) per stratum. E = Σ w_s n1 n2 / 2,
    /// V = Σ w_s² · n1 n2 / 12 · ((N + 1) − Σ(t³ − t)/(N(N − 1))) with the tie term of the stratum.
    /// Errors: NaN values, or no stratum holding both samples.
    /// </summary>
    public static Either<InputError, StratifiedResult> Test(IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)> strata) =>
        from _ in Samples.Require(
            strata.All(s => !s.X.Any(double.IsNaN) && !s.Y.Any(double.IsNaN)),
            () => new InputError("van Elteren", "strata", "values that are not NaN", "NaN"))
        from result in Compute(strata) is { } r
            ? Prelude.Right<InputError, StratifiedResult>(r)
            : Prelude.Left<InputError, StratifiedResult>(new InputError("van Elteren", "strata", "at least one stratum holding both samples", "none"))
        select result;

    /// <summary>The test, or null when no stratum holds both samples (NaN not checked).</summary>
    internal static StratifiedResult? Compute(IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)> strata)
    {
        double t = 0, e = 0, v = 0, weightedPairs = 0;
        int n1 = 0, n2 = 0, used = 0;
        foreach (var (x, y) in strata)
        {
            if (x.Count == 0 || y.Count == 0)
            {
                continue;
            }

            double a = x.Count, b = y.Count, n = a + b;
            var w = 1.0 / (n + 1);
            var pooled = x.Concat(y).ToArray();
            t += w * MannWhitney.U1(x, y);
            e += w * a * b / 2;
            weightedPairs += w * a * b;
            v += w * w * a * b / 12 * ((n + 1) - (Ranks.TieTerm(pooled) / (n * (n - 1))));
            n1 += x.Count;
            n2 += y.Count;
            used++;
        }

        if (used == 0)
        {
            return null;
        }

        // Every value tied in every stratum: no evidence either way.
        var z = v > 0 ? (t - e) / Math.Sqrt(v) : 0;
        var p = v > 0 ? SpecialFunctions.Erfc(Math.Abs(z) / Math.Sqrt(2.0)) : 1.0;
        return new StratifiedResult(t, e, v, z, Math.Clamp(p, 0, 1), t / weightedPairs, n1, n2, used);
    }

    /// <summary>The stratified effect alone, for resampling loops; NaN without a stratum holding both samples.</summary>
    internal static double Auc(IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)> strata)
    {
        double t = 0, pairs = 0;
        foreach (var (x, y) in strata)
        {
            if (x.Count > 0 && y.Count > 0)
            {
                var w = 1.0 / (x.Count + y.Count + 1);
                t += w * MannWhitney.U1(x, y);
                pairs += w * x.Count * y.Count;
            }
        }

        return pairs > 0 ? t / pairs : double.NaN;
    }
}
