using Unlearning.Core.Report;
using Unlearning.Host.Reporting;

namespace Unlearning.Snapshots.Report;

/// <summary>The Host writes the report files into a folder, with PNGs when rsvg-convert is there.</summary>
public sealed class ReportFolder : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "unlearning-report-" + Guid.NewGuid().ToString("N"));

    public ReportFolder() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ReportModel Model() =>
        Analysis.Build(SyntheticRun.Generate(new SyntheticSpec()), new ReportSettings { Resamples = 200 }).Match(m => m, e => throw new InvalidOperationException(e.ToString()));

    [Fact]
    public void Writes_markdown_html_svg_and_png_when_rsvg_convert_is_installed()
    {
        var rasterizer = Rasterizer.Find();
        Assert.True(rasterizer is not null, "rsvg-convert (librsvg2-bin) is installed here and by .ci/run; without it this test has nothing to check");
        var written = ReportFiles.Write(_directory, Model(), rasterizer);
        Assert.Empty(written.Notices);
        Assert.Equal("png", written.ImageExtension);
        foreach (var stem in new[] { "exposure_over_steps", "utility_over_steps", "quality_vs_utility", "steps_vs_memorization", "steps_vs_difficulty" })
        {
            var png = File.ReadAllBytes(Path.Combine(_directory, stem + ".png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            // IHDR width and height, big-endian at bytes 16..23: 760×440 units at zoom 2.
            Assert.Equal(1520, (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]);
            Assert.Equal(880, (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]);
            Assert.True(File.Exists(Path.Combine(_directory, stem + ".svg")));
        }

        var markdown = File.ReadAllText(Path.Combine(_directory, ReportFiles.MarkdownFile));
        Assert.Contains("](exposure_over_steps.png)", markdown, StringComparison.Ordinal);
        Assert.Contains("<svg ", File.ReadAllText(Path.Combine(_directory, ReportFiles.HtmlFile)), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp*"));
    }

    [Fact]
    public void Without_a_rasterizer_it_links_svg_and_says_so()
    {
        var written = ReportFiles.Write(_directory, Model(), null);
        Assert.Equal("svg", written.ImageExtension);
        Assert.Contains(written.Notices, n => n.Contains("rsvg-convert not found", StringComparison.Ordinal));
        Assert.Contains("](exposure_over_steps.svg)", File.ReadAllText(Path.Combine(_directory, ReportFiles.MarkdownFile)), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "*.png"));
    }

    [Fact]
    public void A_rasterizer_is_looked_up_on_PATH_only() => Assert.Null(Rasterizer.Find(_directory));
}
