using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Metrics;

namespace Unlearning.Core.Experiment;

/// <summary>A set of examples of one source to score: ids, tokens and texts (for the zlib statistic), in a fixed order.</summary>
public sealed record ScoredSet(string Source, IReadOnlyList<string> Ids, IReadOnlyList<int[]> Tokens, IReadOnlyList<string> Texts);

/// <summary>
/// What θ0 and θref say about a forget example before any unlearning (SPEC §4, §5, §7), computed
/// once per example. Bits in bits; exposures in bits; memorization and difficulty in bits per token.
/// With K reference models, BitsRef, ExposureRef, ExposureExtRef and the percentile are means over k, and
/// <see cref="ExposureRefSd"/> is the sample standard deviation of the K rank exposures (null when K = 1): the
/// noise floor Δ0 is read against. <see cref="AtCeiling"/>: E0 (rank) lies within <see cref="CeilingMargin"/> bit
/// of its ceiling log2(n + 1), where rank exposure saturates (SPEC §4).
/// </summary>
public sealed record ForgetBaseline(
    string ExampleId,
    string Source,
    double BitsBase,
    double BitsRef,
    double ExposureBase,
    double ExposureRef,
    double ExposureExtBase,
    double ExposureExtRef,
    double Memorization,
    double Difficulty,
    double DifficultyPercentile,
    double? ExposureRefSd = null,
    bool AtCeiling = false)
{
    /// <summary>How close to log2(n + 1) a rank exposure under θ0 is flagged as at the ceiling, bits.</summary>
    public const double CeilingMargin = 0.5;

    /// <summary>E0 of the kind that drives quality.</summary>
    public double DrivingBase(MetricsConfig m) => m.QualityExposure == "extrapolated" ? ExposureExtBase : ExposureBase;

    /// <summary>Eref of the kind that drives quality.</summary>
    public double DrivingRef(MetricsConfig m) => m.QualityExposure == "extrapolated" ? ExposureExtRef : ExposureRef;

    /// <summary>Δ0 = E0 − Eref of the driving kind.</summary>
    public double Excess(MetricsConfig m) => Quality.ExcessExposure(DrivingBase(m), DrivingRef(m));

    public bool Memorized(MetricsConfig m) => Quality.IsMemorized(DrivingBase(m), DrivingRef(m), m.Tau);
}

/// <summary>Scores under one model of a source's population, with its skew-normal fit.</summary>
public sealed record ScoredPopulation(Population Population, SkewNormalFit Fit)
{
    public static Either<InputError, ScoredPopulation> Of(string source, IReadOnlyList<string> ids, IReadOnlyList<double> bits) =>
        Population.Of(source, ids.Select((id, i) => new ExampleScore(id, source, bits[i])))
            .Bind(p => SkewNormal.Fit(p).Map(f => new ScoredPopulation(p, f)));

    public Either<InputError, (double Rank, double Extrapolated)> Exposures(ExampleScore x) =>
        from rank in Exposure.Rank(x, Population)
        from ext in Exposure.Extrapolated(x, Fit)
        select (rank, ext);
}

public static class Baselines
{
    /// <summary>
    /// The baseline of one forget example of L tokens from its scores under θ0 and each θref_k and
    /// its population scored under the same models.
    /// </summary>
    public static Either<InputError, ForgetBaseline> Of(
        string exampleId, string source, int tokens,
        double bitsBase, ScoredPopulation populationBase,
        IReadOnlyList<double> bitsRef, IReadOnlyList<ScoredPopulation> populationRef)
    {
        if (bitsRef.Count == 0 || bitsRef.Count != populationRef.Count)
        {
            return new InputError($"example {exampleId}", "reference scores", "one score and one population per reference model", $"{bitsRef.Count} and {populationRef.Count}");
        }

        var xBase = new ExampleScore(exampleId, source, bitsBase);
        return populationBase.Exposures(xBase).Bind(e0 =>
        {
            double rank = 0, ext = 0, percentile = 0, mem = 0, diff = 0;
            var ranks = new List<double>(bitsRef.Count);
            for (int k = 0; k < bitsRef.Count; k++)
            {
                var xRef = new ExampleScore(exampleId, source, bitsRef[k]);
                var parts =
                    from e in populationRef[k].Exposures(xRef)
                    from p in Memorization.DifficultyPercentile(xRef, populationRef[k].Population)
                    from m in Memorization.Of(xBase, xRef, tokens)
                    from d in Memorization.Difficulty(xRef, tokens)
                    select (e, p, m, d);
                if (parts.IsLeft)
                {
                    return parts.Map(_ => default(ForgetBaseline)!);
                }

                var (ek, pk, mk, dk) = parts.IfLeft(default((ValueTuple<double, double>, double, double, double)));
                rank += ek.Item1;
                ranks.Add(ek.Item1);
                ext += ek.Item2;
                percentile += pk;
                mem += mk;
                diff += dk;
            }

            double n = bitsRef.Count;
            double? sd = ranks.Count > 1 ? Math.Sqrt(ranks.Sum(r => (r - (rank / n)) * (r - (rank / n))) / (n - 1)) : null;
            var atCeiling = e0.Rank >= Exposure.Maximum(populationBase.Population.Count) - ForgetBaseline.CeilingMargin;
            return new ForgetBaseline(
                exampleId, source, bitsBase, bitsRef.Average(),
                e0.Rank, rank / n, e0.Extrapolated, ext / n,
                mem / n, diff / n, percentile / n, sd, atCeiling);
        });
    }
}
