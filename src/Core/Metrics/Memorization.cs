using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>Memorization and difficulty of a forget example (SPEC §7), bits per token.</summary>
public static class Memorization
{
    /// <summary>mem(x) = (s_θref(x) − s_θ0(x)) / L.</summary>
    public static Either<InputError, double> Of(ExampleScore underBase, ExampleScore underReference, int tokens) =>
        Same(underBase, underReference, tokens).Map(_ => (underReference.Bits - underBase.Bits) / tokens);

    /// <summary>diff(x) = s_θref(x) / L.</summary>
    public static Either<InputError, double> Difficulty(ExampleScore underReference, int tokens) =>
        Same(underReference, underReference, tokens).Map(_ => underReference.Bits / tokens);

    /// <summary>
    /// 100·(below + ties/2)/n of s_θref(x) within P_s scored under θref: the mid-rank percentile, the
    /// share of the population that is easier than x (ties count half, as in exposure), in [0, 100].
    /// </summary>
    public static Either<InputError, double> DifficultyPercentile(ExampleScore underReference, Population populationUnderReference)
    {
        var x = underReference;
        if (x.Source != populationUnderReference.Source)
        {
            return Checks.WrongSource(x, populationUnderReference.Source);
        }

        if (!double.IsFinite(x.Bits))
        {
            return new InputError(Checks.Example(x.ExampleId, x.Source), "bits", "a finite score", Checks.Show(x.Bits));
        }

        var c = populationUnderReference.CountFor(x);
        return c.N == 0
            ? Prelude.Left<InputError, double>(Checks.EmptyPopulation(x, populationUnderReference.Source))
            : Prelude.Right<InputError, double>(100.0 * (c.Below + (0.5 * c.Ties)) / c.N);
    }

    private static Either<InputError, Unit> Same(ExampleScore a, ExampleScore b, int tokens)
    {
        string where = Checks.Example(a.ExampleId, a.Source);
        if (a.ExampleId != b.ExampleId || a.Source != b.Source)
        {
            return new InputError(where, "reference score", $"the score of the same example {a.ExampleId} (source {a.Source})", Checks.Example(b.ExampleId, b.Source));
        }

        if (tokens < 1)
        {
            return new InputError(where, "tokens", "L ≥ 1", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (!double.IsFinite(a.Bits) || !double.IsFinite(b.Bits))
        {
            return new InputError(where, "bits", "finite scores", $"{Checks.Show(a.Bits)}, {Checks.Show(b.Bits)}");
        }

        return Unit.Default;
    }
}
