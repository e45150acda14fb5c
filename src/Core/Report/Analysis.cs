using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Results;
using Unlearning.Core.Statistics;

namespace Unlearning.Core.Report;

/// <summary>One forget example with its evaluated steps, as the analysis sees it.</summary>
internal sealed record ForgetExample(ExampleRow Row, IReadOnlyList<StepRow> Steps, double LastStep)
{
    /// <summary>t* was reached on the schedule.</summary>
    public bool Unlearned => Row.StepsToUnlearn is not null && !Row.Censored;

    /// <summary>t* for rank statistics: censored examples rank above every unlearned one (+∞).</summary>
    public double StepsForRanking => Unlearned ? Row.StepsToUnlearn!.Value : double.PositiveInfinity;

    /// <summary>(time, censored) for Kaplan–Meier: censored at the last evaluated step.</summary>
    public (double Time, bool Censored) Survival => Unlearned ? (Row.StepsToUnlearn!.Value, false) : (LastStep, true);

    /// <summary>The step row at t* (unlearned) or the last one (censored); null without steps.</summary>
    public StepRow? Final => Unlearned
        ? Steps.LastOrDefault(s => s.Step <= Row.StepsToUnlearn!.Value) ?? Steps.LastOrDefault()
        : Steps.LastOrDefault();

    /// <summary>
    /// The trade-off area of SPEC §6: ∫₀¹ ΔU dQ along the example's curve {(Q_t, ΔU_t)} in step order, by
    /// the trapezoid rule, up to the first step where Q reaches 1 (the last segment cut at Q = 1 by linear
    /// interpolation). Segments where Q goes down count negatively, as the integral along the path does.
    /// Null unless the example reached t*.
    /// </summary>
    public double? TradeoffArea
    {
        get
        {
            if (!Unlearned)
            {
                return null;
            }

            var points = Steps.Where(s => s.Quality is not null).Select(s => (Q: s.Quality!.Value, U: s.UtilityCost)).ToList();
            if (points.Count == 0 || points.All(p => p.Q < 1))
            {
                return null;
            }

            var area = 0.0;
            for (var i = 1; i < points.Count; i++)
            {
                var (q0, u0) = points[i - 1];
                var (q1, u1) = points[i];
                if (q1 >= 1)
                {
                    var u = q1 == q0 ? u1 : u0 + ((u1 - u0) * (1 - q0) / (q1 - q0));
                    return area + ((1 - q0) * (u0 + u) / 2);
                }

                area += (q1 - q0) * (u0 + u1) / 2;
            }

            return area;
        }
    }

    /// <summary>
    /// How fast utility decays per step: the least-squares slope through the origin of ΔU_t over the
    /// evaluated steps t &gt; 0, b = Σ t·ΔU_t / Σ t² (ΔU_0 = 0 by definition). Null without a step &gt; 0.
    /// </summary>
    public double? UtilitySlope
    {
        get
        {
            var later = Steps.Where(s => s.Step > 0).ToList();
            return later.Count == 0 ? null : later.Sum(s => s.Step * s.UtilityCost) / later.Sum(s => (double)s.Step * s.Step);
        }
    }
}

/// <summary>From the four tables to the <see cref="ReportModel"/>: validation, summaries, the claims and their verdicts.</summary>
public static class Analysis
{
    public const string RunsTable = "runs.parquet";
    public const string ExamplesTable = "examples.parquet";
    public const string StepsTable = "steps.parquet";
    public const string PopulationsTable = "populations.parquet";

    /// <summary>The order sources are listed in: ID first, then the OOD sources of SPEC §1, then any other alphabetically.</summary>
    private static readonly string[] KnownOrder = ["brown", "code", "spam", "canary"];

    /// <summary>Sorts groups of examples by source in the report's order.</summary>
    internal static IOrderedEnumerable<IGrouping<string, ForgetExample>> InReportOrder(IEnumerable<IGrouping<string, ForgetExample>> groups) =>
        groups.OrderBy(g => g.First().Row.IsOod)
            .ThenBy(g => Array.IndexOf(KnownOrder, g.Key) is var i && i >= 0 ? i : KnownOrder.Length)
            .ThenBy(g => g.Key, StringComparer.Ordinal);

