using Unlearning.Core.Report;
using Unlearning.Core.Results;
using Unlearning.Host;
using Unlearning.Storage.Parquet;

namespace Unlearning.Snapshots.Report;

/// <summary><c>unlearn report RUN_DIR</c> end to end: Parquet tables in, report files out.</summary>
public sealed class ReportCli : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "unlearning-report-cli-" + Guid.NewGuid().ToString("N"));

    public ReportCli()
    {
        Directory.CreateDirectory(_directory);
        var tables = SyntheticRun.Generate(new SyntheticSpec());
        Write(Tables.Runs, tables.Runs);
        Write(Tables.Examples, tables.Examples);
        Write(Tables.Steps, tables.Steps);
        Write(Tables.Populations, tables.Populations);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void Write<TRow>(string table, IEnumerable<TRow> rows)
        where TRow : class =>
        ParquetTable<TRow>.Write(Path.Combine(_directory, Tables.FileName(table)), rows, Tables.Metadata(table, "{}"));

    private static (int Code, string Output, string Error) Run(params string[] args) => Host.Cli.Capture(args);

    [Fact]
    public void Report_reads_the_parquet_tables_and_writes_the_same_report_as_from_rows()
    {
        var (code, output, error) = Run("report", _directory, "--resamples", "300");
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains("claim 1: rank exposure: raw holds, within repeat levels holds, at matched memorization holds; extrapolated exposure: raw holds", output, StringComparison.Ordinal);
        var fromRows = RenderedReport.From(SyntheticRun.Generate(new SyntheticSpec()), "png", new ReportSettings { Resamples = 300 })
            .Match(r => r.Markdown, e => e.ToString());
        Assert.Equal(fromRows, File.ReadAllText(Path.Combine(_directory, "report.md")));
        Assert.True(File.Exists(Path.Combine(_directory, "report.html")));
        Assert.True(File.Exists(Path.Combine(_directory, "quality_vs_utility.png")));
    }

    [Fact]
    public void A_missing_table_is_bad_input_naming_the_file()
    {
        File.Delete(Path.Combine(_directory, "steps.parquet"));
        var (code, _, error) = Run("report", _directory);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("steps.parquet: file: expected the run's steps table, found no such file", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "report.md")));
    }

    [Fact]
    public void A_corrupt_table_is_bad_input_naming_the_file()
    {
        File.WriteAllText(Path.Combine(_directory, "examples.parquet"), "not parquet");
        var (code, _, error) = Run("report", _directory);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("examples.parquet", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_folder_is_bad_input() =>
        Assert.Equal(ExitCodes.BadInput, Run("report", Path.Combine(_directory, "nowhere")).Code);

    [Fact]
    public void Report_help() => Approval.Snapshot.Verify(Run("report", "--help").Output);
}
