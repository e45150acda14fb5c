using MathNet.Numerics.Distributions;
using Unlearning.Core.Results;

namespace Unlearning.Core.Report;

/// <summary>
/// Pooling a claim's tests over S replicate seeds (SPEC §10): the pooled effect is the mean of the seeds' effects
/// A, its interval the t-interval across seeds, mean ± t_{S−1}·sd/√S, and its p the one-sample t-test of the seeds'
/// A against ½. The verdict rules of a single run apply to that p, mean and interval.
/// </summary>
public static class Replicates
{
    public const string PooledSeed = "pooled";

    public static List<ClaimRow> Pool(IReadOnlyList<ReportModel> models, ReportSettings settings)
    {
        var rows = new List<ClaimRow>();
        var tests = models.SelectMany(m => m.ClaimRows).Where(r => r.Statistic is "mann_whitney" or "van_elteren").ToList();
        foreach (var g in tests.GroupBy(r => (r.Claim, r.Part, r.Analysis, r.Exposure)))
        {
            var list = g.ToList();
            var effects = list.Select(r => r.Effect).OfType<double>().ToList();
            var (mean, low, high, p) = Across(effects, settings.Level);
            // The claim's favoured group: OOD for t* (1a), ID otherwise, as the single-run rows count them.
            var nId = list.Sum(r => r.NId);
            var nOod = list.Sum(r => r.NOod);
            var (nFavoured, nOther) = g.Key.Claim == "1a" ? (nOod, nId) : (nId, nOod);
            var interval = effects.Count > 1 ? new Statistics.ConfidenceInterval(mean, low, high, settings.Level, effects.Count, effects.Count) : null;
            var (verdict, _) = Verdicts.TwoGroup(nFavoured, nOther, effects.Count > 1 ? p : null, effects.Count > 1 ? mean : null, interval, settings);
            rows.Add(new ClaimRow
            {
                Claim = g.Key.Claim, Part = g.Key.Part, Analysis = g.Key.Analysis, Exposure = g.Key.Exposure, Statistic = "mean_across_seeds",
                NId = nId, NOod = nOod, Effect = effects.Count > 0 ? mean : null, CiLow = Finite(low), CiHigh = Finite(high), P = Finite(p),
                Verdict = Verdicts.Text(verdict), Seed = PooledSeed,
            });
        }

        // Combined rows: every pooled part must hold (claims 1 and 2); claim 3 holds pooled only when it holds on every seed.
        foreach (var g in rows.ToList().GroupBy(r => (Number: r.Claim[..1], r.Analysis, r.Exposure)))
        {
            var verdict = Verdicts.All(g.Select(r => Parse(r.Verdict)));
            rows.Add(Combined(g.Key.Number, g.Key.Analysis, g.Key.Exposure, verdict, g.Max(r => r.NId), g.Max(r => r.NOod)));
        }

        foreach (var third in models.SelectMany(m => m.ClaimRows).Where(r => r.Claim == "3" && r.Part == "all").GroupBy(r => r.Exposure))
        {
            var verdicts = third.Select(r => Parse(r.Verdict)).ToList();
            var verdict = verdicts.All(v => v == Verdict.Holds) ? Verdict.Holds : verdicts.All(v => v == Verdict.DoesNotHold) ? Verdict.DoesNotHold : Verdict.Inconclusive;
            rows.Add(Combined("3", "raw", third.Key, verdict, third.Sum(r => r.NId), third.Sum(r => r.NOod)));
        }

        return rows;
    }

    private static ClaimRow Combined(string claim, string analysis, string exposure, Verdict verdict, int nId, int nOod) => new()
    {
        Claim = claim, Part = "all", Analysis = analysis, Exposure = exposure, Statistic = "all_parts", NId = nId, NOod = nOod,
        Verdict = Verdicts.Text(verdict), Seed = PooledSeed,
    };

    /// <summary>Mean, t-interval and two-sided one-sample t-test p against ½ of the seeds' effects; NaN where undefined.</summary>
    internal static (double Mean, double Low, double High, double P) Across(IReadOnlyList<double> effects, double level)
    {
        var n = effects.Count;
        if (n == 0)
        {
            return (double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var mean = effects.Average();
        if (n < 2)
        {
            return (mean, double.NaN, double.NaN, double.NaN);
        }

        var sd = Math.Sqrt(effects.Sum(e => (e - mean) * (e - mean)) / (n - 1));
        var se = sd / Math.Sqrt(n);
        var t = StudentT.InvCDF(0, 1, n - 1, 0.5 + (level / 2));
        if (se == 0)
        {
            return (mean, mean, mean, mean == 0.5 ? 1.0 : 0.0);
        }

        var p = 2 * StudentT.CDF(0, 1, n - 1, -Math.Abs((mean - 0.5) / se));
        return (mean, mean - (t * se), mean + (t * se), p);
    }

    private static Verdict Parse(string text) => text switch
    {
        "holds" => Verdict.Holds,
        "does not hold" => Verdict.DoesNotHold,
        _ => Verdict.Inconclusive,
    };

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}
