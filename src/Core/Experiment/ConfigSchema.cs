using System.Globalization;
using Unlearning.Core.Training;

namespace Unlearning.Core.Experiment;

/// <summary>The JSON type of a configuration field, as errors and docs name it.</summary>
public enum FieldKind
{
    Integer,
    Number,
    Boolean,
    Choice,
    OptionalText,
    IntegerList,
}

/// <summary>A list of integers as a configuration value: equal when the elements are, in order.</summary>
public sealed record IntegerList(IReadOnlyList<long> Values)
{
    public bool Equals(IntegerList? other) => other is not null && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => Values.Aggregate(17, (h, v) => (h * 31) + v.GetHashCode());

    public override string ToString() => "[" + string.Join(", ", Values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";
}

/// <summary>
/// One configuration field: its dotted key, JSON kind, unit, meaning, the allowed values as a
/// predicate with the words an error shows, and how to read it from and write it into the record.
/// Values travel as <c>long</c> (Integer), <c>double</c> (Number), <c>bool</c>, <c>string</c> (Choice)
/// <c>string?</c> (OptionalText) and <see cref="IntegerList"/> (IntegerList).
/// </summary>
public sealed record ConfigField(
    string Key,
    FieldKind Kind,
    string Unit,
    string Description,
    string Expected,
    IReadOnlyList<string> Choices,
    Func<object?, bool> Allows,
    Func<ExperimentConfig, object?> Get,
    Func<ExperimentConfig, object?, ExperimentConfig> Set)
{
    public string Format(ExperimentConfig config) => FormatValue(Get(config));

    public static string FormatValue(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        string s => s,
        IntegerList list => list.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };
}

/// <summary>Every configuration field, in the order docs/configuration.md lists them.</summary>
public static class ConfigSchema
{
    public static IReadOnlyList<ConfigField> Fields { get; } = Build();

    private static readonly Dictionary<string, ConfigField> ByKey =
        Fields.ToDictionary(f => f.Key, StringComparer.Ordinal);

    public static ConfigField? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>True when some field's key starts with <paramref name="prefix"/> + ".": a JSON object is allowed there.</summary>
    public static bool IsSection(string prefix) =>
        Fields.Any(f => f.Key.StartsWith(prefix + ".", StringComparison.Ordinal));

    /// <summary>
    /// The table of docs/configuration.md: every key with its type, unit, value in each preset and
    /// meaning (a test keeps the document and this table equal).
    /// </summary>
    public static string MarkdownTable()
    {
        var presets = Presets.Names.Select(n => (Name: n, Config: Presets.Find(n)!)).ToList();
        var text = new System.Text.StringBuilder();
        text.Append("| key | type | unit | ").Append(string.Join(" | ", presets.Select(p => p.Name))).Append(" | meaning |\n");
        text.Append("| --- | --- | --- | ").Append(string.Join(" | ", presets.Select(_ => "---"))).Append(" | --- |\n");
        foreach (var f in Fields)
        {
            var type = f.Kind switch
            {
                FieldKind.Integer => "integer",
                FieldKind.Number => "number",
                FieldKind.Boolean => "boolean",
                FieldKind.Choice => string.Join(" \\| ", f.Choices),
                FieldKind.IntegerList => "list of integers",
                _ => "string or null",
            };
            text.Append(CultureInfo.InvariantCulture, $"| `{f.Key}` | {type} | {f.Unit} | ")
                .Append(string.Join(" | ", presets.Select(p => $"`{f.Format(p.Config)}`")))
                .Append(CultureInfo.InvariantCulture, $" | {f.Description.Replace("|", "\\|", StringComparison.Ordinal)} Allowed: {f.Expected}. |\n");
        }

        return text.ToString();
    }

