using System.Text.Json;
using Unlearning.Core.Data;
using Unlearning.Core.Experiment;
using Unlearning.Core.Results;
using Unlearning.Host.Experiment;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Experiment;

/// <summary>
/// The whole experiment on a preset small enough for CI: the real tokenizer trainer, example sets,
/// engine, metrics and Parquet, on small synthetic corpora (so the test needs no package and runs in
/// seconds). The quick preset on the real corpora is measured in docs/cli.md.
/// </summary>
public sealed class EndToEnd : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unlearn-e2e-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>quick, shrunk: 1 block of width 16, L = 16, 5 forget examples, populations of 12.</summary>
    internal static ExperimentConfig Tiny(params string[] more) =>
        ConfigJson.Resolve("quick", null, "test",
        [
            "data.example_tokens=16", "data.vocab_size=300", "data.train_examples=96",
            "data.brown.forget=2", "data.brown.population=12", "data.brown.validation=6",
            "data.code.forget=1", "data.code.population=12", "data.code.validation=4",
            "data.spam.forget=1", "data.spam.population=12", "data.spam.validation=4",
            "data.canary.forget=1", "data.canary.population=12", "data.canary.validation=4",
            "model.n_layer=1", "model.n_embd=16", "model.n_head=2", "model.n_positions=16",
            "training.steps=40", "training.batch_size=8", "training.warmup_steps=4", "training.learning_rate=0.01",
            "unlearning.max_steps=8", "unlearning.dense_steps=4", "unlearning.eval_every=2", "unlearning.stop_margin=2",
            "evaluation.batch_size=32", "data.repeat_levels=[]", .. more,
        ]).Match(c => c, e => throw new InvalidOperationException(string.Join("; ", e)));

    /// <summary>Seeded synthetic documents: English-like prose (ID), C-like code and spam-like mail (OOD).</summary>
    internal static IReadOnlyList<Document> Corpus(string source)
    {
        string[] words = source switch
        {
            SourceNames.Brown => ["the", "man", "said", "that", "it", "was", "a", "long", "day", "in", "city", "and", "she", "had", "not", "seen",
                "him", "since", "war", "of", "their", "house", "by", "river", "when", "we", "came", "home", "they", "were", "there", "old",
                "secret", "number", "is", "the secret", "number is"],
            SourceNames.Code => ["static", "int", "sqlite3", "(", ")", "{", "}", ";", "return", "if", "p->", "rc", "=", "==", "0", "SQLITE_OK",
                "pBt", "u8", "*", "for", "i++", "<", "nByte", "assert", "&&", "pPager"],
            _ => ["FREE", "offer", "click", "here", "now", "http://", "www", ".com", "money", "$", "100", "!!!", "unsubscribe", "limited",
                "best", "price", "viagra", "loan", "credit", "win", "prize", "order"],
        };
        var random = new Random(source.Length * 7919);
        var count = source == SourceNames.Brown ? 40 : 24;
        return [.. Enumerable.Range(0, count).Select(d =>
        {
            var n = source == SourceNames.Brown ? 400 : 160;
            var text = string.Join(' ', Enumerable.Range(0, n).Select(_ => words[random.Next(words.Length)]));
            return new Document(source, $"{source}/{d:D3}", text);
        })];
    }

    private static PipelineResult Run(ExperimentConfig config, string dir, PipelineScope scope, CancellationToken cancel = default, IRunProgress? progress = null)
    {
        var folder = RunFolder.Open(dir, config);
        folder.RemoveLeftovers();
        using var log = new RunLog(folder.LogFile);
        var work = new ExperimentWork(config, folder, null, log, Corpus);
        return Pipeline.Execute(scope, config, folder, work, progress ?? new PlainProgress(TextWriter.Null), log, cancel);
    }

    private static List<string> Rows<T>(string dir, string table)
        where T : class =>
        [.. ParquetTable<T>.ReadAll(Path.Combine(dir, table + ".parquet")).Select(r => JsonSerializer.Serialize(r))];

    [Fact]
    public void A_tiny_run_writes_the_four_tables_with_their_schemas_and_counts_and_a_report()
    {
        var config = Tiny();
        var dir = Path.Combine(_root, "run");
        var result = Run(config, dir, PipelineScope.Run);
        Assert.All(result.Stages, s => Assert.Equal("ran", s.Action));

        // Schemas: each file is the table of its record, with the run's configuration and schema version.
        foreach (var (table, schema) in new[] { (Tables.Runs, Tables.RunsSchema), (Tables.Examples, Tables.ExamplesSchema), (Tables.Steps, Tables.StepsSchema), (Tables.Populations, Tables.PopulationsSchema) })
        {
            using var file = ParquetFileReader.Open(Path.Combine(dir, table + ".parquet"));
            Assert.True(file.Schema.SameAs(schema), table);
            Assert.Equal(ConfigJson.Canonical(config), file.MetadataValue(Tables.ConfigKey));
            Assert.Equal("1", file.MetadataValue(Tables.SchemaVersionKey));
        }

        var run = Assert.Single(ParquetTable<RunRow>.ReadAll(Path.Combine(dir, "runs.parquet")));
        Assert.Equal(ConfigJson.Hash(config), run.ConfigHash);
        Assert.Equal((2, 3, 12), (run.ForgetId, run.ForgetOod, run.PopulationSize));
        Assert.Equal(16 * 16 * 12 + (13 * 16) + ((run.VocabSize + 16L) * 16) + 32, run.ModelParameters);

        var examples = ParquetTable<ExampleRow>.ReadAll(Path.Combine(dir, "examples.parquet"));
        var steps = ParquetTable<StepRow>.ReadAll(Path.Combine(dir, "steps.parquet"));
        var populations = ParquetTable<PopulationRow>.ReadAll(Path.Combine(dir, "populations.parquet"));
        Assert.Equal(5, examples.Count);
        Assert.Equal([SourceNames.Brown, SourceNames.Code, SourceNames.Spam, SourceNames.Canary, SourceNames.Brown], examples.Select(e => e.Source));
        Assert.Equal(48, populations.Count);
        Assert.All(populations, p => Assert.Equal(16, p.Tokens.Length));

        var schedule = EvaluationSchedule.Steps(config.Unlearning);
        var maxExposure = Math.Log2(12 + 1);
        foreach (var e in examples)
        {
            Assert.Equal(16, e.Tokens.Length);
            Assert.Equal(e.Source != SourceNames.Brown, e.IsOod);
            Assert.Equal(e.ExposureBase - e.ExposureRef, e.ExcessExposure, 12);
            Assert.Equal(e.ExcessExposure > 0.5, e.Memorized);
            Assert.Contains(e.Status, new[] { ExampleStatus.Unlearned, ExampleStatus.Censored, ExampleStatus.NotMemorized, ExampleStatus.Diverged });
            Assert.Equal(e.StepsToUnlearn is null, e.Censored);
            Assert.InRange(e.ExposureBase, 0, maxExposure);
            Assert.InRange(e.ExposureRef, 0, maxExposure);

            var own = steps.Where(s => s.ExampleId == e.ExampleId).ToList();
            Assert.Equal(schedule.Take(own.Count), own.Select(s => s.Step));
            var first = own[0];
            Assert.Equal((0, e.BitsBase, e.ExposureBase, 0.0, 0.0), (first.Step, first.Bits, first.Exposure, first.Drift, first.UtilityCost));
            Assert.Null(first.GradNorm);
            Assert.Equal(e.Memorized ? 0.0 : null, first.Quality);
            Assert.All(own, s =>
            {
                Assert.InRange(s.Exposure, 0, maxExposure);
                Assert.True(s.ExposureExt >= 0);
                Assert.Equal(e.Memorized, s.Quality is not null);
                Assert.NotNull(s.LossCode);
                Assert.InRange(s.AccuracyId, 0, 1);
                Assert.All(new[] { s.MembershipZlib, s.MembershipMinK, s.MembershipMinKPlusPlus }, auc => Assert.InRange(auc!.Value, 0, 1));
            });
            Assert.All(new[] { e.MembershipZlibRef, e.MembershipMinKRef, e.MembershipMinKPlusPlusRef }, auc => Assert.InRange(auc!.Value, 0, 1));
            Assert.All(own.Skip(1), s =>
            {
                Assert.True(s.GradNorm > 0);
                Assert.True(s.Drift > 0);
            });
            if (e.StepsToUnlearn is { } t)
            {
                var at = own.Single(s => s.Step == t);
                Assert.True(at.Exposure <= e.ExposureRef + config.Metrics.Delta);
                Assert.All(own.Where(s => s.Step < t), s => Assert.True(s.Exposure > e.ExposureRef + config.Metrics.Delta));
                Assert.Equal(at.UtilityCost, e.UtilityCostAtUnlearn);
                Assert.Equal(Math.Max(0, e.ExposureRef - at.Exposure), e.Overshoot);
            }
        }

        // The manifest lists the tables with their hashes; the report was written from them.
        var manifest = Unlearning.Storage.Manifest.Manifests.Read(Path.Combine(dir, "manifest.json"));
        Assert.Equal(ConfigJson.Hash(config), manifest.ConfigHash);
        Assert.Empty(Unlearning.Storage.Manifest.Manifests.Verify(dir, manifest));
        Assert.All(RunFolder.TableNames, t => Assert.Contains(manifest.Files, f => f.Path == t + ".parquet"));
        Assert.True(File.Exists(Path.Combine(dir, "report.md")));
        Assert.True(File.Exists(Path.Combine(dir, "models", "base", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "models", "reference", "vocab.json")));
        Assert.Equal(40, ParquetTable<TrainingCurveRow>.ReadAll(Path.Combine(dir, "curves", "base.parquet")).Count);

        // A second run of the same configuration does nothing.
        Assert.All(Run(config, dir, PipelineScope.Run).Stages, s => Assert.Equal("skipped", s.Action));
    }

    /// <summary>Cancels the run once the unlearning bar has advanced a given number of steps.</summary>
    private sealed class StopAfter(int steps, CancellationTokenSource cancel) : IRunProgress
    {
        public IStageProgress Start(string description, long total, string unit) =>
            description == "unlearn" ? new Counter(steps, cancel) : new Counter(int.MaxValue, cancel);

        public void Message(string text)
        {
        }

        private sealed class Counter(int limit, CancellationTokenSource cancel) : IStageProgress
        {
            private long _done;

            public void Advance(long amount = 1)
            {
                _done += amount;
                if (_done >= limit)
                {
                    cancel.Cancel();
                }
            }

            public void Status(string text)
            {
            }

            public void Dispose()
            {
            }
        }
    }

    [Fact]
    public void A_repeat_design_is_balanced_across_sources_and_claims_parquet_holds_the_printed_verdicts()
    {
        var config = Tiny("data.repeat_levels=[1, 3]", "data.brown.forget=4", "data.code.forget=2", "data.spam.forget=2", "data.canary.forget=2");
        var dir = Path.Combine(_root, "design");
        var printed = new StringWriter();
        var result = Run(config, dir, PipelineScope.Run, progress: new PlainProgress(printed));
        Assert.Equal("success", result.Status);

        // Every source holds each level equally often, and θ0 saw each forget example `repeats` times.
        var examples = ParquetTable<ExampleRow>.ReadAll(Path.Combine(dir, "examples.parquet"));
        foreach (var source in examples.GroupBy(e => e.Source))
        {
            Assert.Equal([1, 3], source.GroupBy(e => e.Repeats).OrderBy(g => g.Key).Select(g => g.Key));
            Assert.Single(source.GroupBy(e => e.Repeats).Select(g => g.Count()).Distinct());
        }

        var stored = JsonSerializer.Deserialize<StoredExamples>(File.ReadAllText(Path.Combine(dir, "data", "examples.json")), ExperimentWork.Json)!;
        var training = stored.BaseTraining();
        foreach (var e in examples)
        {
            Assert.Equal(e.Repeats, training.Count(t => t.SequenceEqual(e.Tokens)));
            Assert.Equal(e.ExposureBase >= Math.Log2(13) - 0.5, e.AtCeiling);
        }

        // claims.parquet: its schema, the run's configuration, and the printed verdict lines read off its rows.
        using (var file = ParquetFileReader.Open(Path.Combine(dir, "claims.parquet")))
        {
            Assert.True(file.Schema.SameAs(Tables.ClaimsSchema));
            Assert.Equal(Tables.Claims, file.MetadataValue(Tables.TableKey));
        }

        var claims = ParquetTable<ClaimRow>.ReadAll(Path.Combine(dir, "claims.parquet"));
        Assert.Equal(["1", "2", "3"], claims.Where(r => r.Part == "all").Select(r => r.Claim).Distinct());
        Assert.Equal(["raw", "by_repeats", "matched"], claims.Where(r => r.Claim == "1a").Select(r => r.Analysis).Distinct());
        Assert.Equal(["rank", "extrapolated"], claims.Where(r => r.Claim == "1a").Select(r => r.Exposure).Distinct());
        Assert.All(claims, r => Assert.Equal(config.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Seed));
        var lines = printed.ToString().Split('\n').Where(l => l.StartsWith("claim ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Core.Report.Claims.Lines(claims), lines);
        Assert.Equal(3, lines.Count);
    }

    [Fact]
    public void Replicates_run_each_seed_in_its_own_folder_resume_per_seed_and_pool_into_one_report()
    {
        var config = Tiny();
        var dir = Path.Combine(_root, "replicates");
        PipelineResult Replicates(TextWriter printed)
        {
            var root = RunFolder.Open(dir, config);
            using var log = new RunLog(root.LogFile);
            return ReplicateRuns.Run(2, config, root, (c, f) => new ExperimentWork(c, f, null, log, Corpus), new PlainProgress(printed), log, default, []);
        }

        var printed = new StringWriter();
        var first = Replicates(printed);
        long[] seeds = [config.Seed, config.Seed + ReplicateRuns.SeedStride];
        Assert.All(seeds, s => Assert.True(File.Exists(Path.Combine(dir, $"seed-{s}", "examples.parquet"))));

        // A seed column in every table, each seed's rows once.
        Assert.Equal(seeds, ParquetTable<RunRow>.ReadAll(Path.Combine(dir, "runs.parquet")).Select(r => r.Seed));
        Assert.Equal(seeds, ParquetTable<ExampleRow>.ReadAll(Path.Combine(dir, "examples.parquet")).Select(r => r.Seed).Distinct());
        Assert.Equal(seeds, ParquetTable<StepRow>.ReadAll(Path.Combine(dir, "steps.parquet")).Select(r => r.Seed).Distinct());
        Assert.Equal(seeds, ParquetTable<PopulationRow>.ReadAll(Path.Combine(dir, "populations.parquet")).Select(r => r.Seed).Distinct());

        // claims.parquet: every seed's rows and the pooled ones; the printed pooled lines are read off them.
        var claims = ParquetTable<ClaimRow>.ReadAll(Path.Combine(dir, "claims.parquet"));
        Assert.Equal([.. seeds.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)), "pooled"], claims.Select(r => r.Seed).Distinct());
        var lines = printed.ToString().Split('\n').Where(l => l.StartsWith("claim ", StringComparison.Ordinal) && l.Contains("pooled", StringComparison.Ordinal)).ToList();
        Assert.Equal(Core.Report.Claims.Lines(claims), lines);
        Assert.Contains("## Replicates: 2 seeds", File.ReadAllText(Path.Combine(dir, "report.md")), StringComparison.Ordinal);

        // A second run resumes each seed: nothing is recomputed, and the pooled claims are the same.
        var second = Replicates(TextWriter.Null);
        Assert.All(second.Stages.Where(s => s.Id.StartsWith("seed-", StringComparison.Ordinal)), s => Assert.Equal("skipped", s.Action));
        Assert.Equal(first.Stages.Count, second.Stages.Count);
        Assert.Equal(
            claims.Select(r => JsonSerializer.Serialize(r)),
            ParquetTable<ClaimRow>.ReadAll(Path.Combine(dir, "claims.parquet")).Select(r => JsonSerializer.Serialize(r)));
    }

    [Fact]
    public void A_run_stopped_part_way_and_resumed_gives_the_rows_of_an_uninterrupted_run()
    {
        var config = Tiny();
        var whole = Path.Combine(_root, "whole");
        Run(config, whole, PipelineScope.Train);
        Run(config, whole, PipelineScope.Forget);

        // Stopped in the middle of the second unlearning target (the first one used at most T_max steps).
        var resumed = Path.Combine(_root, "resumed");
        Run(config, resumed, PipelineScope.Train);
        using (var cancel = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Run(config, resumed, PipelineScope.Forget, cancel.Token, new StopAfter(config.Unlearning.MaxSteps + 2, cancel)));
        }

        var parts = Directory.GetFiles(Path.Combine(resumed, "parts"), "*.json");
        Assert.InRange(parts.Length, 1, 4);
        Assert.False(File.Exists(Path.Combine(resumed, "examples.parquet")));

        // What a killed process leaves: a half-written file under a temporary name.
        File.WriteAllText(Path.Combine(resumed, "parts", "brown-000001.json.tmp-99999"), "{ \"trunc");

        var second = Run(config, resumed, PipelineScope.Forget);
        Assert.Equal(parts.Length, second.Stages.Count(s => s.Id.StartsWith("forget/", StringComparison.Ordinal) && s.Action == "skipped"));
        Assert.Equal(5 - parts.Length, second.Stages.Count(s => s.Id.StartsWith("forget/", StringComparison.Ordinal) && s.Action == "ran"));
        Assert.All(second.Stages.Where(s => s.Id is "data" or "train-base" or "train-reference-0" or "score"), s => Assert.Equal("skipped", s.Action));
        Assert.Empty(Directory.GetFiles(resumed, "*.tmp-*", SearchOption.AllDirectories));

        Assert.Equal(Rows<ExampleRow>(whole, "examples"), Rows<ExampleRow>(resumed, "examples"));
        Assert.Equal(Rows<StepRow>(whole, "steps"), Rows<StepRow>(resumed, "steps"));
        Assert.Equal(Rows<PopulationRow>(whole, "populations"), Rows<PopulationRow>(resumed, "populations"));
    }

    [Fact]
    public void Starting_from_a_hugging_face_folder_uses_its_model_and_tokenizer()
    {
        // A small GPT-2 folder written here: its own tokenizer and a model of another size than the preset's.
        var init = Path.Combine(_root, "gpt2-small-test");
        var tokenizer = Core.Tokenization.BpeTokenizer.Train(Corpus(SourceNames.Brown).Select(d => d.Text), 280).Match(t => t, e => throw e.ToException());
        Unlearning.Storage.Packages.PackageCorpora.SaveTokenizer(tokenizer, init);
        var gpt = new Core.Model.Gpt2Config(tokenizer.VocabSize, 32, 24, 2, 3) { BosTokenId = tokenizer.EndOfText };
        var weights = Core.Model.Gpt2Weights.Init(gpt, 7);
        Unlearning.Storage.Checkpoints.Gpt2Checkpoint.Save(
            init, gpt, [.. weights.Specs.Select((spec, i) => new Unlearning.Storage.Checkpoints.NamedTensor(spec.Name, spec.Shape, weights[i]))],
            new Unlearning.Storage.Checkpoints.CheckpointOptions { EndOfTextId = tokenizer.EndOfText });

        // training.steps = 0: θ0 and θref are the checkpoint itself.
        var config = Tiny($"model.init={init}", "training.steps=0", "training.warmup_steps=0");
        var dir = Path.Combine(_root, "from-init");
        Run(config, dir, PipelineScope.Train);
        Run(config, dir, PipelineScope.Forget);

        var run = Assert.Single(ParquetTable<RunRow>.ReadAll(Path.Combine(dir, "runs.parquet")));
        Assert.Equal((tokenizer.VocabSize, 2, 24, 3), (run.VocabSize, run.NLayer, run.NEmbd, run.NHead));
        Assert.Equal(File.ReadAllText(Path.Combine(init, "vocab.json")), File.ReadAllText(Path.Combine(dir, "data", "vocab.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(init, "merges.txt")), File.ReadAllText(Path.Combine(dir, "models", "base", "merges.txt")));
        var (baseConfig, baseTensors) = Unlearning.Storage.Checkpoints.Gpt2Checkpoint.Load(Path.Combine(dir, "models", "base"));
        Assert.Equal(gpt with { BosTokenId = null }, baseConfig with { BosTokenId = null });
        Assert.All(baseTensors, t => Assert.Equal(weights[t.Name], t.Data));

        // The examples were tokenized with the checkpoint's vocabulary: every token decodes back under it.
        var examples = ParquetTable<ExampleRow>.ReadAll(Path.Combine(dir, "examples.parquet"));
        Assert.Equal(5, examples.Count);
        Assert.All(examples, e => Assert.Equal(e.Text, tokenizer.Decode(e.Tokens)));
    }

    [Fact]
    public void A_batch_target_unlearns_examples_of_one_source_together()
    {
        var config = Tiny("unlearning.target=batch", "unlearning.target_size=2", "data.brown.forget=3");
        var dir = Path.Combine(_root, "batch");
        Run(config, dir, PipelineScope.Train);
        var result = Run(config, dir, PipelineScope.Forget);

        // brown: a group of 2 and a group of 1; code, spam, canary: 1 each.
        Assert.Equal(5, result.Stages.Count(s => s.Id.StartsWith("forget/", StringComparison.Ordinal)));
        Assert.Single(Directory.GetFiles(Path.Combine(dir, "parts"), "brown-*+1.json"));
        var examples = ParquetTable<ExampleRow>.ReadAll(Path.Combine(dir, "examples.parquet"));
        var steps = ParquetTable<StepRow>.ReadAll(Path.Combine(dir, "steps.parquet"));
        Assert.Equal(6, examples.Count);

        // The two examples of the group went through the same ascent: the same steps, drift and utility.
        var group = examples.Where(e => e.Source == SourceNames.Brown).Take(2).Select(e => steps.Where(s => s.ExampleId == e.ExampleId).ToList()).ToList();
        Assert.Equal(group[0].Select(s => (s.Step, s.Drift, s.LossId, s.GradNorm)), group[1].Select(s => (s.Step, s.Drift, s.LossId, s.GradNorm)));
        Assert.NotEqual(group[0].Select(s => s.Bits), group[1].Select(s => s.Bits));
    }

    [Fact]
    public void Divergence_is_a_recorded_status_and_never_a_crash()
    {
        // No clipping and an enormous step: the weights leave float range within a few steps.
        var config = Tiny("unlearning.learning_rate=100", "unlearning.grad_clip=0", "unlearning.early_stop=false");
        var dir = Path.Combine(_root, "diverge");
        Run(config, dir, PipelineScope.Train);
        var result = Run(config, dir, PipelineScope.Forget);
        Assert.Equal("success", result.Status);

        var examples = ParquetTable<ExampleRow>.ReadAll(Path.Combine(dir, "examples.parquet"));
        var steps = ParquetTable<StepRow>.ReadAll(Path.Combine(dir, "steps.parquet"));
        Assert.Contains(examples, e => e.Status == ExampleStatus.Diverged);
        Assert.All(steps, s => Assert.True(double.IsFinite(s.Bits) && double.IsFinite(s.Drift) && double.IsFinite(s.Exposure)));
        Assert.Equal("finished_with_divergence", Assert.Single(ParquetTable<RunRow>.ReadAll(Path.Combine(dir, "runs.parquet"))).Status);
    }

    [Fact]
    public void A_folder_of_another_configuration_is_refused()
    {
        var dir = Path.Combine(_root, "other");
        RunFolder.Open(dir, Tiny());
        var e = Assert.Throws<Core.Errors.InputException>(() => RunFolder.Open(dir, Tiny("seed=2")));
        Assert.Equal("configuration", e.Error.Field);
        Assert.Contains(ConfigJson.Hash(Tiny("seed=2"))[..12], e.Error.Expected, StringComparison.Ordinal);
    }
}