    public static Either<InputError, ReportModel> Build(RunTables tables, ReportSettings? settings = null)
    {
        var s = settings ?? new ReportSettings();
        var seeds = tables.Examples.Select(e => e.Seed).Distinct().Order().ToList();
        if (seeds.Count <= 1)
        {
            return from examples in Validate(tables)
                   select Model(tables, examples, s);
        }

        // Replicates (SPEC §10): one model per seed, each from its own rows; the first seed's model carries the
        // report's sections, with every seed's claim rows and the rows pooled across seeds.
        var models = new List<ReportModel>();
        foreach (var seed in seeds)
        {
            var own = new RunTables(
                [.. tables.Runs.Where(r => r.Seed == seed)],
                [.. tables.Examples.Where(e => e.Seed == seed)],
                [.. tables.Steps.Where(r => r.Seed == seed)],
                [.. tables.Populations.Where(p => p.Seed == seed)]);
            if (own.Runs.Count == 0)
            {
                return new InputError(RunsTable, "seed", $"a run row for every seed of {ExamplesTable}", $"none for seed {seed}");
            }

            var built = from examples in Validate(own) select Model(own, examples, s with { Seed = s.Seed is { } b ? b + (ulong)seed : null });
            if (built.IsLeft)
            {
                return built;
            }

            built.IfRight(models.Add);
        }

        var pooled = Replicates.Pool(models, s);
        return models[0] with
        {
            ClaimRows = [.. models.SelectMany(m => m.ClaimRows), .. pooled],
            Replicates = [.. models.Select(m => new ReplicateResult(m.Run.Seed, m.ClaimRows))],
        };
    }

    internal static Either<InputError, IReadOnlyList<ForgetExample>> Validate(RunTables tables)
    {
        if (tables.Runs.Count == 0)
        {
            return new InputError(RunsTable, "rows", "one row for the run", "no rows");
        }

        var duplicate = tables.Examples.GroupBy(e => e.ExampleId).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return new InputError(ExamplesTable, "example_id", "each forget example once", $"{duplicate.Key} {duplicate.Count()} times");
        }

        foreach (var e in tables.Examples)
        {
            foreach (var (field, value) in new[]
            {
                ("memorization", e.Memorization), ("difficulty", e.Difficulty), ("exposure_base", e.ExposureBase),
                ("exposure_ref", e.ExposureRef), ("excess_exposure", e.ExcessExposure),
            })
            {
                if (!double.IsFinite(value))
                {
                    return new InputError(ExamplesTable, $"{field} of example {e.ExampleId} ({e.Source})", "a finite number", $"{value}");
                }
            }

            if (e.UtilityCostAtUnlearn is { } u && double.IsNaN(u))
            {
                return new InputError(ExamplesTable, $"utility_cost_at_unlearn of example {e.ExampleId} ({e.Source})", "a number or null", "NaN");
            }

            if (e.StepsToUnlearn is < 0)
            {
                return new InputError(ExamplesTable, $"steps_to_unlearn of example {e.ExampleId} ({e.Source})", "a step ≥ 0 or null", $"{e.StepsToUnlearn}");
            }
        }

        var ids = tables.Examples.Select(e => e.ExampleId).ToHashSet();
        foreach (var step in tables.Steps)
        {
            if (!ids.Contains(step.ExampleId))
            {
                return new InputError(StepsTable, "example_id", $"an example of {ExamplesTable}", $"{step.ExampleId} (step {step.Step})");
            }

            if (double.IsNaN(step.Exposure) || double.IsNaN(step.UtilityCost) || step.Quality is double.NaN)
            {
                return new InputError(StepsTable, $"exposure, utility_cost and quality of example {step.ExampleId} at step {step.Step}", "numbers (quality may be null)", "NaN");
            }
        }

