using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>Generalized exposure (SPEC §4), rank and extrapolated, in bits.</summary>
public static class Exposure
{
    private const double Ln2 = 0.69314718055994530942;

    /// <summary>E = log2(n + 1) − log2(rank), rank = 1 + below + ties/2; in [0, log2(n + 1)].</summary>
    public static double FromCounts(RankCount c) => Math.Log2(c.N + 1) - Math.Log2(c.Rank);

    /// <summary>The largest rank exposure a population of n can give, log2(n + 1).</summary>
    public static double Maximum(int n) => Math.Log2(n + 1);

    /// <summary>
    /// Rank exposure of x against P (scored under the same model). Errors: x's score not finite, P of
    /// another source, P empty (once x itself is left out: a member is ranked against the others).
    /// </summary>
    public static Either<InputError, double> Rank(ExampleScore x, Population population) =>
        Check(x, population.Source).Bind(_ =>
        {
            var c = population.CountFor(x);
            return c.N == 0
                ? Prelude.Left<InputError, double>(Checks.EmptyPopulation(x, population.Source))
                : Prelude.Right<InputError, double>(FromCounts(c));
        });

    /// <summary>E^ext = −log2 F(s(x); ξ, ω, α) with the population's skew-normal fit; ≥ 0, unbounded above.</summary>
    public static Either<InputError, double> Extrapolated(ExampleScore x, SkewNormalFit fit) =>
        Check(x, fit.Source).Map(_ => Math.Max(0, -fit.Distribution.LogCdf(x.Bits) / Ln2));

    private static Either<InputError, Unit> Check(ExampleScore x, string populationSource)
    {
        if (x.Source != populationSource)
        {
            return Checks.WrongSource(x, populationSource);
        }

        if (!double.IsFinite(x.Bits))
        {
            return new InputError(Checks.Example(x.ExampleId, x.Source), "bits", "a finite score", Checks.Show(x.Bits));
        }

        return Unit.Default;
    }
}