    private static List<ConfigField> Build()
    {
        var f = new List<ConfigField>
        {
            Choice("preset", "", "The preset the configuration started from; a file's preset is the base its other keys override.",
                Presets.Names, c => c.Preset, (c, v) => c with { Preset = v }),
            Long("seed", "", "Master seed: data splits, initialisation, batch order and canaries derive from it.",
                0, int.MaxValue, c => c.Seed, (c, v) => c with { Seed = v }),
            Int("threads", "threads", "Threads of the numeric engine. Results are reproducible for a fixed thread count.",
                1, 256, c => c.Threads, (c, v) => c with { Threads = v }),
            Choice("engine", "", "The engine that trains and scores: managed (the project's CPU engine, bit-reproducible) or torch (TorchSharp / LibTorch; docs/engine.md).",
                EngineNames.Engines, c => c.Engine, (c, v) => c with { Engine = v }),
            Choice("device", "", "Where the torch engine computes: cpu, or cuda (docs/gpu.md). The managed engine runs on cpu only.",
                EngineNames.Devices, c => c.Device, (c, v) => c with { Device = v }),
            Choice("precision", "", "Arithmetic of the forward and backward passes: fp32, or bf16 (torch on cuda only; weights and optimizer state stay fp32).",
                EngineNames.Precisions, c => c.Precision, (c, v) => c with { Precision = v }),

            Int("data.example_tokens", "tokens", "L: tokens per example, cut from one document; scored with BOS prepended.",
                2, 4096, c => c.Data.ExampleTokens, (c, v) => c with { Data = c.Data with { ExampleTokens = v } }),
            Int("data.vocab_size", "tokens", "Vocabulary of the byte-level BPE trained on the ID training split (unused with model.init).",
                257, 1 << 20, c => c.Data.VocabSize, (c, v) => c with { Data = c.Data with { VocabSize = v } }),
            Int("data.train_examples", "examples", "|D_train|: ID training examples, F_id included.",
                1, int.MaxValue, c => c.Data.TrainExamples, (c, v) => c with { Data = c.Data with { TrainExamples = v } }),
            IntegerList("data.repeat_levels", "copies",
                "Repeat design: each forget example of every source is assigned one of these levels r in turn (balanced across sources) and appears r times in θ0's training data; "
                + "[] gives every example its source's data.<source>.repeats. At most as many levels as the smallest non-empty forget set.",
                1, MaxRepeats, 16, c => c.Data.RepeatLevels, (c, v) => c with { Data = c.Data with { RepeatLevels = v } }),
        };

        foreach (var source in SourceNames.All)
        {
            var s = source;
            var ood = SourceNames.IsOod(s);
            f.Add(Int($"data.{s}.forget", "examples",
                ood ? $"|F_{s}|: forget candidates of {s}, inserted into θ0's training data." : "|F_id|: forget candidates drawn from D_train.",
                0, int.MaxValue, c => c.Data.Source(s).Forget, (c, v) => c with { Data = c.Data.WithSource(s, c.Data.Source(s) with { Forget = v }) }));
            f.Add(Int($"data.{s}.repeats", "copies",
                ood ? $"r: times each {s} forget example is inserted into θ0's training data (unless data.repeat_levels is set)."
                    : "r for ID: times each F_id example appears in θ0's training data (copies beyond the first are duplicates; unless data.repeat_levels is set).",
                1, MaxRepeats, c => c.Data.Source(s).Repeats, (c, v) => c with { Data = c.Data.WithSource(s, c.Data.Source(s) with { Repeats = v }) }));
            f.Add(Int($"data.{s}.population", "examples",
                $"|P_{s}|: examples of {s} no model trains on; exposure ranks against them.",
                0, int.MaxValue, c => c.Data.Source(s).Population, (c, v) => c with { Data = c.Data.WithSource(s, c.Data.Source(s) with { Population = v }) }));
            f.Add(Int($"data.{s}.validation", "examples",
                $"|V_{s}|: validation examples of {s}, never trained on, for utility.",
                0, int.MaxValue, c => c.Data.Source(s).Validation, (c, v) => c with { Data = c.Data.WithSource(s, c.Data.Source(s) with { Validation = v }) }));
        }

        f.AddRange(
        [
            Int("model.n_layer", "layers", "GPT-2 transformer blocks.",
                1, 96, c => c.Model.NLayer, (c, v) => c with { Model = c.Model with { NLayer = v } }),
            Int("model.n_embd", "", "GPT-2 embedding width; a multiple of model.n_head.",
                1, 16384, c => c.Model.NEmbd, (c, v) => c with { Model = c.Model with { NEmbd = v } }),
            Int("model.n_head", "heads", "GPT-2 attention heads.",
                1, 256, c => c.Model.NHead, (c, v) => c with { Model = c.Model with { NHead = v } }),
            Int("model.n_positions", "tokens", "GPT-2 context length; at least data.example_tokens.",
                1, 1 << 16, c => c.Model.NPositions, (c, v) => c with { Model = c.Model with { NPositions = v } }),
            OptionalText("model.init", "", "A Hugging Face GPT-2 folder (config.json, model.safetensors, vocab.json, merges.txt) to start θ0 and θref from; its vocabulary replaces the trained BPE. null: random initialisation.",
                c => c.Model.Init, (c, v) => c with { Model = c.Model with { Init = v } }),

            Int("training.steps", "steps", "Optimizer steps for θ0 and for each θref (the same number).",
                0, int.MaxValue, c => c.Training.Steps, (c, v) => c with { Training = c.Training with { Steps = v } }),
            Int("training.batch_size", "sequences", "Sequences per training step.",
                1, 1 << 16, c => c.Training.BatchSize, (c, v) => c with { Training = c.Training with { BatchSize = v } }),
            Number("training.learning_rate", "", "AdamW peak learning rate.",
                0, 10, false, c => c.Training.LearningRate, (c, v) => c with { Training = c.Training with { LearningRate = v } }),
            Choice("training.schedule", "", "Learning-rate schedule: constant, or cosine (linear warmup, then cosine decay to min_lr_ratio·lr).",
                ["constant", "cosine"], c => c.Training.Schedule, (c, v) => c with { Training = c.Training with { Schedule = v } }),
            Int("training.warmup_steps", "steps", "Linear warmup steps (cosine schedule).",
                0, int.MaxValue, c => c.Training.WarmupSteps, (c, v) => c with { Training = c.Training with { WarmupSteps = v } }),
            Number("training.min_lr_ratio", "", "Final learning rate as a fraction of the peak (cosine schedule).",
                0, 1, true, c => c.Training.MinLrRatio, (c, v) => c with { Training = c.Training with { MinLrRatio = v } }),
            Number("training.weight_decay", "", "AdamW decoupled weight decay.",
                0, 1, true, c => c.Training.WeightDecay, (c, v) => c with { Training = c.Training with { WeightDecay = v } }),
            Number("training.grad_clip", "", "Global gradient-norm clip; 0 disables it.",
                0, 1e6, true, c => c.Training.GradClip, (c, v) => c with { Training = c.Training with { GradClip = v } }),
            Number("training.beta1", "", "AdamW β1.",
                0, 1, true, c => c.Training.Beta1, (c, v) => c with { Training = c.Training with { Beta1 = v } }),
            Number("training.beta2", "", "AdamW β2.",
                0, 1, true, c => c.Training.Beta2, (c, v) => c with { Training = c.Training with { Beta2 = v } }),
            Number("training.epsilon", "", "AdamW ε.",
                0, 1, false, c => c.Training.Epsilon, (c, v) => c with { Training = c.Training with { Epsilon = v } }),

            Int("reference.seeds", "models", "K: reference models θref (seeds seed, seed+1, …); Eref is the mean of their exposures and exposure_ref_sd their spread, the noise floor Δ0 is read against. K ≥ 3 for verdicts.",
                1, 64, c => c.Reference.Seeds, (c, v) => c with { Reference = c.Reference with { Seeds = v } }),

            Choice("unlearning.method", "", "Unlearning method: gradient_ascent (SPEC §8).",
                ["gradient_ascent"], c => c.Unlearning.Method, (c, v) => c with { Unlearning = c.Unlearning with { Method = v } }),
            Choice("unlearning.optimizer", "", "Update rule of the ascent: sgd or adam.",
                ["sgd", "adam"], c => c.Unlearning.Optimizer, (c, v) => c with { Unlearning = c.Unlearning with { Optimizer = v } }),
            Number("unlearning.learning_rate", "", "η of the ascent.",
                0, 100, false, c => c.Unlearning.LearningRate, (c, v) => c with { Unlearning = c.Unlearning with { LearningRate = v } }),
            Number("unlearning.grad_clip", "", "Global gradient-norm clip of the ascent; 0 disables it.",
                0, 1e6, true, c => c.Unlearning.GradClip, (c, v) => c with { Unlearning = c.Unlearning with { GradClip = v } }),
            Int("unlearning.max_steps", "steps", "T_max: the step budget; t* not reached by then is censored.",
                1, 1_000_000, c => c.Unlearning.MaxSteps, (c, v) => c with { Unlearning = c.Unlearning with { MaxSteps = v } }),
            Int("unlearning.dense_steps", "steps", "Every step from 0 to dense_steps is evaluated.",
                0, 1_000_000, c => c.Unlearning.DenseSteps, (c, v) => c with { Unlearning = c.Unlearning with { DenseSteps = v } }),
            Int("unlearning.eval_every", "steps", "After dense_steps, every eval_every-th step is evaluated; T_max always is.",
                1, 1_000_000, c => c.Unlearning.EvalEvery, (c, v) => c with { Unlearning = c.Unlearning with { EvalEvery = v } }),
            Boolean("unlearning.early_stop", "Stop a run once t* is reached and stop_margin more steps were evaluated.",
                c => c.Unlearning.EarlyStop, (c, v) => c with { Unlearning = c.Unlearning with { EarlyStop = v } }),
            Int("unlearning.stop_margin", "steps", "Steps past t* still run and evaluated before an early stop.",
                0, 1_000_000, c => c.Unlearning.StopMargin, (c, v) => c with { Unlearning = c.Unlearning with { StopMargin = v } }),
            Choice("unlearning.target", "", "single: each run ascends on one forget example; batch: on target_size examples of one source at once.",
                ["single", "batch"], c => c.Unlearning.Target, (c, v) => c with { Unlearning = c.Unlearning with { Target = v } }),
            Int("unlearning.target_size", "examples", "k when unlearning.target = batch.",
                1, 1 << 16, c => c.Unlearning.TargetSize, (c, v) => c with { Unlearning = c.Unlearning with { TargetSize = v } }),
            Number("unlearning.beta1", "", "Adam β1 (optimizer = adam).",
                0, 1, true, c => c.Unlearning.Beta1, (c, v) => c with { Unlearning = c.Unlearning with { Beta1 = v } }),
            Number("unlearning.beta2", "", "Adam β2 (optimizer = adam).",
                0, 1, true, c => c.Unlearning.Beta2, (c, v) => c with { Unlearning = c.Unlearning with { Beta2 = v } }),
            Number("unlearning.epsilon", "", "Adam ε (optimizer = adam).",
                0, 1, false, c => c.Unlearning.Epsilon, (c, v) => c with { Unlearning = c.Unlearning with { Epsilon = v } }),

            Choice("metrics.quality_exposure", "", "The exposure that drives quality, t* and overshoot: rank or extrapolated. Both are always reported.",
                ["rank", "extrapolated"], c => c.Metrics.QualityExposure, (c, v) => c with { Metrics = c.Metrics with { QualityExposure = v } }),
            Number("metrics.tau", "bits", "τ: an example with Δ0 = E0 − Eref ≤ τ is not memorized (quality null).",
                0, 1e6, true, c => c.Metrics.Tau, (c, v) => c with { Metrics = c.Metrics with { Tau = v } }),
            Number("metrics.delta", "bits", "δ: t* = min{t : E_t ≤ E_ref + δ}.",
                0, 1e6, true, c => c.Metrics.Delta, (c, v) => c with { Metrics = c.Metrics with { Delta = v } }),

            Int("evaluation.batch_size", "sequences", "Sequences per forward pass when scoring populations, forget and validation sets.",
                1, 1 << 16, c => c.Evaluation.BatchSize, (c, v) => c with { Evaluation = c.Evaluation with { BatchSize = v } }),
        ]);
        return f;
    }