        var steps = tables.Steps.GroupBy(s => s.ExampleId).ToDictionary(g => g.Key, g => (IReadOnlyList<StepRow>)g.OrderBy(s => s.Step).ToList());
        var budget = tables.Steps.Count > 0 ? tables.Steps.Max(s => s.Step) : 0;
        return tables.Examples
            .Select(e =>
            {
                var own = steps.TryGetValue(e.ExampleId, out var list) ? list : [];
                return new ForgetExample(e, own, own.Count > 0 ? own[^1].Step : budget);
            })
            .ToList();
    }

    private static ReportModel Model(RunTables tables, IReadOnlyList<ForgetExample> all, ReportSettings settings)
    {
        var run = Summary(tables);
        var seed = settings.Seed ?? unchecked((ulong)run.Seed);
        var memorized = all.Where(e => e.Row.Memorized).ToList();
        var id = memorized.Where(e => !e.Row.IsOod).ToList();
        var ood = memorized.Where(e => e.Row.IsOod).ToList();

        var metrics = MetricSettings.Of(tables.Runs[0]);
        var tests = Claims.Tests(all, metrics, settings, seed);
        var driving = Claims.Name(metrics.Driving);
        var headline = tests.Where(t => t.Exposure == driving && t.Analysis == "raw").ToList();
        var claim1 = headline.Where(t => t.Id is "1a" or "1b").ToList();
        var claim2 = headline.Where(t => t.Id == "2").ToList();

        var other = metrics.Driving == ExposureKind.Rank ? ExposureKind.Extrapolated : ExposureKind.Rank;
        var correlations = Correlations([.. all.Select(e => Outcome.Of(e, metrics.Driving, metrics)).Where(o => o.Memorized)], settings, seed, 10);
        var correlationsOther = Correlations([.. all.Select(e => Outcome.Of(e, other, metrics)).Where(o => o.Memorized)], settings, seed, 40);
        var (verdict3, reason3) = Verdicts.Correlations(correlations, settings);
        var (verdict3Other, reason3Other) = Verdicts.Correlations(correlationsOther, settings);
        var combined = Claims.Combined(tests);
        combined.Add(new ClaimVerdict(3, "raw", driving, verdict3, reason3));
        combined.Add(new ClaimVerdict(3, "raw", Claims.Name(other), verdict3Other, reason3Other));
        ClaimVerdict Headline(int number) => combined.Single(v => v.Number == number && v.Analysis == "raw" && v.Exposure == driving);
        var claims = new List<ClaimResult>
        {
            new(1, "Unlearning OOD examples takes more steps than ID examples, but gives a better trade-off between unlearning quality and utility.",
                Headline(1).Verdict, Headline(1).Reason, claim1),
            new(2, "Unlearning ID examples makes utility decay rapidly as unlearning progresses.", Headline(2).Verdict, Headline(2).Reason, claim2),
            new(3, "An example's memorization and difficulty affect how unlearning goes.", verdict3, reason3, []),
        };

        var model = new ReportModel(
            run,
            settings,
            seed,
            Sources(all),
            claims,
            correlations,
            Membership(all, tables.Populations),
            Figures.Build(all, settings),
            Notes(all, tables))
        {
            DrivingExposure = driving,
            CorrelationsOther = correlationsOther,
            Tests = tests,
            ClaimVerdicts = combined,
            Floor = Floor(all),
        };
        return model with { ClaimRows = Claims.Rows(model) };
    }

    private static RunSummary Summary(RunTables tables)
    {
        var r = tables.Runs[0];
        return new RunSummary(
            r.RunId, r.Status, r.Preset, r.Seed, r.ConfigHash, r.ModelParameters, r.NLayer, r.NEmbd, r.NHead, r.VocabSize,
            r.ExampleTokens, r.TrainExamples, r.ForgetId, r.ForgetOod, r.PopulationSize, r.StartedAt, r.FinishedAt,
            r.TrainSeconds, r.ReferenceSeconds, r.ForgetSeconds, r.Threads, tables.Runs.Count, tables.Steps.Count, tables.Populations.Count);
    }

    /// <summary>Claim 3's correlations over the memorized examples of one exposure kind; <paramref name="stream"/> offsets the bootstrap streams.</summary>
    private static List<CorrelationRow> Correlations(IReadOnlyList<Outcome> memorized, ReportSettings settings, ulong seed, int stream)
    {
        var raw = new List<(string Group, string Outcome, string Factor, List<(double X, double Y)> Pairs)>();
        foreach (var (group, examples) in new[] { ("ID", memorized.Where(o => !o.IsOod).ToList()), ("OOD", memorized.Where(o => o.IsOod).ToList()) })
        {
            var unlearned = examples.Where(o => o.Unlearned && o.UtilityAtSteps is not null).ToList();
            raw.Add((group, "t*", "memorization", examples.Select(o => (o.Example.Row.Memorization, o.StepsForRanking)).ToList()));
            raw.Add((group, "t*", "difficulty", examples.Select(o => (o.Example.Row.Difficulty, o.StepsForRanking)).ToList()));
            raw.Add((group, "ΔU at t*", "memorization", unlearned.Select(o => (o.Example.Row.Memorization, o.UtilityAtSteps!.Value)).ToList()));
            raw.Add((group, "ΔU at t*", "difficulty", unlearned.Select(o => (o.Example.Row.Difficulty, o.UtilityAtSteps!.Value)).ToList()));
        }

        var results = raw.Select((r, k) =>
        {
            if (r.Pairs.Count < 2)
            {
                return (Rho: double.NaN, P: double.NaN, Interval: (ConfidenceInterval?)null);
            }

            var xs = r.Pairs.Select(p => p.X).ToList();
            var ys = r.Pairs.Select(p => p.Y).ToList();
            var result = Spearman.Compute(xs, ys);
            var interval = Bootstrap.OneSampleUnchecked(
                r.Pairs, pairs => Spearman.Rho(pairs.Select(p => p.X).ToList(), pairs.Select(p => p.Y).ToList()),
                Stream(seed, stream + k), settings.Resamples, settings.Level);
            return (result.Rho, P: result.PValue, Interval: (ConfidenceInterval?)interval);
        }).ToList();

        // Holm's family: the rows with enough pairs to be tested.
        var tested = results.Select((r, k) => raw[k].Pairs.Count >= settings.MinimumPerGroup ? r.P : double.NaN).ToList();
        var adjusted = Verdicts.Holm(tested);
        return raw.Select((r, k) => new CorrelationRow(
            r.Group, r.Outcome, r.Factor, r.Pairs.Count, results[k].Rho, results[k].P, adjusted[k], results[k].Interval,
            Verdicts.CorrelationFinding(r.Pairs.Count, results[k].Rho, adjusted[k], results[k].Interval, settings))).ToList();
    }

    private static List<FloorRow> Floor(IReadOnlyList<ForgetExample> all) =>
        [.. InReportOrder(all.GroupBy(e => e.Row.Source)).SelectMany(g => g.GroupBy(e => e.Row.Repeats).OrderBy(r => r.Key).Select(r =>
        {
            var rows = r.Select(e => e.Row).ToList();
            var memorized = rows.Where(e => e.Memorized).ToList();
            var sds = rows.Select(e => e.ExposureRefSd).OfType<double>().ToList();
            return new FloorRow(
                g.Key, r.Key, rows.Count, memorized.Count,
                rows.Count > 0 ? Descriptive.Median(rows.Select(e => e.ExposureBase - e.ExposureRef).ToList()) : null,
                sds.Count > 0 ? Descriptive.Median(sds) : null,
                memorized.Count(e => e.ExposureRefSd is { } sd && e.ExposureBase - e.ExposureRef < 2 * sd),
                rows.Count(e => e.AtCeiling));
        }))];

    private static List<SourceSummary> Sources(IReadOnlyList<ForgetExample> all)
    {
        var bySource = InReportOrder(all.GroupBy(e => e.Row.Source))
            .Select(g => Source(g.Key, g.First().Row.IsOod, g.ToList()))
            .ToList();
        var oodSources = all.Where(e => e.Row.IsOod).Select(e => e.Row.Source).Distinct().Count();
        if (oodSources > 1)
        {
            bySource.Add(Source("all OOD", true, all.Where(e => e.Row.IsOod).ToList()));
        }

        return bySource;
    }

    private static SourceSummary Source(string name, bool isOod, IReadOnlyList<ForgetExample> examples)
    {
        var memorized = examples.Where(e => e.Row.Memorized).ToList();
        var unlearned = memorized.Where(e => e.Unlearned).ToList();
        var km = memorized.Aggregate(KaplanMeier.Empty, (k, e) => k.Add(e.Survival.Time, e.Survival.Censored));
        return new SourceSummary(
            name, isOod, examples.Count, memorized.Count, unlearned.Count, memorized.Count - unlearned.Count,
            km.Median(), memorized.Count > 0 ? memorized.Max(e => e.LastStep) : 0,
            Quartiles.Of(unlearned.Select(e => e.Row.UtilityCostAtUnlearn ?? double.NaN)),
            Quartiles.Of(unlearned.Select(e => e.Row.Overshoot ?? double.NaN)),
            Quartiles.Of(unlearned.Select(e => e.TradeoffArea ?? double.NaN)),
            Quartiles.Of(examples.Select(e => e.Row.Memorization)),
            Quartiles.Of(examples.Select(e => e.Row.Difficulty)));
    }

    /// <summary>
    /// Membership AUC per source and attack, over memorized forget examples. The LOSS attack's per-example AUC
    /// against P_s follows from rank exposure: rank = (n+1)·2^(−E) and AUC_x = (n + 1 − rank)/n, the fraction of the
    /// population with a higher score (ties ½); the mean over examples is the ROC AUC of forget against population.
    /// The other attacks come from their per-example columns when the pipeline recorded them.
    /// </summary>
    private static List<MembershipRow> Membership(IReadOnlyList<ForgetExample> all, IReadOnlyList<PopulationRow> populations)
    {
        var sizes = populations.GroupBy(p => p.Source).ToDictionary(g => g.Key, g => g.Count());
        var rows = new List<MembershipRow>();
        foreach (var group in InReportOrder(all.Where(e => e.Row.Memorized).GroupBy(e => e.Row.Source)))
        {
            var examples = group.ToList();
            var n = sizes.TryGetValue(group.Key, out var size) ? size : 0;
            double? FromExposure(Func<ForgetExample, double?> exposure)
            {
                var values = examples.Select(exposure).OfType<double>().ToList();
                return n == 0 || values.Count == 0 ? null : values.Average(e => (n + 1 - ((n + 1) * Math.Pow(2, -e))) / n);
            }

            rows.Add(new MembershipRow(
                group.Key, "LOSS", examples.Count,
                FromExposure(e => e.Row.ExposureBase), FromExposure(e => e.Final?.Exposure), FromExposure(e => e.Row.ExposureRef)));
            foreach (var (attack, atStep, reference) in new (string, Func<StepRow, double?>, Func<ExampleRow, double?>)[]
            {
                ("zlib", s => s.MembershipZlib, e => e.MembershipZlibRef),
                ("Min-K%", s => s.MembershipMinK, e => e.MembershipMinKRef),
                ("Min-K%++", s => s.MembershipMinKPlusPlus, e => e.MembershipMinKPlusPlusRef),
            })
            {
                double? Mean(Func<ForgetExample, double?> pick)
                {
                    var values = examples.Select(pick).OfType<double>().ToList();
                    return values.Count == examples.Count && values.Count > 0 ? values.Average() : null;
                }

                var before = Mean(e => e.Steps.FirstOrDefault(s => s.Step == 0) is { } s0 ? atStep(s0) : null);
                var after = Mean(e => e.Final is { } f ? atStep(f) : null);
                var oracle = Mean(e => reference(e.Row));
                if (before is not null || after is not null || oracle is not null)
                {
                    rows.Add(new MembershipRow(group.Key, attack, examples.Count, before, after, oracle));
                }
            }
        }

        return rows;
    }

    private static List<string> Notes(IReadOnlyList<ForgetExample> all, RunTables tables)
    {
        var notes = new List<string>();
        var notMemorized = all.Count(e => !e.Row.Memorized);
        if (notMemorized > 0)
        {
            notes.Add($"{notMemorized} of {all.Count} forget examples were not memorized (Δ0 ≤ τ): their quality is null and they are left out of every statistic on steps and utility.");
        }

        var withoutSteps = all.Count(e => e.Row.Memorized && e.Steps.Count == 0);
        if (withoutSteps > 0)
        {
            notes.Add($"{withoutSteps} memorized examples have no rows in {StepsTable}; they count as censored at the run's last step.");
        }

        var statuses = all.GroupBy(e => e.Row.Status).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        notes.Add($"Example status: {string.Join(", ", statuses)}.");
        if (tables.Runs.Count > 1)
        {
            notes.Add($"{RunsTable} has {tables.Runs.Count} rows; the configuration shown is the first.");
        }

        if (!all.Any(e => e.Steps.Any(s => s.MembershipZlib is not null)))
        {
            notes.Add("Membership inference: only the LOSS attack (from rank exposure) is available; the tables carry no per-example zlib, Min-K% or Min-K%++ AUC.");
        }

        return notes;
    }

    /// <summary>An independent bootstrap stream per statistic, derived from the run's seed.</summary>
    internal static ulong Stream(ulong seed, int k) => new SplitMix64(seed + ((ulong)k * 0xD1B54A32D192ED03UL)).NextUInt64().Value;
}
