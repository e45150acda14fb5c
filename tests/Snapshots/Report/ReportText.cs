using Unlearning.Core.Report;
using Unlearning.Snapshots.Approval;

namespace Unlearning.Snapshots.Report;

/// <summary>The report of a fixed synthetic run (known structure: OOD slower and cheaper, memorization drives t*).</summary>
public sealed class ReportText
{
    /// <summary>Rendered once for all three tests (2,000 bootstrap resamples per interval, as a real report).</summary>
    private static readonly Lazy<RenderedReport> Report = new(() =>
        RenderedReport.From(SyntheticRun.Generate(new SyntheticSpec()), "png").Match(r => r, e => throw new InvalidOperationException(e.ToString())));

    private static RenderedReport Rendered() => Report.Value;

    [Fact]
    public void Report_markdown_of_the_synthetic_run() => Snapshot.Verify(Rendered().Markdown);

    [Fact]
    public void Exposure_plot_svg_of_the_synthetic_run() =>
        Snapshot.Verify(Rendered().Figures.Single(f => f.Stem == "exposure_over_steps").Svg);

    [Fact]
    public void Html_is_self_contained()
    {
        var html = Rendered().Html;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        // Five figures and one t* against Δ0 per repeat level (the synthetic run has one level).
        Assert.Equal(6, html.Split("<svg ").Length - 1);
        var ids = System.Text.RegularExpressions.Regex.Matches(html, "id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Every_figure_is_well_formed_svg_with_titled_axes()
    {
        foreach (var (stem, svg) in Rendered().Figures)
        {
            var document = System.Xml.Linq.XDocument.Parse(svg);
            Assert.Equal("svg", document.Root!.Name.LocalName);
            Assert.Contains(document.Root.Descendants().Where(e => e.Name.LocalName == "text"), t => t.Value.Contains('(', StringComparison.Ordinal));
            Assert.False(string.IsNullOrWhiteSpace(stem));
        }
    }
}
