using Unlearning.Core.Report;
using Unlearning.Core.Results;

namespace Unlearning.Properties.Methods;

/// <summary>
/// The report of a run with several methods: each method is analysed on its own rows only, so adding another
/// method's rows changes none of a method's claim rows; the comparison lists every method, and the printed
/// verdict lines are one set per method.
/// </summary>
public sealed class MethodReportTests
{
    private static ReportModel Build(RunTables tables) =>
        Analysis.Build(tables, new ReportSettings { Resamples = 100 }).Match(m => m, e => throw new InvalidOperationException(e.ToString()));

    private static RunTables WithMethod(RunTables t, string method) => t with
    {
        Examples = [.. t.Examples.Select(e => e with { Method = method })],
        Steps = [.. t.Steps.Select(s => s with { Method = method })],
    };

    [Fact]
    public void A_method_s_verdicts_do_not_depend_on_the_other_methods_rows()
    {
        var ascent = SyntheticRun.Generate(new SyntheticSpec());
        // A second method on other data: the confounded run's rows, relabelled.
        var other = WithMethod(ConfoundedRun.Generate(new ConfoundSpec()), "npo");
        var both = ascent with { Examples = [.. ascent.Examples, .. other.Examples], Steps = [.. ascent.Steps, .. other.Steps] };

        var alone = Build(ascent).ClaimRows;
        var npoAlone = Build(other with { Runs = ascent.Runs, Populations = ascent.Populations }).ClaimRows;
        var model = Build(both);
        Assert.Equal(["gradient_ascent", "npo"], model.Methods.Select(m => m.Method));
        Assert.Equal(alone, model.ClaimRows.Where(r => r.Method == "gradient_ascent").ToList());
        Assert.Equal(npoAlone, model.ClaimRows.Where(r => r.Method == "npo").ToList());
        Assert.NotEqual(
            alone.Select(r => r with { Method = "" }),
            npoAlone.Select(r => r with { Method = "" }));

        var lines = Claims.Lines(model.ClaimRows);
        Assert.Equal(Claims.Lines(alone).Select(l => "gradient_ascent: " + l).Concat(Claims.Lines(npoAlone).Select(l => "npo: " + l)), lines);

        var markdown = RenderedReport.Of(model, "svg").Markdown;
        Assert.Contains("## Methods compared", markdown, StringComparison.Ordinal);
        Assert.Contains("| unlearning method | `gradient_ascent` in these sections; also `npo` (\"Methods compared\") |", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("## Methods compared", RenderedReport.Of(Build(ascent), "svg").Markdown, StringComparison.Ordinal);
    }
}
