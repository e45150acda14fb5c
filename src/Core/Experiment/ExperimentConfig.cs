using Unlearning.Core.Training;

namespace Unlearning.Core.Experiment;

// The one configuration record of an experiment (SPEC §1–§8). Every field has a dotted JSON key
// (ConfigSchema lists them with type, unit and meaning; docs/configuration.md is written from it).
// A resolved configuration is immutable; its hash is the SHA-256 of its canonical JSON.

/// <summary>Everything an experiment run depends on. Keys in JSON: see <see cref="ConfigSchema"/>.</summary>
public sealed record ExperimentConfig
{
    /// <summary>The preset this configuration started from (quick, standard, paper).</summary>
    public required string Preset { get; init; }

    /// <summary>The master seed: data splits, initialisation and batch order derive from it.</summary>
    public required long Seed { get; init; }

    /// <summary>Threads for the numeric engine (results may depend on it; see docs/configuration.md).</summary>
    public required int Threads { get; init; }

    /// <summary>The engine that trains and scores (SPEC §11): managed (src/Tensors, the default) or torch (TorchSharp).</summary>
    public string Engine { get; init; } = EngineNames.Managed;

    /// <summary>Where the torch engine computes: cpu or cuda (the managed engine is CPU only).</summary>
    public string Device { get; init; } = EngineNames.Cpu;

    /// <summary>Precision of the forward and backward passes: fp32, or bf16 (torch on cuda; fp32 master weights).</summary>
    public string Precision { get; init; } = EngineNames.Fp32;

    public required DataConfig Data { get; init; }

    public required ModelConfig Model { get; init; }

    public required TrainingConfig Training { get; init; }

    public required ReferenceConfig Reference { get; init; }

    public required UnlearningConfig Unlearning { get; init; }

    public required MetricsConfig Metrics { get; init; }

    public required EvaluationConfig Evaluation { get; init; }
}

/// <summary>Example sets (SPEC §1). Sizes are numbers of examples of <see cref="ExampleTokens"/> tokens.</summary>
public sealed record DataConfig
{
    /// <summary>L: tokens per example; every example is scored with BOS prepended.</summary>
    public required int ExampleTokens { get; init; }

    /// <summary>Vocabulary size of the byte-level BPE trained on the ID training split (ignored with model.init).</summary>
    public required int VocabSize { get; init; }

    /// <summary>|D_train|: ID training examples, F_id included.</summary>
    public required int TrainExamples { get; init; }

    /// <summary>
    /// The repeat design: empty gives every forget example its source's repeats; otherwise each source's
    /// forget examples get these levels in turn (example k of a source gets level k mod m), so every
    /// source holds the levels in the same proportions.
    /// </summary>
    public RepeatLevels RepeatLevels { get; init; } = RepeatLevels.None;

    /// <summary>The ID source (brown). F_id is drawn from D_train; its copies beyond the first are duplicates.</summary>
    public required SourceConfig Brown { get; init; }

    public required SourceConfig Code { get; init; }

    public required SourceConfig Spam { get; init; }

    public required SourceConfig Canary { get; init; }

    /// <summary>The sources in their fixed order: brown (ID) first, then the OOD sources.</summary>
    public IReadOnlyList<(string Name, SourceConfig Source)> Sources() =>
        [(SourceNames.Brown, Brown), (SourceNames.Code, Code), (SourceNames.Spam, Spam), (SourceNames.Canary, Canary)];

    public SourceConfig Source(string name) => name switch
    {
        SourceNames.Brown => Brown,
        SourceNames.Code => Code,
        SourceNames.Spam => Spam,
        SourceNames.Canary => Canary,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a source"),
    };

    public DataConfig WithSource(string name, SourceConfig source) => name switch
    {
        SourceNames.Brown => this with { Brown = source },
        SourceNames.Code => this with { Code = source },
        SourceNames.Spam => this with { Spam = source },
        SourceNames.Canary => this with { Canary = source },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a source"),
    };
}

/// <summary>The levels of a repeat design (data.repeat_levels), compared by value; <see cref="None"/> when empty.</summary>
public sealed record RepeatLevels(IReadOnlyList<int> Values)
{
    public static RepeatLevels None { get; } = new([]);

    public int Count => Values.Count;

    public bool Equals(RepeatLevels? other) => other is not null && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => Values.Aggregate(17, (h, v) => (h * 31) + v);
}

