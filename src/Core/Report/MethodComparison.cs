using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Results;

namespace Unlearning.Core.Report;

/// <summary>
/// One unlearning method of a run with several (unlearning.methods): its ID and OOD summaries (t* and ΔU at t*)
/// and the combined verdict rows of claims.parquet whose method it is (pooled over seeds with replicates).
/// </summary>
public sealed record MethodResult(string Method, SourceSummary? Id, SourceSummary? Ood, IReadOnlyList<ClaimRow> Verdicts);

/// <summary>
/// A run with several methods is analysed once per method, on that method's rows of examples.parquet and
/// steps.parquet (every method starts from the same θ0 and θref, so the baselines are shared). The report's
/// sections are the first method's; the method comparison puts every method side by side; claims.parquet
/// holds every method's rows, told apart by its method column.
/// </summary>
public static class MethodComparison
{
    /// <summary>The methods of the tables in the order they ran (the examples table lists them so).</summary>
    public static IReadOnlyList<string> Methods(RunTables tables) =>
        [.. tables.Examples.Select(e => e.Method).Distinct(StringComparer.Ordinal)];

    /// <summary>The model of every method through <paramref name="one"/>, merged as described above.</summary>
    public static Either<InputError, ReportModel> Build(RunTables tables, Func<RunTables, Either<InputError, ReportModel>> one)
    {
        var methods = Methods(tables);
        if (methods.Count <= 1)
        {
            var method = methods.Count == 1 ? methods[0] : tables.Runs.FirstOrDefault()?.Method.Split(',')[0] ?? "gradient_ascent";
            return one(tables).Map(m => Tag(m, method));
        }

        var models = new List<ReportModel>();
        foreach (var method in methods)
        {
            var subset = tables with
            {
                Examples = [.. tables.Examples.Where(e => e.Method == method)],
                Steps = [.. tables.Steps.Where(s => s.Method == method)],
            };
            var model = one(subset).Map(m => Tag(m, method));
            if (model.IsLeft)
            {
                return model.MapLeft(e => e with { Field = $"{e.Field} (method {method})" });
            }

            models.Add(model.IfLeft(() => throw new InvalidOperationException()));
        }

        var results = models.Select((m, i) => new MethodResult(
            methods[i],
            m.Sources.FirstOrDefault(s => !s.IsOod),
            m.Sources.FirstOrDefault(s => s.Source == "all OOD") ?? m.Sources.FirstOrDefault(s => s.IsOod),
            [.. m.ClaimRows.Where(r => r.Part == "all" && (m.Replicates.Count == 0 || r.Seed == Replicates.PooledSeed))])).ToList();
        return models[0] with { ClaimRows = [.. models.SelectMany(m => m.ClaimRows)], Methods = results };
    }

    private static ReportModel Tag(ReportModel m, string method) =>
        m with { ClaimRows = [.. m.ClaimRows.Select(r => r with { Method = method })] };

    /// <summary>The method the report's sections are on (docs/methods.md), and the others of the run.</summary>
    public static string Describe(ReportModel m)
    {
        var first = m.Methods.Count > 0 ? m.Methods[0].Method : m.ClaimRows.FirstOrDefault()?.Method ?? "gradient_ascent";
        return m.Methods.Count > 1
            ? $"`{first}` in these sections; also {string.Join(", ", m.Methods.Skip(1).Select(x => $"`{x.Method}`"))} (\"Methods compared\")"
            : $"`{first}`";
    }

    /// <summary>The report's method comparison (nothing with one method).</summary>
    public static IReadOnlyList<Block> Blocks(ReportModel m)
    {
        if (m.Methods.Count < 2)
        {
            return [];
        }

        string Verdict(MethodResult r, string claim, string analysis) =>
            r.Verdicts.FirstOrDefault(v => v.Claim == claim && v.Analysis == analysis && v.Exposure == m.DrivingExposure)?.Verdict ?? Format.Missing;
        string Steps(SourceSummary? s) =>
            s is null ? Format.Missing : s.MedianSteps is { } t ? Format.Steps(t) : s.Memorized > 0 ? $"> {Format.Steps(s.LastStep)}" : Format.Missing;
        string Cost(SourceSummary? s) => s is null ? Format.Missing : Format.Median(s.UtilityCostAtUnlearn, v => Format.Percent(v));
        string Reached(SourceSummary? s) => s is null ? Format.Missing : $"{s.Unlearned.ToString(CultureInfo.InvariantCulture)}/{s.Memorized.ToString(CultureInfo.InvariantCulture)}";

        return
        [
            new Heading(2, "Methods compared"),
            new Paragraph(
                $"Every target was unlearned from the same θ0 under each of {m.Methods.Count} methods (docs/methods.md); the sections above and below are on **{m.Methods[0].Method}**. "
                + "Per method: memorized examples that reached t* within the method's budget, t* (Kaplan–Meier median, steps) and ΔU at t* (median [quartiles]) for ID and OOD, "
                + $"and the verdicts of the claims on {m.DrivingExposure} exposure, raw / at matched memorization, as claims.parquet records them (column method)."),
            new Table(
                ["method", "reached t* ID", "reached t* OOD", "t* ID", "t* OOD", "ΔU at t* ID", "ΔU at t* OOD", "claim 1", "claim 2", "claim 3"],
                [.. m.Methods.Select(r => (IReadOnlyList<string>)
                [
                    r.Method, Reached(r.Id), Reached(r.Ood), Steps(r.Id), Steps(r.Ood), Cost(r.Id), Cost(r.Ood),
                    $"{Verdict(r, "1", "raw")} / {Verdict(r, "1", "matched")}",
                    $"{Verdict(r, "2", "raw")} / {Verdict(r, "2", "matched")}",
                    Verdict(r, "3", "raw"),
                ])],
                new System.Collections.Generic.HashSet<int> { 1, 2, 3, 4, 5, 6 }),
        ];
    }
}
