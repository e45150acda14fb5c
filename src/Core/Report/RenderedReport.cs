using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Plotting;

namespace Unlearning.Core.Report;

/// <summary>The report's files as text: report.md, report.html and one SVG document per figure (file stem → SVG).</summary>
public sealed record RenderedReport(ReportModel Model, string Markdown, string Html, IReadOnlyList<(string Stem, string Svg)> Figures)
{
    /// <summary>From the four tables to the rendered report. <paramref name="imageExtension"/>: what report.md links to ("png" or "svg").</summary>
    public static Either<InputError, RenderedReport> From(RunTables tables, string imageExtension, ReportSettings? settings = null) =>
        Analysis.Build(tables, settings).Map(model => Of(model, imageExtension));

    public static RenderedReport Of(ReportModel model, string imageExtension)
    {
        var blocks = Document.Of(model);
        return new RenderedReport(
            model,
            Report.Markdown.Render(blocks, imageExtension),
            Report.Html.Render(blocks),
            model.Figures.Select(f => (f.Stem, Svg.Render(f.Chart, id: f.Stem))).ToList());
    }
}
