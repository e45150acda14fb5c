using Unlearning.Core.Plotting;
using Unlearning.Core.Statistics;

namespace Unlearning.Core.Report;

/// <summary>The report's figures, as chart values (rendered by <see cref="Svg"/>).</summary>
internal static class Figures
{
    private const string IdColor = "#1f77b4";
    private const string OodColor = "#d95f02";

    /// <summary>Colours per source (colour-blind-safe where possible); others cycle through the rest.</summary>
    private static readonly Dictionary<string, string> SourceColors = new(StringComparer.Ordinal)
    {
        ["brown"] = IdColor,
        ["code"] = "#d95f02",
        ["spam"] = "#1b9e77",
        ["canary"] = "#7570b3",
    };

    private static readonly string[] Palette = ["#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];

    public static IReadOnlyList<Figure> Build(IReadOnlyList<ForgetExample> all, ReportSettings settings)
    {
        var memorized = all.Where(e => e.Row.Memorized).ToList();
        var sources = Analysis.InReportOrder(memorized.GroupBy(e => e.Row.Source))
            .Select(g => (Name: g.Key, IsOod: g.First().Row.IsOod, Examples: (IReadOnlyList<ForgetExample>)g.ToList()))
            .ToList();
        var colors = Colors(sources.Select(s => s.Name).ToList());
        return
        [
            ExposureOverSteps(sources, colors),
            UtilityOverSteps(sources, colors),
            QualityAgainstUtility(memorized, settings),
            StepsAgainst(sources, colors, "memorization", "memorization", "bits/token", e => e.Row.Memorization),
            StepsAgainst(sources, colors, "difficulty", "difficulty", "bits/token", e => e.Row.Difficulty),
            .. memorized.GroupBy(e => e.Row.Repeats).OrderBy(g => g.Key).Select(g => StepsAgainstExcess(g.Key, [.. g])),
        ];
    }

    /// <summary>SPEC §10's confound in one picture: t* against Δ0 for the examples of one repeat level, ID and OOD marked.</summary>
    private static Figure StepsAgainstExcess(int repeats, IReadOnlyList<ForgetExample> examples)
    {
        var series = new List<Series>();
        foreach (var (name, color, isOod) in new[] { ("ID", IdColor, false), ("OOD", OodColor, true) })
        {
            var group = examples.Where(e => e.Row.IsOod == isOod).ToList();
            var reached = group.Where(e => e.Unlearned).Select(e => (e.Row.ExcessExposure, (double)e.Row.StepsToUnlearn!.Value)).ToList();
            var censored = group.Where(e => !e.Unlearned).Select(e => (e.Row.ExcessExposure, e.LastStep)).ToList();
            if (reached.Count > 0)
            {
                series.Add(new Series(name, reached, color, Mark.Dots));
            }

            if (censored.Count > 0)
            {
                series.Add(new Series($"{name} (censored)", censored, color, Mark.Rings));
            }
        }

        var chart = new Chart($"Steps to unlearn against Δ0, repeats r = {repeats}", new Axis("excess exposure Δ0 = E0 − Eref", "bits"), new Axis("steps to unlearn t*", "steps") { Min = 0 }, series)
        {
            Note = "Filled: t* reached; hollow: censored, at the last evaluated step. OOD above ID: more steps at equal Δ0.",
        };
        return new Figure($"steps_vs_excess_r{repeats}", $"Steps to unlearn t* against the excess exposure Δ0 of the memorized forget examples seen {repeats} {(repeats == 1 ? "time" : "times")} by θ0, ID and OOD marked.", chart);
    }

    private static Figure ExposureOverSteps(IReadOnlyList<(string Name, bool IsOod, IReadOnlyList<ForgetExample> Examples)> sources, Dictionary<string, string> colors)
    {
        var series = sources.Select(s => MedianBand(s.Name, colors[s.Name], s.Examples, r => r.Exposure)).ToList();
        var references = sources.Select(s => new ReferenceLine($"{s.Name}: θref", Descriptive.Median(s.Examples.Select(e => e.Row.ExposureRef)), colors[s.Name])).ToList();
        var chart = new Chart("Exposure over unlearning steps", new Axis("gradient-ascent step", "t"), new Axis("rank exposure", "bits"), series)
        {
            References = references,
            Note = "Median over memorized forget examples still evaluated at each step; band: quartiles; dashed: median exposure under θref.",
        };
        return new Figure("exposure_over_steps", "Rank exposure E_t of the forget examples per source: median line, interquartile band, and the oracle's level (dashed). Unlearning drives E_t down towards the dashed line.", chart);
    }

    private static Figure UtilityOverSteps(IReadOnlyList<(string Name, bool IsOod, IReadOnlyList<ForgetExample> Examples)> sources, Dictionary<string, string> colors)
    {
        var series = sources.Select(s => MedianBand($"{s.Name} forgotten", colors[s.Name], s.Examples, r => r.UtilityCost)).ToList();
        var chart = new Chart("Utility cost over unlearning steps", new Axis("gradient-ascent step", "t"), new Axis("ΔU = ppl_t/ppl_0 − 1 on V_id", "%") { Percent = true }, series)
        {
            Note = "Median over memorized forget examples, by the source of the example being forgotten; band: quartiles.",
        };
        return new Figure("utility_over_steps", "Utility cost ΔU_t (relative perplexity increase on ID validation text) while forgetting examples of each source.", chart);
    }

    private static Figure QualityAgainstUtility(IReadOnlyList<ForgetExample> memorized, ReportSettings settings)
    {
        var bins = (int)Math.Ceiling(settings.QualityMax / settings.QualityBin);
        Series Group(string name, string color, IEnumerable<ForgetExample> examples)
        {
            var points = examples.SelectMany(e => e.Steps).Where(s => s.Quality is not null)
                .GroupBy(s => Math.Clamp((int)Math.Floor(Math.Max(0, s.Quality!.Value) / settings.QualityBin), 0, bins - 1))
                .OrderBy(g => g.Key)
                .Select(g => (X: (g.Key + 0.5) * settings.QualityBin, Q: Quartiles.Of(g.Select(s => s.UtilityCost))))
                .ToList();
            return new Series(name, points.Select(p => (p.X, p.Q.Median)).ToList(), color)
            {
                Band = points.Select(p => new BandPoint(p.X, p.Q.Q1, p.Q.Q3)).ToList(),
            };
        }

        var series = new List<Series>
        {
            Group("ID", IdColor, memorized.Where(e => !e.Row.IsOod)),
            Group("OOD", OodColor, memorized.Where(e => e.Row.IsOod)),
        };
        var chart = new Chart("Unlearning quality against utility cost", new Axis("unlearning quality Q (1 = oracle's exposure)", "") { Min = 0, Max = settings.QualityMax }, new Axis("ΔU on V_id", "%") { Percent = true }, series)
        {
            Note = $"All evaluated steps binned by quality (width {Format.Fixed(settings.QualityBin, 2)}; Q < 0 in the first bin, Q > {Format.Fixed(settings.QualityMax, 1)} in the last); median and quartiles of ΔU.",
        };
        return new Figure("quality_vs_utility", "The trade-off: utility cost paid for each level of unlearning quality, ID against OOD. Lower is a better trade-off.", chart);
    }

    private static Figure StepsAgainst(
        IReadOnlyList<(string Name, bool IsOod, IReadOnlyList<ForgetExample> Examples)> sources, Dictionary<string, string> colors,
        string stem, string label, string unit, Func<ForgetExample, double> factor)
    {
        var series = new List<Series>();
        foreach (var (name, _, examples) in sources)
        {
            var reached = examples.Where(e => e.Unlearned).Select(e => (factor(e), (double)e.Row.StepsToUnlearn!.Value)).ToList();
            if (reached.Count > 0)
            {
                series.Add(new Series(name, reached, colors[name], Mark.Dots));
            }

            var censored = examples.Where(e => !e.Unlearned).Select(e => (factor(e), e.LastStep)).ToList();
            if (censored.Count > 0)
            {
                series.Add(new Series($"{name} (censored)", censored, colors[name], Mark.Rings));
            }
        }

        var chart = new Chart($"Steps to unlearn against {label}", new Axis(label, unit), new Axis("steps to unlearn t*", "steps") { Min = 0 }, series)
        {
            Note = "Filled: t* reached; hollow: censored, drawn at the last evaluated step (t* lies above it).",
        };
        return new Figure($"steps_vs_{stem}", $"Steps to unlearn t* of each memorized forget example against its {label} ({unit}).", chart);
    }

    /// <summary>Median line and quartile band of a step quantity across examples, at each evaluated step.</summary>
    private static Series MedianBand(string name, string color, IReadOnlyList<ForgetExample> examples, Func<Results.StepRow, double> value)
    {
        var perStep = examples.SelectMany(e => e.Steps).GroupBy(s => s.Step).OrderBy(g => g.Key)
            .Select(g => (Step: (double)g.Key, Q: Quartiles.Of(g.Select(value).Where(double.IsFinite))))
            .Where(p => p.Q.N > 0)
            .ToList();
        return new Series(name, perStep.Select(p => (p.Step, p.Q.Median)).ToList(), color)
        {
            Band = perStep.Select(p => new BandPoint(p.Step, p.Q.Q1, p.Q.Q3)).ToList(),
        };
    }

    private static Dictionary<string, string> Colors(IReadOnlyList<string> sources)
    {
        var colors = new Dictionary<string, string>(StringComparer.Ordinal);
        var next = 0;
        foreach (var source in sources)
        {
            colors[source] = SourceColors.TryGetValue(source, out var c) ? c : Palette[next++ % Palette.Length];
        }

        return colors;
    }
}