    /// <summary>The largest repeat count a source or a repeat level may ask for.</summary>
    public const int MaxRepeats = 100_000;

    private static string Range(long min, long max) =>
        max >= int.MaxValue ? $"an integer ≥ {min}" : min == max ? $"the integer {min}" : $"an integer in [{min}, {max}]";

    private static ConfigField Int(
        string key, string unit, string description, int min, int max,
        Func<ExperimentConfig, int> get, Func<ExperimentConfig, int, ExperimentConfig> set) =>
        new(key, FieldKind.Integer, unit, description, Range(min, max), [],
            v => v is long l && l >= min && l <= max,
            c => (long)get(c),
            (c, v) => set(c, checked((int)(long)v!)));

    private static ConfigField Long(
        string key, string unit, string description, long min, long max,
        Func<ExperimentConfig, long> get, Func<ExperimentConfig, long, ExperimentConfig> set) =>
        new(key, FieldKind.Integer, unit, description, Range(min, max), [],
            v => v is long l && l >= min && l <= max,
            c => get(c),
            (c, v) => set(c, (long)v!));

    private static ConfigField Number(
        string key, string unit, string description, double min, double max, bool minIncluded,
        Func<ExperimentConfig, double> get, Func<ExperimentConfig, double, ExperimentConfig> set) =>
        new(key, FieldKind.Number, unit, description,
            $"a number in {(minIncluded ? "[" : "(")}{ConfigField.FormatValue(min)}, {ConfigField.FormatValue(max)}]", [],
            v => v is double d && double.IsFinite(d) && (minIncluded ? d >= min : d > min) && d <= max,
            c => get(c),
            (c, v) => set(c, (double)v!));

    private static ConfigField Boolean(
        string key, string description,
        Func<ExperimentConfig, bool> get, Func<ExperimentConfig, bool, ExperimentConfig> set) =>
        new(key, FieldKind.Boolean, "", description, "true or false", [],
            v => v is bool,
            c => get(c),
            (c, v) => set(c, (bool)v!));

    private static ConfigField Choice(
        string key, string unit, string description, IReadOnlyList<string> choices,
        Func<ExperimentConfig, string> get, Func<ExperimentConfig, string, ExperimentConfig> set) =>
        new(key, FieldKind.Choice, unit, description, "one of " + string.Join(", ", choices.Select(x => $"\"{x}\"")), choices,
            v => v is string s && choices.Contains(s, StringComparer.Ordinal),
            c => get(c),
            (c, v) => set(c, (string)v!));

    private static ConfigField IntegerList(
        string key, string unit, string description, int min, int max, int maxCount,
        Func<ExperimentConfig, RepeatLevels> get, Func<ExperimentConfig, RepeatLevels, ExperimentConfig> set) =>
        new(key, FieldKind.IntegerList, unit, description, $"a list of at most {maxCount} distinct integers in [{min}, {max}]", [],
            v => v is Experiment.IntegerList l && l.Values.Count <= maxCount && l.Values.All(x => x >= min && x <= max) && l.Values.Distinct().Count() == l.Values.Count,
            c => new Experiment.IntegerList([.. get(c).Values.Select(x => (long)x)]),
            (c, v) => set(c, new RepeatLevels([.. ((Experiment.IntegerList)v!).Values.Select(x => checked((int)x))])));

    private static ConfigField OptionalText(
        string key, string unit, string description,
        Func<ExperimentConfig, string?> get, Func<ExperimentConfig, string?, ExperimentConfig> set) =>
        new(key, FieldKind.OptionalText, unit, description, "a string or null", [],
            v => v is null || (v is string s && s.Length > 0),
            c => get(c),
            (c, v) => set(c, (string?)v));
}
