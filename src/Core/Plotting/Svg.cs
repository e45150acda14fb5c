using System.Globalization;
using System.Text;

namespace Unlearning.Core.Plotting;

/// <summary>
/// Renders a <see cref="Chart"/> as a self-contained SVG document (no scripts, no external fonts or
/// images), the same bytes for the same chart: coordinates are printed with one decimal in the
/// invariant culture. Layout: title on top, plot area with grid and ticks, legend on the right,
/// axis titles with units, an optional note under the x axis.
/// </summary>
public static class Svg
{
    public const int DefaultWidth = 760;
    public const int DefaultHeight = 440;

    private const double Left = 72;
    private const double Right = 190;
    private const double Top = 44;
    private const double Bottom = 78;
    private const string Font = "DejaVu Sans, Helvetica, Arial, sans-serif";

    /// <param name="id">Prefix of the ids inside the SVG (its clip path), unique per document when several SVGs
    /// share one HTML page; by default derived from the title.</param>
    public static string Render(Chart chart, int width = DefaultWidth, int height = DefaultHeight, string? id = null)
    {
        var clip = (id ?? Slug(chart.Title)) + "-plot";
        var plotLeft = Left;
        var plotRight = width - Right;
        var plotTop = Top;
        var plotBottom = height - Bottom;

        var (xs, ys) = Extent(chart);
        if (chart.Series.Any(s => s.Mark != Mark.Line))
        {
            // Markers are drawn whole: leave 2% of the range beyond the outermost ones before rounding the ticks.
            xs = Pad(xs);
            ys = Pad(ys);
        }
        var xTicks = Ticks.Nice(chart.X.Min ?? xs.Min, chart.X.Max ?? xs.Max, 6);
        var yTicks = Ticks.Nice(chart.Y.Min ?? ys.Min, chart.Y.Max ?? ys.Max, 5);
        double Px(double x) => plotLeft + ((x - xTicks.Low) / (xTicks.High - xTicks.Low) * (plotRight - plotLeft));
        double Py(double y) => plotBottom - ((y - yTicks.Low) / (yTicks.High - yTicks.Low) * (plotBottom - plotTop));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" font-family=\"{Font}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Escape(chart.Title)}</title>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(plotLeft)}\" y=\"26\" font-size=\"16\" font-weight=\"bold\" fill=\"#222\">{Escape(chart.Title)}</text>\n");

