using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Report;

namespace Unlearning.Host.Reporting;

/// <summary>Reads a run folder's four tables; <see cref="ParquetRunTables.Read"/> is the one the CLI uses.</summary>
public delegate Either<InputError, RunTables> ReadRunTables(string runDirectory);

/// <summary>What <see cref="ReportFiles.Write"/> wrote, and any notice for the reader (no rasteriser, a failed PNG).</summary>
public sealed record WrittenReport(IReadOnlyList<string> Files, string ImageExtension, IReadOnlyList<string> Notices, ReportModel Model);

/// <summary>
/// Writes the report into a run folder: report.md, report.html, one SVG per figure and, when
/// <c>rsvg-convert</c> is available, one PNG per figure (report.md then links the PNGs), and claims.parquet. Every file is
/// written under a temporary name and renamed, so a reader never sees half a file.
/// </summary>
public static class ReportFiles
{
    public const string MarkdownFile = "report.md";
    public const string HtmlFile = "report.html";
    public const string ClaimsFile = "claims.parquet";

    /// <summary>Reads the tables of <paramref name="runDirectory"/> and writes the report into it.</summary>
    public static Either<InputError, WrittenReport> Write(string runDirectory, ReadRunTables read, Rasterizer? rasterizer, ReportSettings? settings = null) =>
        from tables in read(runDirectory)
        from model in Analysis.Build(tables, settings)
        select Write(runDirectory, model, rasterizer);

    public static WrittenReport Write(string runDirectory, ReportModel model, Rasterizer? rasterizer)
    {
        var files = new List<string>();
        var notices = new List<string>();
        var figures = RenderedReport.Of(model, "svg").Figures;
        foreach (var (stem, svg) in figures)
        {
            files.Add(WriteAtomically(Path.Combine(runDirectory, stem + ".svg"), svg));
        }

        var extension = "svg";
        if (rasterizer is null)
        {
            notices.Add($"{Rasterizer.Tool} not found (Debian: apt-get install librsvg2-bin): figures written as SVG only; report.md links the SVG files.");
        }
        else
        {
            var failures = new List<string>();
            foreach (var (stem, _) in figures)
            {
                var png = Path.Combine(runDirectory, stem + ".png");
                var temporary = Experiment.RunFolder.TemporaryFor(png) + ".png";
                var error = rasterizer.Convert(Path.Combine(runDirectory, stem + ".svg"), temporary);
                if (error is null)
                {
                    File.Move(temporary, png, overwrite: true);
                    files.Add(png);
                }
                else
                {
                    File.Delete(temporary);
                    failures.Add($"{stem}: {error}");
                }
            }

            if (failures.Count == 0)
            {
                extension = "png";
            }
            else
            {
                notices.Add($"PNG conversion failed, report.md links the SVG files: {string.Join("; ", failures)}");
            }
        }

        // claims.parquet: the rows the printed verdict lines are read from (Claims.Lines), with the run's configuration.
        var config = Path.Combine(runDirectory, "config.json");
        Storage.Parquet.ParquetTable<Core.Results.ClaimRow>.Write(
            Path.Combine(runDirectory, ClaimsFile), model.ClaimRows,
            Storage.Parquet.Tables.Metadata(Storage.Parquet.Tables.Claims, File.Exists(config) ? File.ReadAllText(config) : "{}"));

        var rendered = RenderedReport.Of(model, extension);
        files.Add(WriteAtomically(Path.Combine(runDirectory, MarkdownFile), rendered.Markdown));
        files.Add(WriteAtomically(Path.Combine(runDirectory, HtmlFile), rendered.Html));
        return new WrittenReport(files, extension, notices, model);
    }

    private static string WriteAtomically(string path, string text)
    {
        Experiment.RunFolder.WriteAllTextAtomic(path, text);
        return path;
    }
}
