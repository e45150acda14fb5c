using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Statistics;

/// <summary>Input checks shared by the statistics: a sample is a non-empty list without NaN.</summary>
internal static class Samples
{
    public static Either<InputError, double[]> Check(IReadOnlyList<double> values, string name, int minimum = 1)
    {
        if (values.Count < minimum)
        {
            return new InputError("statistics", name, $"at least {minimum} value(s)", $"{values.Count}");
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (double.IsNaN(values[i]))
            {
                return new InputError("statistics", $"{name}[{i}]", "a number (infinities rank as extremes)", "NaN");
            }
        }

        return values.ToArray();
    }

    public static Either<InputError, Unit> Require(bool ok, Func<InputError> error) =>
        ok ? Unit.Default : error();

    /// <summary>Quantile with linear interpolation between order statistics (NumPy's default, "linear").</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        var a = sorted[lo];
        var b = sorted[hi];
        if (a.Equals(b) || h == lo)
        {
            return a;
        }

        // a + (b − a)·frac, guarded for infinities (∞ − ∞ is NaN).
        return double.IsInfinity(b) ? b : a + ((b - a) * (h - lo));
    }
}
