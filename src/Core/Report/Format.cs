using System.Globalization;

namespace Unlearning.Core.Report;

/// <summary>Number formatting for the report: invariant culture, fixed decimals, "—" for missing, "∞" for infinite.</summary>
public static class Format
{
    public const string Missing = "—";

    public static string Fixed(double? value, int decimals)
    {
        if (value is not { } v || double.IsNaN(v))
        {
            return Missing;
        }

        if (double.IsInfinity(v))
        {
            return v > 0 ? "∞" : "−∞";
        }

        var text = v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        // A rounded −0.00 reads as a sign that is not there.
        return text.StartsWith('-') && text.Trim('-', '0', '.').Length == 0 ? text[1..] : text.Replace('-', '−');
    }

    /// <summary>A relative change as a percentage with a sign: 0.052 → "+5.2%".</summary>
    public static string Percent(double? value, int decimals = 1)
    {
        if (value is not { } v || double.IsNaN(v))
        {
            return Missing;
        }

        var text = Fixed(v * 100, decimals);
        return (v > 0 && !text.StartsWith('∞') ? "+" : "") + text + "%";
    }

    /// <summary>"= 0.012" or "&lt; 0.001", to follow a "p".</summary>
    public static string P(double p) =>
        double.IsNaN(p) ? "= " + Missing : p < 0.001 ? "< 0.001" : "= " + Fixed(p, 3);

    /// <summary>A p-value for a table cell.</summary>
    public static string PCell(double p) => double.IsNaN(p) ? Missing : p < 0.001 ? "< 0.001" : Fixed(p, 3);

    /// <summary>Steps: integers without decimals.</summary>
    public static string Steps(double? value) =>
        value is { } v && double.IsFinite(v) && Math.Abs(v - Math.Round(v)) < 1e-9 ? Math.Round(v).ToString("F0", CultureInfo.InvariantCulture) : Fixed(value, 1);

    public static string Interval(double lower, double upper, Func<double?, string> format) =>
        double.IsNaN(lower) || double.IsNaN(upper) ? Missing : $"[{format(lower)}, {format(upper)}]";

    public static string Median(Quartiles q, Func<double?, string> format) =>
        q.N == 0 ? Missing : $"{format(q.Median)} [{format(q.Q1)}, {format(q.Q3)}]";

    public static string Seconds(double? seconds) => seconds is { } s ? Fixed(s, 1) + " s" : Missing;

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
