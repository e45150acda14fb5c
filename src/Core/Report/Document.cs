using Unlearning.Core.Plotting;

namespace Unlearning.Core.Report;

/// <summary>
/// The report as a sequence of blocks, rendered twice: to Markdown (<see cref="Markdown"/>) and to
/// self-contained HTML (<see cref="Html"/>). Inline text may use **bold** and `code`, nothing else.
/// </summary>
public abstract record Block;

public sealed record Heading(int Level, string Text) : Block;

public sealed record Paragraph(string Text) : Block;

public sealed record Bullets(IReadOnlyList<string> Items) : Block;

/// <summary>A table; <see cref="NumericColumns"/> are right-aligned.</summary>
public sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlySet<int> NumericColumns) : Block;

public sealed record FigureBlock(Figure Figure) : Block;

public static class Document
{
    /// <summary>The report's blocks, in reading order.</summary>
    public static IReadOnlyList<Block> Of(ReportModel m)
    {
        var blocks = new List<Block>
        {
            new Heading(1, $"Unlearning report: run {m.Run.RunId}"),
            new Paragraph("Does the finding of Baluta et al. (2024), *Unlearning in- vs. out-of-distribution data in LLMs under gradient-based method*, hold on this run? "
                + "Each claim is tested with the statistic named beside it; the verdict follows the rules of `docs/report.md` and is never forced: "
                + "**holds**, **does not hold**, or **inconclusive** on this run."),
            new Heading(2, "Configuration"),
            Configuration(m),
            new Heading(2, "The paper's claims"),
            new Paragraph("Raw comparisons on the exposure that drove this run; the same claims within repeat levels, at matched memorization and on the other exposure follow "
                + "in \"Verdicts that survive their confounds\". The quality metric behind them is this project's own formalization (the paper's body was not available)."),
            new Table(["claim", "verdict", "why"], m.Claims.Select(c => (IReadOnlyList<string>)[$"{c.Number}. {c.Text}", $"**{Verdicts.Text(c.Verdict)}**", c.Reason]).ToList(), new HashSet<int>()),
        };


        foreach (var claim in m.Claims.Where(c => c.Tests.Count > 0))
        {
            blocks.Add(new Heading(3, $"Claim {claim.Number}: {Verdicts.Text(claim.Verdict)}"));
            blocks.Add(new Paragraph(claim.Text));
            blocks.Add(ClaimTable(claim, m.Settings));
        }

        blocks.Add(new Heading(3, $"Claim 3: {Verdicts.Text(m.Claims.Single(c => c.Number == 3).Verdict)}"));
        blocks.Add(new Paragraph(
            "Spearman's ρ of the steps to unlearn t* (censored examples ranked last) and of ΔU at t* (examples that reached t*) with memorization and difficulty, "
            + $"within ID and within OOD. Bootstrap {Pct(m.Settings.Level)} intervals ({Format.Count(m.Settings.Resamples)} resamples of pairs); p-values adjusted by Holm's method over the {m.Correlations.Count(c => !double.IsNaN(c.AdjustedPValue))} rows with at least {m.Settings.MinimumPerGroup} pairs."));
        blocks.Add(new Table(
            ["group", "outcome", "factor", "n", "ρ", $"{Pct(m.Settings.Level)} CI", "p", "p (Holm)", "finding"],
            m.Correlations.Select(c => (IReadOnlyList<string>)
            [
                c.Group, c.Outcome, c.Factor, c.N.ToString(System.Globalization.CultureInfo.InvariantCulture), Format.Fixed(c.Rho, 2),
                c.Interval is { } ci ? Format.Interval(ci.Lower, ci.Upper, v => Format.Fixed(v, 2)) : Format.Missing,
                Format.PCell(c.PValue), Format.PCell(c.AdjustedPValue), c.Finding,
            ]).ToList(),
            new HashSet<int> { 3, 4, 5, 6, 7 }));

        blocks.AddRange(Confounds(m));
        blocks.AddRange(ReplicateBlocks(m));
        blocks.Add(new Heading(2, "Per source"));
        blocks.Add(new Paragraph(
            "Memorized forget examples only for steps and utility. t*: Kaplan–Meier median, censored at each example's last evaluated step "
            + "(\"> T\" when the curve never falls to ½). ΔU at t*, the trade-off area ∫₀¹ ΔU dQ (lower is better) and overshoot: median [quartiles] over the examples that reached t*. "
            + "Memorization and difficulty: median [quartiles] over all forget examples, in bits per token."));
        blocks.Add(new Table(
            ["source", "kind", "forget", "memorized", "reached t*", "censored", "t* (KM median, steps)", "ΔU at t*", "trade-off area", "overshoot (bits)", "memorization", "difficulty"],
            m.Sources.Select(s => (IReadOnlyList<string>)
            [
                s.Source, s.IsOod ? "OOD" : "ID", Format.Count(s.Examples), Format.Count(s.Memorized), Format.Count(s.Unlearned), Format.Count(s.Censored),
                s.MedianSteps is { } t ? Format.Steps(t) : s.Memorized > 0 ? $"> {Format.Steps(s.LastStep)}" : Format.Missing,
                Format.Median(s.UtilityCostAtUnlearn, v => Format.Percent(v)),
                Format.Median(s.TradeoffArea, v => Format.Fixed(v, 4)),
                Format.Median(s.Overshoot, v => Format.Fixed(v, 2)),
                Format.Median(s.Memorization, v => Format.Fixed(v, 2)),
                Format.Median(s.Difficulty, v => Format.Fixed(v, 2)),
            ]).ToList(),
            new HashSet<int> { 2, 3, 4, 5, 6 }));

        blocks.Add(new Heading(2, "Membership inference"));
        blocks.Add(new Paragraph(
            "ROC AUC of each source's memorized forget examples against its population P_s (0.5: the attack cannot tell them apart; 1: every forget example looks more like a member). "
            + "Before: under θ0. After: at t*, or at the last evaluated step when censored. Oracle: under θref, which never saw the forget set; unlearning succeeds against the attack when After comes down to Oracle."));
        blocks.Add(m.Membership.Count == 0
            ? new Paragraph("No memorized forget examples: nothing to attack.")
            : new Table(
                ["source", "attack", "n", "AUC before (θ0)", "AUC after", "AUC oracle (θref)"],
                m.Membership.Select(r => (IReadOnlyList<string>)
                [
                    r.Source, r.Attack, Format.Count(r.N), Format.Fixed(r.Before, 3), Format.Fixed(r.After, 3), Format.Fixed(r.Reference, 3),
                ]).ToList(),
                new HashSet<int> { 2, 3, 4, 5 }));

        blocks.Add(new Heading(2, "Figures"));
        blocks.AddRange(m.Figures.Select((f, i) => new FigureBlock(f with { Caption = $"Figure {i + 1}. {f.Caption}" })));

        blocks.Add(new Heading(2, "Notes"));
        blocks.Add(new Bullets(m.Notes.Append(
            $"Bootstrap: percentile intervals from {Format.Count(m.Settings.Resamples)} resamples, seed {m.BootstrapSeed} (the run's seed unless set); "
            + $"significance level α = {Format.Fixed(m.Settings.Alpha, 2)} two-sided; at least {m.Settings.MinimumPerGroup} examples per group for a verdict.").ToList()));
        return blocks;
    }

