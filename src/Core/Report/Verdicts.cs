using System.Globalization;
using Unlearning.Core.Statistics;

namespace Unlearning.Core.Report;

/// <summary>
/// The verdict rules of docs/report.md, as pure functions of the statistics, so the laws can be checked
/// without a run. Nothing here looks at which group is ID or OOD: a claim names its favoured group.
/// </summary>
public static class Verdicts
{
    /// <summary>
    /// A directional two-group claim "favoured &gt; other":
    /// too few examples in either group → inconclusive;
    /// two-sided Mann–Whitney p &lt; α with A &gt; ½ → holds; p &lt; α with A &lt; ½ → does not hold (the opposite is significant);
    /// otherwise, if the whole bootstrap interval of A lies below the negligible-effect threshold → does not hold
    /// (any effect the claimed way is negligible); else inconclusive.
    /// </summary>
    public static (Verdict Verdict, string Reason) TwoGroup(
        int nFavoured, int nOther, MannWhitneyResult? test, ConfidenceInterval? effect, ReportSettings settings) =>
        TwoGroup(nFavoured, nOther, test?.PValue, test?.Auc, effect, settings);

    /// <summary>The same rules for any rank test giving a two-sided p and an effect A (van Elteren's stratified one too).</summary>
    public static (Verdict Verdict, string Reason) TwoGroup(
        int nFavoured, int nOther, double? pValue, double? auc, ConfidenceInterval? effect, ReportSettings settings)
    {
        var minimum = settings.MinimumPerGroup;
        if (nFavoured < minimum || nOther < minimum || pValue is not { } pv || auc is not { } av)
        {
            return (Verdict.Inconclusive, $"too few examples: {nFavoured} and {nOther}, need at least {minimum} in each group");
        }

        var p = Format.P(pv);
        var a = Format.Fixed(av, 2);
        if (pv < settings.Alpha && av > 0.5)
        {
            return (Verdict.Holds, $"significant in the claimed direction (A = {a}, p {p})");
        }

        if (pv < settings.Alpha && av < 0.5)
        {
            return (Verdict.DoesNotHold, $"the opposite is significant (A = {a}, p {p})");
        }

        if (effect is { } e && e.Below(settings.NegligibleAuc))
        {
            return (Verdict.DoesNotHold,
                $"no effect of a meaningful size the claimed way: A's {Percent(e.Level)} interval [{Format.Fixed(e.Lower, 2)}, {Format.Fixed(e.Upper, 2)}] lies below {Format.Fixed(settings.NegligibleAuc, 2)} (p {p})");
        }

        return (Verdict.Inconclusive, $"not significant (A = {a}, p {p}) and a meaningful effect is not ruled out");
    }

    /// <summary>Both parts must hold; one that does not hold sinks the claim; otherwise inconclusive.</summary>
    public static Verdict All(IEnumerable<Verdict> parts)
    {
        var list = parts.ToList();
        return list.Contains(Verdict.DoesNotHold) ? Verdict.DoesNotHold
            : list.Count > 0 && list.All(v => v == Verdict.Holds) ? Verdict.Holds
            : Verdict.Inconclusive;
    }

    /// <summary>
    /// Holm's step-down adjustment of a family of p-values (NaN stays NaN and is left out of the family):
    /// p_(i) ↦ max_{j ≤ i} min(1, (m − j + 1)·p_(j)).
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> pValues)
    {
        var order = Enumerable.Range(0, pValues.Count).Where(i => !double.IsNaN(pValues[i])).OrderBy(i => pValues[i]).ThenBy(i => i).ToList();
        var adjusted = Enumerable.Repeat(double.NaN, pValues.Count).ToArray();
        var m = order.Count;
        var running = 0.0;
        for (var j = 0; j < m; j++)
        {
            running = Math.Max(running, Math.Min(1.0, (m - j) * pValues[order[j]]));
            adjusted[order[j]] = running;
        }

        return adjusted;
    }

    /// <summary>
    /// A correlation row's finding: too few pairs; correlated (Holm-adjusted p &lt; α and the bootstrap
    /// interval excludes 0 on the same side); at most weak (the interval lies inside ±weak); or no clear evidence.
    /// </summary>
    public static string CorrelationFinding(int n, double rho, double adjustedP, ConfidenceInterval? interval, ReportSettings settings)
    {
        if (n < settings.MinimumPerGroup || double.IsNaN(rho))
        {
            return n < settings.MinimumPerGroup ? "too few" : "undefined (a constant variable)";
        }

        if (adjustedP < settings.Alpha && interval is { } ci && ((rho > 0 && ci.Above(0)) || (rho < 0 && ci.Below(0))))
        {
            return rho > 0 ? "positive" : "negative";
        }

        return interval is { } w && w.IsDefined && w.Lower > -settings.WeakCorrelation && w.Upper < settings.WeakCorrelation
            ? "at most weak"
            : "no clear evidence";
    }

    /// <summary>
    /// Claim 3 (memorization and difficulty affect unlearning): holds when any correlation is found positive or
    /// negative after Holm's correction; does not hold when every row was tested and each is at most weak;
    /// otherwise inconclusive.
    /// </summary>
    public static (Verdict Verdict, string Reason) Correlations(IReadOnlyList<CorrelationRow> rows, ReportSettings settings)
    {
        var found = rows.Where(r => r.Finding is "positive" or "negative").ToList();
        if (found.Count > 0)
        {
            var list = string.Join("; ", found.Select(r => $"{r.Outcome} with {r.Factor} in {r.Group}: ρ = {Format.Fixed(r.Rho, 2)}"));
            return (Verdict.Holds, $"{found.Count} of {rows.Count} correlations significant after Holm's correction ({list})");
        }

        if (rows.Count > 0 && rows.All(r => r.Finding == "at most weak"))
        {
            return (Verdict.DoesNotHold, $"all {rows.Count} correlations are at most weak (every interval inside ±{Format.Fixed(settings.WeakCorrelation, 2)})");
        }

        var tooFew = rows.Count(r => r.Finding == "too few");
        return (Verdict.Inconclusive, tooFew > 0
            ? $"no significant correlation; {tooFew} of {rows.Count} had too few examples"
            : $"no significant correlation among {rows.Count}, and moderate ones are not ruled out");
    }

    public static string Text(Verdict verdict) => verdict switch
    {
        Verdict.Holds => "holds",
        Verdict.DoesNotHold => "does not hold",
        _ => "inconclusive",
    };

    private static string Percent(double level) => (level * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
