namespace Unlearning.Core.Plotting;

/// <summary>How a series is drawn.</summary>
public enum Mark
{
    /// <summary>A polyline through the points, in x order.</summary>
    Line,

    /// <summary>Filled circles.</summary>
    Dots,

    /// <summary>Hollow circles (for example, censored observations).</summary>
    Rings,
}

/// <summary>One point of a band: the interval [Low, High] at X (a quartile band around a median line).</summary>
public readonly record struct BandPoint(double X, double Low, double High);

/// <summary>A named series with its colour (CSS colour), marks and an optional band drawn under it.</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, string Color, Mark Mark = Mark.Line)
{
    public IReadOnlyList<BandPoint> Band { get; init; } = [];

    public bool Dashed { get; init; }
}

/// <summary>A horizontal reference line across the plot (for example, the oracle's exposure).</summary>
public sealed record ReferenceLine(string Name, double Y, string Color);

/// <summary>
/// An axis: what is measured and its unit (shown as "label (unit)"), optional fixed limits, and how
/// tick values are formatted (<see cref="Percent"/> multiplies by 100 and appends %).
/// </summary>
public sealed record Axis(string Label, string Unit)
{
    public double? Min { get; init; }

    public double? Max { get; init; }

    public bool Percent { get; init; }

    public string Title => string.IsNullOrEmpty(Unit) ? Label : $"{Label} ({Unit})";
}

/// <summary>A chart as a value: rendered to SVG by <see cref="Svg.Render"/>.</summary>
public sealed record Chart(string Title, Axis X, Axis Y, IReadOnlyList<Series> Series)
{
    public IReadOnlyList<ReferenceLine> References { get; init; } = [];

    /// <summary>A line under the plot (what the band is, what was left out).</summary>
    public string? Note { get; init; }
}