    /// <summary>SPEC §10: every claim raw, within repeat levels and at matched memorization, on both exposures; the noise floor and ceiling.</summary>
    private static IEnumerable<Block> Confounds(ReportModel m)
    {
        var level = Pct(m.Settings.Level);
        var exposures = m.ClaimVerdicts.Select(v => v.Exposure).Distinct().ToList();
        yield return new Heading(2, "Verdicts that survive their confounds");
        yield return new Paragraph(
            "**The quality metric is this project's own formalization.** The paper formalizes an unlearning-quality metric for generative models, but only its abstract and "
            + "introduction were available to this project; quality here is exposure (The Secret Sharer) measured against models retrained without the forget set (docs/metrics.md), "
            + "so a verdict says whether the paper's claims hold under this formalization, not under the paper's own metric.");
        yield return new Paragraph(
            "Each ID-vs-OOD comparison is made three ways: **raw** (all memorized examples, Mann–Whitney U), **within repeat levels** (van Elteren's stratified test over the "
            + "levels of `repeats`, so ID and OOD seen equally often are compared), and **at matched memorization** (van Elteren over strata of the excess exposure Δ0, "
            + "so ID and OOD equally memorized are compared), on rank exposure and again on extrapolated exposure, which does not saturate at log2(n + 1). "
            + "Claims 1b and 2 read the whole curve {(Q_t, ΔU_t)}, censored examples included (one that never reaches a quality level ranks as the worst trade-off).");
        yield return new Table(
            ["claim", "exposure", "raw", "within repeat levels", "at matched memorization"],
            m.ClaimVerdicts.GroupBy(v => (v.Number, v.Exposure)).Select(g => (IReadOnlyList<string>)
            [
                g.Key.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), g.Key.Exposure,
                .. new[] { "raw", "by_repeats", "matched" }.Select(a => g.FirstOrDefault(v => v.Analysis == a) is { } v ? $"**{Verdicts.Text(v.Verdict)}**" : Format.Missing),
            ]).ToList(),
            new HashSet<int>());
        yield return new Bullets([.. m.ClaimVerdicts.Where(v => v.Number != 3).Select(v => v.Number).Distinct().SelectMany(n => exposures.Select(e => ClaimText.RawAgainstMatched(n, e, m.ClaimVerdicts, m.Tests)))]);
        yield return new Table(
            ["claim", "measure", "exposure", "analysis", "n ID", "n OOD", $"A [{level} CI]", "p", "verdict"],
            m.Tests.Select(t => (IReadOnlyList<string>)
            [
                t.Id, t.Part, t.Exposure, t.Analysis,
                Format.Count(t.FavouredGroup == "OOD" ? t.NOther : t.NFavoured), Format.Count(t.FavouredGroup == "OOD" ? t.NFavoured : t.NOther),
                t.Effect is { } e ? $"{Format.Fixed(t.Auc, 2)} {Format.Interval(e.Lower, e.Upper, v => Format.Fixed(v, 2))}" : Format.Missing,
                t.PValue is { } p ? Format.PCell(p) : Format.Missing,
                Verdicts.Text(t.Verdict),
            ]).ToList(),
            new HashSet<int> { 4, 5, 6, 7 });
        yield return new Paragraph(
            "A is P(favoured group > other) + ½P(tie) for the group the claim names as larger (OOD for t*, ID for the utility measures), stratified by van Elteren's weights "
            + "1/(N_s + 1) within repeat levels and Δ0 strata. Claim 3 (correlations within ID and within OOD) is given raw, on both exposures. The same rows are in `claims.parquet`.");

