using System.Collections.Immutable;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>The membership-inference statistics, each with its literature sign.</summary>
public enum MembershipScore
{
    /// <summary>LOSS (Yeom et al. 2018): mean NLL, nats/token. Lower means member.</summary>
    Loss,

    /// <summary>zlib (Carlini et al. 2021): mean NLL / zlib-compressed length of the text in bytes. Lower means member.</summary>
    Zlib,

    /// <summary>Min-K% (Shi et al. 2024): mean of the k·L lowest token log-probabilities. Higher means member.</summary>
    MinK,

    /// <summary>Min-K%++ (Zhang et al. 2024): Min-K% of (log p(x_i) − μ_i)/σ_i. Higher means member.</summary>
    MinKPlusPlus,
}

/// <summary>
/// Mann–Whitney counts of forget scores against a population: M forget examples and twice
/// U = Σ_x (#population less member-like than x) + ½·#ties, as an exact fold (integers).
/// </summary>
public readonly record struct AucCount(long Forget, long Population, long TwiceU)
{
    public static AucCount Empty(long population) => new(0, population, 0);

    /// <summary>One forget score against the population's scores sorted ascending.</summary>
    public static AucCount Add(AucCount c, MembershipScore kind, System.Collections.Immutable.ImmutableArray<double> sortedPopulation, double forget)
    {
        long below = Metrics.Population.LowerBound(sortedPopulation, forget);
        long ties = Metrics.Population.UpperBound(sortedPopulation, forget) - below;
        long beaten = Membership.HigherMeansMember(kind) ? below : sortedPopulation.Length - below - ties;
        return new AucCount(c.Forget + 1, sortedPopulation.Length, c.TwiceU + (2 * beaten) + ties);
    }

    public static AucCount Merge(AucCount a, AucCount b) => new(a.Forget + b.Forget, Math.Max(a.Population, b.Population), a.TwiceU + b.TwiceU);

    /// <summary>AUC = U / (M·N): the probability that a forget example looks more like a member than a population example, ties half.</summary>
    public double Auc => (double)TwiceU / (2.0 * Forget * Population);
}

/// <summary>The four membership statistics of one example, each in its literature form (see <see cref="MembershipScore"/>).</summary>
public sealed record MembershipScores(double Loss, double ZlibRatio, double MinK, double MinKPlusPlus);

/// <summary>
/// Membership-inference scores per example and their ROC AUC of forget examples against the
/// population (as in open-unlearning and MUSE). AUC 0.5: forget examples look like text the model
/// never saw; above: they still look like training members; below: over-unlearned.
/// </summary>
public static class Membership
{
    /// <summary>k of Min-K% and Min-K%++ when none is configured (Shi et al. use 20%).</summary>
    public const double DefaultK = 0.2;

    /// <summary>All four statistics of one example at once (μ_i, σ_i as for <see cref="MinKPlusPlus"/>).</summary>
    public static Either<InputError, MembershipScores> All(TokenLogProbs x, string text, double[] mean, double[] std, double k = DefaultK) =>
        from loss in Loss(x)
        from zlib in ZlibRatio(x, text)
        from minK in MinK(x, k)
        from minKpp in MinKPlusPlus(x, mean, std, k)
        select new MembershipScores(loss, zlib, minK, minKpp);

    /// <summary>
    /// μ = Σ_v p_v·log p_v and σ = √(Σ_v p_v·(log p_v)² − μ²) of log p under one next-token distribution,
    /// from its natural-log probabilities over the vocabulary: the per-position inputs of Min-K%++,
    /// for an engine that does not compute them itself (two passes, the second about μ, no cancellation).
    /// </summary>
    public static (double Mean, double Std) LogProbMoments(ReadOnlySpan<double> vocabularyLogProbs)
    {
        double mean = 0;
        foreach (double lp in vocabularyLogProbs)
        {
            mean += lp > double.NegativeInfinity ? Math.Exp(lp) * lp : 0;
        }

        double variance = 0;
        foreach (double lp in vocabularyLogProbs)
        {
            variance += lp > double.NegativeInfinity ? Math.Exp(lp) * (lp - mean) * (lp - mean) : 0;
        }

        return (mean, Math.Sqrt(variance));
    }

    public static bool HigherMeansMember(MembershipScore kind) => kind is MembershipScore.MinK or MembershipScore.MinKPlusPlus;

    /// <summary>LOSS: mean NLL in nats per token.</summary>
    public static Either<InputError, double> Loss(TokenLogProbs x) => Score.Validate(x).Map(s => s.MeanNats);

    /// <summary>zlib ratio: mean NLL (nats/token) divided by the length in bytes of the zlib-compressed UTF-8 text.</summary>
    public static Either<InputError, double> ZlibRatio(TokenLogProbs x, string text) =>
        Score.Validate(x).Bind(s =>
            text.Length == 0
                ? Prelude.Left<InputError, double>(new InputError(Checks.Example(x.ExampleId, x.Source), "text", "non-empty text", "\"\""))
                : Prelude.Right<InputError, double>(s.MeanNats / ZlibLength(text)));