        // Grid and ticks.
        svg.Append("<g font-size=\"12\" fill=\"#333\">\n");
        foreach (var x in xTicks.Values)
        {
            var px = Px(x);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(px)}\" y1=\"{N(plotTop)}\" x2=\"{N(px)}\" y2=\"{N(plotBottom)}\" stroke=\"#e6e6e6\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(px)}\" y1=\"{N(plotBottom)}\" x2=\"{N(px)}\" y2=\"{N(plotBottom + 5)}\" stroke=\"#444\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(px)}\" y=\"{N(plotBottom + 19)}\" text-anchor=\"middle\">{Escape(Ticks.Format(x, xTicks.Step, chart.X.Percent))}</text>\n");
        }

        foreach (var y in yTicks.Values)
        {
            var py = Py(y);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(plotLeft)}\" y1=\"{N(py)}\" x2=\"{N(plotRight)}\" y2=\"{N(py)}\" stroke=\"#e6e6e6\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(plotLeft - 5)}\" y1=\"{N(py)}\" x2=\"{N(plotLeft)}\" y2=\"{N(py)}\" stroke=\"#444\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(plotLeft - 8)}\" y=\"{N(py + 4)}\" text-anchor=\"end\">{Escape(Ticks.Format(y, yTicks.Step, chart.Y.Percent))}</text>\n");
        }

        svg.Append("</g>\n");

        // Axis titles: x under the ticks, y rotated along the left edge.
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N((plotLeft + plotRight) / 2)}\" y=\"{N(plotBottom + 42)}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#222\">{Escape(chart.X.Title)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(18 {N((plotTop + plotBottom) / 2)}) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\" fill=\"#222\">{Escape(chart.Y.Title)}</text>\n");
        if (chart.Note is { } note)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(plotLeft)}\" y=\"{N(height - 10)}\" font-size=\"11\" fill=\"#555\">{Escape(note)}</text>\n");
        }

        // Data, clipped to the plot area.
        svg.Append(CultureInfo.InvariantCulture, $"<clipPath id=\"{clip}\"><rect x=\"{N(plotLeft)}\" y=\"{N(plotTop)}\" width=\"{N(plotRight - plotLeft)}\" height=\"{N(plotBottom - plotTop)}\"/></clipPath>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<g clip-path=\"url(#{clip})\">\n");
        foreach (var series in chart.Series.Where(s => s.Band.Count > 1))
        {
            var band = series.Band.Where(b => double.IsFinite(b.X) && double.IsFinite(b.Low) && double.IsFinite(b.High)).OrderBy(b => b.X).ToList();
            var outline = band.Select(b => $"{N(Px(b.X))},{N(Py(b.High))}").Concat(band.AsEnumerable().Reverse().Select(b => $"{N(Px(b.X))},{N(Py(b.Low))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{string.Join(" ", outline)}\" fill=\"{series.Color}\" fill-opacity=\"0.18\" stroke=\"none\"/>\n");
        }

        foreach (var reference in chart.References)
        {
            var py = Py(reference.Y);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(plotLeft)}\" y1=\"{N(py)}\" x2=\"{N(plotRight)}\" y2=\"{N(py)}\" stroke=\"{reference.Color}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
        }

        foreach (var series in chart.Series)
        {
            var points = series.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            switch (series.Mark)
            {
                case Mark.Line when points.Count > 0:
                    var path = points.OrderBy(p => p.X).Select(p => $"{N(Px(p.X))},{N(Py(p.Y))}");
                    var dash = series.Dashed ? " stroke-dasharray=\"6 4\"" : "";
                    svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{string.Join(" ", path)}\" fill=\"none\" stroke=\"{series.Color}\" stroke-width=\"2.2\" stroke-linejoin=\"round\"{dash}/>\n");
                    break;
                case Mark.Dots:
                    foreach (var p in points)
                    {
                        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(Px(p.X))}\" cy=\"{N(Py(p.Y))}\" r=\"4\" fill=\"{series.Color}\" fill-opacity=\"0.8\"/>\n");
                    }

                    break;
                case Mark.Rings:
                    foreach (var p in points)
                    {
                        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(Px(p.X))}\" cy=\"{N(Py(p.Y))}\" r=\"4\" fill=\"#ffffff\" stroke=\"{series.Color}\" stroke-width=\"1.6\"/>\n");
                    }

                    break;
            }
        }

        svg.Append("</g>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(plotLeft)}\" y=\"{N(plotTop)}\" width=\"{N(plotRight - plotLeft)}\" height=\"{N(plotBottom - plotTop)}\" fill=\"none\" stroke=\"#444\"/>\n");

        // Legend: one row per series (with its band, if any) and per reference line.
        var legendX = plotRight + 16;
        var legendY = plotTop + 8;
        svg.Append("<g font-size=\"12\" fill=\"#222\">\n");
        foreach (var series in chart.Series)
        {
            if (series.Band.Count > 1)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(legendX)}\" y=\"{N(legendY - 7)}\" width=\"22\" height=\"14\" fill=\"{series.Color}\" fill-opacity=\"0.18\"/>\n");
            }

            switch (series.Mark)
            {
                case Mark.Line:
                    var dash = series.Dashed ? " stroke-dasharray=\"6 4\"" : "";
                    svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(legendX)}\" y1=\"{N(legendY)}\" x2=\"{N(legendX + 22)}\" y2=\"{N(legendY)}\" stroke=\"{series.Color}\" stroke-width=\"2.2\"{dash}/>\n");
                    break;
                case Mark.Dots:
                    svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(legendX + 11)}\" cy=\"{N(legendY)}\" r=\"4\" fill=\"{series.Color}\"/>\n");
                    break;
                case Mark.Rings:
                    svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(legendX + 11)}\" cy=\"{N(legendY)}\" r=\"4\" fill=\"#ffffff\" stroke=\"{series.Color}\" stroke-width=\"1.6\"/>\n");
                    break;
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(legendX + 30)}\" y=\"{N(legendY + 4)}\">{Escape(series.Name)}</text>\n");
            legendY += 22;
        }

        foreach (var reference in chart.References)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(legendX)}\" y1=\"{N(legendY)}\" x2=\"{N(legendX + 22)}\" y2=\"{N(legendY)}\" stroke=\"{reference.Color}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(legendX + 30)}\" y=\"{N(legendY + 4)}\">{Escape(reference.Name)}</text>\n");
            legendY += 22;
        }

        if (chart.Series.Count == 0 || chart.Series.All(s => s.Points.Count == 0))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N((plotLeft + plotRight) / 2)}\" y=\"{N((plotTop + plotBottom) / 2)}\" text-anchor=\"middle\" font-size=\"14\" fill=\"#777\">no data</text>\n");
        }

        svg.Append("</g>\n</svg>\n");
        return svg.ToString();
    }

    private static (double Min, double Max) Pad((double Min, double Max) range)
    {
        var pad = (range.Max - range.Min) * 0.02;
        return (range.Min - pad, range.Max + pad);
    }

    /// <summary>The data range over points, bands and reference lines (finite values only).</summary>
    private static ((double Min, double Max) X, (double Min, double Max) Y) Extent(Chart chart)
    {
        var xs = chart.Series.SelectMany(s => s.Points.Select(p => p.X).Concat(s.Band.Select(b => b.X))).Where(double.IsFinite).ToList();
        var ys = chart.Series.SelectMany(s => s.Points.Select(p => p.Y).Concat(s.Band.SelectMany(b => new[] { b.Low, b.High })))
            .Concat(chart.References.Select(r => r.Y)).Where(double.IsFinite).ToList();
        return ((xs.Count > 0 ? xs.Min() : 0, xs.Count > 0 ? xs.Max() : 1), (ys.Count > 0 ? ys.Min() : 0, ys.Count > 0 ? ys.Max() : 1));
    }

    /// <summary>Lower-case letters and digits of the title, words joined by '-': an XML-safe id.</summary>
    private static string Slug(string title)
    {
        var words = title.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => new string(w.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant())
            .Where(w => w.Length > 0);
        var slug = string.Join("-", words);
        return slug.Length == 0 || !char.IsAsciiLetter(slug[0]) ? "chart" + (slug.Length == 0 ? "" : "-" + slug) : slug;
    }

    private static string N(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);

    internal static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
