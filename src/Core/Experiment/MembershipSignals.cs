using Unlearning.Core.Metrics;
using Unlearning.Core.Training;

namespace Unlearning.Core.Experiment;

/// <summary>The three membership statistics the tables keep per example and model (src/Core/Metrics/Membership.cs).</summary>
public sealed record MembershipTriple(double Zlib, double MinK, double MinKPlusPlus);

/// <summary>Per-example membership AUCs against a population (StepRow.Membership*, ExampleRow.Membership*Ref).</summary>
public sealed record MembershipAucs(double? Zlib, double? MinK, double? MinKPlusPlus);

/// <summary>
/// Membership-inference signals from the engine's evaluation: the engine reports log2 p and the
/// mean and standard deviation of log2 p under each next-token distribution; the metrics take
/// natural logs, so all three are multiplied by ln 2 (Min-K%++ is invariant to that scale anyway).
/// </summary>
public static class MembershipSignals
{
    private const double Ln2 = 0.69314718055994530942;

    /// <summary>The triple of one scored sequence (evaluated with distribution statistics), or null when a statistic is undefined.</summary>
    public static MembershipTriple? Of(string exampleId, string source, SequenceScore s, string text)
    {
        var logProbs = s.Log2Probs.Select(v => v * Ln2).ToArray();
        var mean = s.MeanLog2Prob.Select(v => v * Ln2).ToArray();
        var std = s.StdLog2Prob.Select(v => v * Ln2).ToArray();
        return Membership.All(new TokenLogProbs(exampleId, source, logProbs), text, mean, std)
            .MatchUnsafe(m => new MembershipTriple(m.ZlibRatio, m.MinK, m.MinKPlusPlus), _ => (MembershipTriple?)null);
    }

    /// <summary>
    /// The per-example AUC of x against the population for each statistic: the share of P the
    /// attack ranks as less likely a member than x, ties ½. Null where x's or any member's statistic is missing.
    /// </summary>
    public static MembershipAucs Aucs(string source, MembershipTriple? x, IReadOnlyList<MembershipTriple?> population)
    {
        if (x is null || population.Count == 0 || population.Any(p => p is null))
        {
            return new MembershipAucs(null, null, null);
        }

        double? Auc(MembershipScore kind, Func<MembershipTriple, double> pick) =>
            Membership.Auc(kind, source, [pick(x)], [.. population.Select(p => pick(p!))]).MatchUnsafe(a => a, _ => (double?)null);

        return new MembershipAucs(
            Auc(MembershipScore.Zlib, m => m.Zlib),
            Auc(MembershipScore.MinK, m => m.MinK),
            Auc(MembershipScore.MinKPlusPlus, m => m.MinKPlusPlus));
    }

    /// <summary>The mean of each AUC over K reference models (null if any is null).</summary>
    public static MembershipAucs Mean(IReadOnlyList<MembershipAucs> perModel)
    {
        static double? M(IEnumerable<double?> xs)
        {
            var list = xs.ToList();
            return list.Count == 0 || list.Any(x => x is null) ? null : list.Average(x => x!.Value);
        }

        return new MembershipAucs(M(perModel.Select(a => a.Zlib)), M(perModel.Select(a => a.MinK)), M(perModel.Select(a => a.MinKPlusPlus)));
    }
}