    /// <summary>
    /// Length in bytes of zlib.compress(UTF-8 text) at the default level (.NET's ZLibStream, Optimal);
    /// .NET's zlib-ng can differ from CPython's zlib by a few bytes.
    /// </summary>
    public static int ZlibLength(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(bytes);
        }

        return (int)buffer.Length;
    }

    /// <summary>Min-K%: mean of the max(1, ⌊k·L⌋) lowest token log-probabilities (natural log).</summary>
    public static Either<InputError, double> MinK(TokenLogProbs x, double k = DefaultK) =>
        CheckK(x, k).Bind(_ => Score.Validate(x)).Map(_ => LowestMean((double[])x.LogProbs.Clone(), k));

    /// <summary>
    /// Min-K%++: with μ_i = E_{z∼p(·|x&lt;i)}[log p(z)] and σ_i its standard deviation under the model's
    /// next-token distribution at position i (the engine provides both), the mean of the
    /// max(1, ⌊k·L⌋) lowest (log p(x_i) − μ_i)/σ_i. A position with σ_i ≤ 1e-12 (a uniform or
    /// one-hot next-token distribution, where log p(x_i) = μ_i) contributes 0.
    /// </summary>
    public static Either<InputError, double> MinKPlusPlus(TokenLogProbs x, double[] mean, double[] std, double k = DefaultK)
    {
        string where = Checks.Example(x.ExampleId, x.Source);
        if (mean.Length != x.LogProbs.Length || std.Length != x.LogProbs.Length)
        {
            return new InputError(where, "mean, std", $"one per token ({x.LogProbs.Length})", $"{mean.Length}, {std.Length}");
        }

        for (int i = 0; i < mean.Length; i++)
        {
            if (!double.IsFinite(mean[i]) || !double.IsFinite(std[i]) || std[i] < 0)
            {
                return new InputError(where, $"mean[{i}], std[{i}]", "finite, std ≥ 0", $"{Checks.Show(mean[i])}, {Checks.Show(std[i])}");
            }
        }

        return CheckK(x, k).Bind(_ => Score.Validate(x)).Map(_ =>
        {
            var z = new double[mean.Length];
            for (int i = 0; i < z.Length; i++)
            {
                z[i] = std[i] > 1e-12 ? (x.LogProbs[i] - mean[i]) / std[i] : 0;
            }

            return LowestMean(z, k);
        });
    }

    /// <summary>
    /// ROC AUC of forget examples against the population for one statistic: U/(M·N) with
    /// U = Σ_{forget f} Σ_{population p} [f more member-like than p] + ½[f = p], the Mann–Whitney
    /// statistic; "more member-like" is lower for LOSS and zlib, higher for Min-K% and Min-K%++.
    /// </summary>
    public static Either<InputError, double> Auc(MembershipScore kind, string source, IReadOnlyList<double> forget, IReadOnlyList<double> population) =>
        Count(kind, source, forget, population).Map(c => c.Auc);

    /// <summary>The Mann–Whitney counts behind <see cref="Auc"/> (a fold: merge counts of parts of the forget set).</summary>
    public static Either<InputError, AucCount> Count(MembershipScore kind, string source, IReadOnlyList<double> forget, IReadOnlyList<double> population)
    {
        string where = $"{kind} scores of source {source}";
        if (forget.Count == 0)
        {
            return new InputError(where, "forget", "at least one forget example", "none");
        }

        if (population.Count == 0)
        {
            return new InputError(where, "population", "at least one population example", "none");
        }

        foreach (var (list, name) in new[] { (forget, "forget"), (population, "population") })
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (!double.IsFinite(list[i]))
                {
                    return new InputError(where, $"{name}[{i}]", "a finite score", Checks.Show(list[i]));
                }
            }
        }

        var sorted = population.Order().ToImmutableArray();
        return forget.Aggregate(AucCount.Empty(sorted.Length), (c, f) => AucCount.Add(c, kind, sorted, f));
    }

    private static Either<InputError, Unit> CheckK(TokenLogProbs x, double k) =>
        k > 0 && k <= 1
            ? Unit.Default
            : new InputError(Checks.Example(x.ExampleId, x.Source), "k", "a fraction in (0, 1]", k.ToString("R", CultureInfo.InvariantCulture));

    private static double LowestMean(double[] values, double k)
    {
        int take = Math.Max(1, (int)Math.Floor(k * values.Length));
        Array.Sort(values);
        double sum = 0;
        for (int i = 0; i < take; i++)
        {
            sum += values[i];
        }

        return sum / take;
    }
}
