namespace Unlearning.Core.Experiment;

/// <summary>
/// The named starting points of a configuration. Their wall-clock budgets on the 2-core development
/// machine (docs/cli.md has the measured times): quick ≤ 3 minutes end to end, standard ≤ 45 minutes
/// (a few-million-parameter model, ≥ 32 ID and ≥ 32 OOD forget examples), paper: larger, hours.
/// </summary>
public static class Presets
{
    public const string Quick = "quick";
    public const string Standard = "standard";
    public const string Paper = "paper";

    public const string Default = Quick;

    public static IReadOnlyList<string> Names { get; } = [Quick, Standard, Paper];

    public static ExperimentConfig? Find(string name) => name switch
    {
        Quick => QuickConfig(),
        Standard => StandardConfig(),
        Paper => PaperConfig(),
        _ => null,
    };

    /// <summary>
    /// Small but meaningful: a tiny GPT-2 trained for 12.5 epochs on 512 ID examples, 10 ID and 9 OOD forget
    /// examples, short ascent runs. Every source gets the same repeat levels (1 and 4, in turn), so ID and OOD
    /// differ in distribution, not in how often θ0 saw them; K = 3 reference models (a few seconds each).
    /// </summary>
    public static ExperimentConfig QuickConfig() => new()
    {
        Preset = Quick,
        Seed = 1,
        Threads = 2,
        Data = new DataConfig
        {
            ExampleTokens = 32,
            VocabSize = 512,
            TrainExamples = 512,
            RepeatLevels = new RepeatLevels([1, 4]),
            Brown = new SourceConfig(Forget: 10, Repeats: 4, Population: 64, Validation: 32),
            Code = new SourceConfig(Forget: 3, Repeats: 4, Population: 64, Validation: 16),
            Spam = new SourceConfig(Forget: 3, Repeats: 4, Population: 64, Validation: 16),
            Canary = new SourceConfig(Forget: 3, Repeats: 4, Population: 64, Validation: 16),
        },
        Model = new ModelConfig { NLayer = 2, NEmbd = 64, NHead = 2, NPositions = 32, Init = null },
        Training = new TrainingConfig
        {
            Steps = 400,
            BatchSize = 16,
            LearningRate = 3e-3,
            Schedule = "cosine",
            WarmupSteps = 20,
            MinLrRatio = 0.1,
            WeightDecay = 0.0,
            GradClip = 1.0,
            Beta1 = 0.9,
            Beta2 = 0.95,
            Epsilon = 1e-8,
        },
        Reference = new ReferenceConfig { Seeds = 3 },
        Unlearning = new UnlearningConfig
        {
            Method = "gradient_ascent",
            Optimizer = "sgd",
            LearningRate = 0.03,
            GradClip = 1.0,
            MaxSteps = 50,
            DenseSteps = 10,
            EvalEvery = 5,
            EarlyStop = true,
            StopMargin = 5,
            Target = "single",
            TargetSize = 1,
            Beta1 = 0.9,
            Beta2 = 0.999,
            Epsilon = 1e-8,
        },
        Metrics = new MetricsConfig { QualityExposure = "rank", Tau = 0.5, Delta = 0.0 },
        Evaluation = new EvaluationConfig { BatchSize = 64 },
    };

    /// <summary>
    /// A few-million-parameter GPT-2 (4 layers, width 256, 4.2 M parameters), 32 ID and 33 OOD forget
    /// examples over the repeat levels 1, 4 and 16 (the same for every source), trained 6 epochs on 4,000 ID
    /// examples; K = 3 reference models. Sized for 45 minutes on 2 cores: 4 × 1,500 training steps of about
    /// 0.3 s, and per unlearning target at most 19 evaluations of 1 + 128 + 80 sequences (docs/cli.md has the
    /// estimate and what it rests on).
    /// </summary>
    public static ExperimentConfig StandardConfig()
    {
        var q = QuickConfig();
        return q with
        {
            Preset = Standard,
            Data = new DataConfig
            {
                ExampleTokens = 64,
                VocabSize = 4096,
                TrainExamples = 4000,
                RepeatLevels = new RepeatLevels([1, 4, 16]),
                Brown = new SourceConfig(Forget: 32, Repeats: 4, Population: 128, Validation: 32),
                Code = new SourceConfig(Forget: 11, Repeats: 4, Population: 128, Validation: 16),
                Spam = new SourceConfig(Forget: 11, Repeats: 4, Population: 128, Validation: 16),
                Canary = new SourceConfig(Forget: 11, Repeats: 4, Population: 128, Validation: 16),
            },
            Model = new ModelConfig { NLayer = 4, NEmbd = 256, NHead = 4, NPositions = 64, Init = null },
            Training = q.Training with { Steps = 1500, BatchSize = 16, LearningRate = 1e-3, WarmupSteps = 100 },
            Unlearning = q.Unlearning with { MaxSteps = 100, LearningRate = 0.02, EvalEvery = 10, StopMargin = 10 },
        };
    }

    /// <summary>Closer to the paper's scale: 13.8 M parameters, 64 ID and 66 OOD forget examples over the repeat levels 1, 4 and 16, K = 3 reference models, longer runs (about a day on 2 cores).</summary>
    public static ExperimentConfig PaperConfig()
    {
        var s = StandardConfig();
        return s with
        {
            Preset = Paper,
            Data = s.Data with
            {
                ExampleTokens = 64,
                VocabSize = 8192,
                TrainExamples = 15_000,
                Brown = new SourceConfig(Forget: 64, Repeats: 4, Population: 512, Validation: 256),
                Code = new SourceConfig(Forget: 22, Repeats: 4, Population: 512, Validation: 128),
                Spam = new SourceConfig(Forget: 22, Repeats: 4, Population: 512, Validation: 128),
                Canary = new SourceConfig(Forget: 22, Repeats: 4, Population: 512, Validation: 128),
            },
            Model = new ModelConfig { NLayer = 6, NEmbd = 384, NHead = 6, NPositions = 128, Init = null },
            Training = s.Training with { Steps = 20_000, BatchSize = 32, LearningRate = 6e-4, WarmupSteps = 500 },
            Reference = new ReferenceConfig { Seeds = 3 },
            Unlearning = s.Unlearning with { MaxSteps = 200, StopMargin = 20 },
        };
    }
}