/// <summary>Per source s: |F_s| forget examples, each seen r times by θ0, |P_s| and |V_s|.</summary>
public sealed record SourceConfig(int Forget, int Repeats, int Population, int Validation);

/// <summary>The source names of SPEC §1 (DATA.md gives their packages).</summary>
public static class SourceNames
{
    public const string Brown = "brown";
    public const string Code = "code";
    public const string Spam = "spam";
    public const string Canary = "canary";

    public static readonly IReadOnlyList<string> All = [Brown, Code, Spam, Canary];

    public static bool IsOod(string source) => source != Brown;
}

/// <summary>GPT-2 size (SPEC §2). The vocabulary size comes from the tokenizer.</summary>
public sealed record ModelConfig
{
    public required int NLayer { get; init; }

    public required int NEmbd { get; init; }

    public required int NHead { get; init; }

    /// <summary>Context length; at least data.example_tokens.</summary>
    public required int NPositions { get; init; }

    /// <summary>A Hugging Face GPT-2 folder to start from (its tokenizer replaces the trained BPE), or null.</summary>
    public string? Init { get; init; }
}

/// <summary>Training of θ0 and θref: AdamW with gradient clipping and a learning-rate schedule.</summary>
public sealed record TrainingConfig
{
    public required int Steps { get; init; }

    /// <summary>Sequences per optimizer step.</summary>
    public required int BatchSize { get; init; }

    public required double LearningRate { get; init; }

    /// <summary>constant or cosine (linear warmup, then cosine decay to min_lr_ratio·lr).</summary>
    public required string Schedule { get; init; }

    public required int WarmupSteps { get; init; }

    public required double MinLrRatio { get; init; }

    public required double WeightDecay { get; init; }

    /// <summary>Global gradient-norm clip; 0 disables clipping.</summary>
    public required double GradClip { get; init; }

    public required double Beta1 { get; init; }

    public required double Beta2 { get; init; }

    public required double Epsilon { get; init; }
}

/// <summary>θref: K reference models trained on D_train \ F_id; K &gt; 1 averages their scores.</summary>
public sealed record ReferenceConfig
{
    public required int Seeds { get; init; }
}

/// <summary>Gradient ascent on the forget target (SPEC §8) and its evaluation schedule.</summary>
public sealed record UnlearningConfig
{
    /// <summary>gradient_ascent (the only method for now).</summary>
    public required string Method { get; init; }

    /// <summary>sgd or adam.</summary>
    public required string Optimizer { get; init; }

    public required double LearningRate { get; init; }

    /// <summary>Global gradient-norm clip; 0 disables clipping.</summary>
    public required double GradClip { get; init; }

    /// <summary>T_max: the step budget of one unlearning run.</summary>
    public required int MaxSteps { get; init; }

    /// <summary>Every step 0..dense_steps is evaluated.</summary>
    public required int DenseSteps { get; init; }

    /// <summary>After dense_steps, every eval_every-th step is evaluated (and T_max always).</summary>
    public required int EvalEvery { get; init; }

    /// <summary>Stop once t* is reached and margin steps past it were evaluated.</summary>
    public required bool EarlyStop { get; init; }

    /// <summary>Steps past t* still evaluated before an early stop.</summary>
    public required int StopMargin { get; init; }

    /// <summary>single (one example per run) or batch (k examples of one source per run).</summary>
    public required string Target { get; init; }

    /// <summary>k when target = batch.</summary>
    public required int TargetSize { get; init; }

    /// <summary>Adam's β1, β2, ε (ignored by sgd).</summary>
    public required double Beta1 { get; init; }

    public required double Beta2 { get; init; }

    public required double Epsilon { get; init; }
}

/// <summary>Metric choices of SPEC §4–§5.</summary>
public sealed record MetricsConfig
{
    /// <summary>rank or extrapolated: the exposure that drives quality, t* and overshoot.</summary>
    public required string QualityExposure { get; init; }

    /// <summary>τ: Δ0 ≤ τ means not memorized, bits.</summary>
    public required double Tau { get; init; }

    /// <summary>δ: t* = min{t : E_t ≤ E_ref + δ}, bits.</summary>
    public required double Delta { get; init; }
}

/// <summary>How scoring is batched (no effect on results, only on speed and memory).</summary>
public sealed record EvaluationConfig
{
    /// <summary>Sequences per forward pass when scoring populations and validation sets.</summary>
    public required int BatchSize { get; init; }
}