        yield return new Heading(3, "Memorization against the noise floor and the ceiling");
        yield return new Paragraph(
            "Per source and repeat level: Δ0 = E0 − Eref (rank exposure) of the forget examples, the spread of Eref across the reference models (`exposure_ref_sd`, "
            + "the noise floor: with one reference model it is unknown), how many memorized examples have Δ0 within twice that floor, and how many sit at the ceiling "
            + "of rank exposure under θ0 (`at_ceiling`: within 0.5 bit of log2(n + 1)), where only extrapolated exposure still resolves them.");
        yield return new Table(
            ["source", "repeats", "forget", "memorized", "median Δ0 (bits)", "median exposure_ref_sd (bits)", "memorized with Δ0 < 2·sd", "at ceiling"],
            m.Floor.Select(f => (IReadOnlyList<string>)
            [
                f.Source, Format.Count(f.Repeats), Format.Count(f.Examples), Format.Count(f.Memorized), Format.Fixed(f.MedianExcess, 2),
                Format.Fixed(f.MedianRefSd, 2), f.MedianRefSd is null ? Format.Missing : Format.Count(f.WithinNoise), Format.Count(f.AtCeiling),
            ]).ToList(),
            new HashSet<int> { 1, 2, 3, 4, 5, 6, 7 });
    }

    /// <summary>Per-seed verdicts side by side and the pooled effects with intervals across seeds (only with replicates).</summary>
    private static IEnumerable<Block> ReplicateBlocks(ReportModel m)
    {
        if (m.Replicates.Count == 0)
        {
            yield break;
        }

        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var pooled = m.ClaimRows.Where(r => r.Seed == Replicates.PooledSeed).ToList();
        yield return new Heading(2, $"Replicates: {m.Replicates.Count} seeds");
        yield return new Paragraph(
            "The whole experiment (data splits, initialisation, order) was repeated with each seed below; the rest of this report shows the first seed. "
            + "Pooled: the mean of the seeds' effects A, its t-interval across seeds (mean ± t·sd/√S) and the one-sample t-test of A against ½, judged by the same rules.");
        yield return new Table(
            ["claim", "exposure", "analysis", .. m.Replicates.Select(r => $"seed {r.Seed.ToString(inv)}"), "pooled"],
            pooled.Where(r => r.Part == "all").Select(r => (IReadOnlyList<string>)
            [
                r.Claim, r.Exposure, r.Analysis,
                .. m.Replicates.Select(rep => rep.Rows.FirstOrDefault(x => x.Part == "all" && x.Claim == r.Claim && x.Analysis == r.Analysis && x.Exposure == r.Exposure)?.Verdict ?? Format.Missing),
                $"**{r.Verdict}**",
            ]).ToList(),
            new HashSet<int>());
        yield return new Table(
            ["claim", "measure", "exposure", "analysis", "mean A [CI across seeds]", "p", "pooled verdict"],
            pooled.Where(r => r.Part != "all").Select(r => (IReadOnlyList<string>)
            [
                r.Claim, r.Part, r.Exposure, r.Analysis,
                r.Effect is { } e ? $"{Format.Fixed(e, 2)} {Format.Interval(r.CiLow ?? double.NaN, r.CiHigh ?? double.NaN, v => Format.Fixed(v, 2))}" : Format.Missing,
                r.P is { } p ? Format.PCell(p) : Format.Missing,
                r.Verdict,
            ]).ToList(),
            new HashSet<int> { 4, 5 });
    }

    private static Table Configuration(ReportModel m)
    {
        var r = m.Run;
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "run", $"`{r.RunId}`, status {r.Status}" },
            new[] { "preset, seed", $"{r.Preset}, {r.Seed}" },
            new[] { "configuration hash", $"`{r.ConfigHash}`" },
            new[] { "model", $"GPT-2, {r.NLayer} layers, width {r.NEmbd}, {r.NHead} heads, vocabulary {Format.Count(r.VocabSize)}, {Format.Count(r.ModelParameters)} parameters" },
            new[] { "data", $"examples of {r.ExampleTokens} tokens; {Format.Count(r.TrainExamples)} training, {Format.Count(r.ForgetId)} forget ID, {Format.Count(r.ForgetOod)} forget OOD; populations of {Format.Count(r.PopulationSize)} per source" },
            new[] { "tables", $"{Format.Count(r.StepRows)} evaluated steps, {Format.Count(r.PopulationRows)} population examples" },
            new[] { "time", $"started {r.StartedAt:yyyy-MM-dd HH:mm} UTC; training {Format.Seconds(r.TrainSeconds)}, reference {Format.Seconds(r.ReferenceSeconds)}, unlearning {Format.Seconds(r.ForgetSeconds)}; {r.Threads} {(r.Threads == 1 ? "thread" : "threads")}" },
        };
        return new Table(["", ""], rows, new HashSet<int>());
    }

    private static Table ClaimTable(ClaimResult claim, ReportSettings settings)
    {
        var level = Pct(settings.Level);
        return new Table(
            ["test", "statistic", "n", $"effect A [{level} CI]", "p", $"difference [{level} CI]", "verdict"],
            claim.Tests.Select(t => (IReadOnlyList<string>)
            [
                $"{t.Id}. {t.Statement}",
                $"Mann–Whitney U on {t.Measure}, two-sided" + (t.Test is { } mw ? $" (U = {Format.Fixed(mw.U1, 1)}, {(mw.Method == Statistics.PValueMethod.Exact ? "exact" : "normal approx.")})" : ""),
                $"{t.FavouredGroup} {t.NFavoured}, {t.OtherGroup} {t.NOther}",
                t.Effect is { } e ? $"P({t.FavouredGroup} > {t.OtherGroup}) = {Format.Fixed(e.Estimate, 2)} {Format.Interval(e.Lower, e.Upper, v => Format.Fixed(v, 2))}" : Format.Missing,
                t.Test is { } test ? Format.PCell(test.PValue) : Format.Missing,
                t.Difference is { } d ? $"{t.DifferenceLabel}: {Value(d.Estimate, t.DifferenceUnit)} {Format.Interval(d.Lower, d.Upper, v => Value(v, t.DifferenceUnit))}" : Format.Missing,
                $"**{Verdicts.Text(t.Verdict)}**: {t.Reason}",
            ]).ToList(),
            new HashSet<int>());
    }

    private static string Value(double? v, string unit) => unit switch
    {
        "steps" => v is double.PositiveInfinity ? "∞ (a median not reached)" : v is double.NegativeInfinity ? "−∞ (a median not reached)" : Format.Steps(v) + " steps",
        "relative" => Format.Percent(v, 2),
        "relative per step" => Format.Percent(v, 3) + "/step",
        _ => Format.Fixed(v, 3) + " " + unit,
    };

    private static string Pct(double level) => (level * 100).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
