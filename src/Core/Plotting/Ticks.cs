using System.Globalization;

namespace Unlearning.Core.Plotting;

/// <summary>"Nice" axis ticks (Heckbert, Graphics Gems 1990): steps of 1, 2 or 5 × 10^k.</summary>
public static class Ticks
{
    /// <summary>
    /// Ticks covering [min, max] with about <paramref name="target"/> intervals; the returned limits
    /// are the outermost ticks, so data never falls outside the axis.
    /// </summary>
    public static (double Low, double High, double Step, IReadOnlyList<double> Values) Nice(double min, double max, int target = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
        {
            (min, max) = (0, 1);
        }

        if (max < min)
        {
            (min, max) = (max, min);
        }

        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            // A single value: open a unit window around it.
            var pad = Math.Abs(min) > 0 ? Math.Abs(min) * 0.1 : 1;
            (min, max) = (min - pad, max + pad);
        }

        var step = NiceNumber((max - min) / target, round: true);
        var low = Math.Floor(min / step) * step;
        var high = Math.Ceiling(max / step) * step;
        var values = new List<double>();
        for (var v = low; v <= high + (step * 1e-9); v += step)
        {
            // Snap to the step grid so 0.30000000000000004 prints as 0.3.
            values.Add(Math.Round(v / step) * step);
        }

        return (low, high, step, values);
    }

    /// <summary>A tick label with just enough decimals for the step.</summary>
    public static string Format(double value, double step, bool percent = false)
    {
        var v = percent ? value * 100 : value;
        var s = percent ? step * 100 : step;
        var decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(s) - 1e-9), 0, 6);
        if (Math.Abs(v) < s * 1e-9)
        {
            v = 0;
        }

        var text = v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return percent ? text + "%" : text;
    }

    private static double NiceNumber(double range, bool round)
    {
        var exponent = Math.Floor(Math.Log10(range));
        var fraction = range / Math.Pow(10, exponent);
        var nice = round
            ? fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
            : fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * Math.Pow(10, exponent);
    }
}
