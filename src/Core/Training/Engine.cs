using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;

namespace Unlearning.Core.Training;

/// <summary>The names of engines, devices and precisions (SPEC §11), as configuration and runs.parquet spell them.</summary>
public static class EngineNames
{
    public const string Managed = "managed";
    public const string Torch = "torch";
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";
    public const string Fp32 = "fp32";
    public const string Bf16 = "bf16";

    public static IReadOnlyList<string> Engines { get; } = [Managed, Torch];

    public static IReadOnlyList<string> Devices { get; } = [Cpu, Cuda];

    public static IReadOnlyList<string> Precisions { get; } = [Fp32, Bf16];
}

/// <summary>Which engine computes, where and in what arithmetic; <paramref name="Library"/> names its numeric library and version.</summary>
public sealed record EngineInfo(string Name, string Device, string Precision, string Library);

/// <summary>
/// What the experiment needs from an engine (SPEC §11): a training step on a batch with a given
/// loss sign and optimizer, an evaluation pass with the per-token figures the metrics read, and
/// weights in and out as <see cref="Gpt2Weights"/> (HF names and layouts). The stages and every
/// table are the same whichever engine runs them; an engine knows nothing of exposure or forgetting.
/// </summary>
public interface IEngine
{
    EngineInfo Info { get; }

    /// <summary>A trainer for this model and these settings, after checking both.</summary>
    Either<InputError, ITrainer> Trainer(Gpt2Config config, TrainSettings settings);

    /// <summary>An evaluator that scores sequences in batches of <paramref name="batchSize"/>.</summary>
    Either<InputError, IEvaluator> Evaluator(Gpt2Config config, int batchSize);
}

/// <summary>
/// The training step as a transition <c>TrainState → TrainState</c> (see <see cref="Training.Trainer"/>
/// for the loss, clipping and update every engine computes). The input state is never modified.
/// </summary>
public interface ITrainer
{
    Gpt2Config Config { get; }

    TrainSettings Settings { get; }

    /// <summary>One step. Errors (bad tokens, lengths, a state of another configuration) come before any work.</summary>
    Either<InputError, StepResult> Step(TrainState state, IReadOnlyList<int[]> sequences);

    /// <summary>Mean token NLL (nats) and its gradient times LossSign at <paramref name="weights"/>; the gradient is valid until the next call.</summary>
    Either<InputError, (double Loss, Gpt2Weights Gradient)> LossAndGradient(Gpt2Weights weights, IReadOnlyList<int[]> sequences);

    /// <summary>Hands back the buffers of a state no one holds any more (neither it nor its weights or moments).</summary>
    void Recycle(TrainState dropped);
}

/// <summary>The batched evaluation pass without gradients (see <see cref="Training.Evaluator"/>).</summary>
public interface IEvaluator
{
    Gpt2Config Config { get; }

    int BatchSize { get; }

    /// <summary>
    /// Scores every sequence (one length L ≤ n_positions, ids &lt; vocab_size; checked before any work).
    /// <paramref name="withDistributionStats"/>: false leaves top-1, μ and σ at false and 0.
    /// </summary>
    Either<InputError, IReadOnlyList<SequenceScore>> Evaluate(Gpt2Weights weights, IReadOnlyList<int[]> sequences, bool withDistributionStats = true);
}

/// <summary>The project's own CPU engine (src/Tensors): exact hand-written gradients, bit-identical results for a seed and thread count.</summary>
public sealed class ManagedEngine(int threads) : IEngine
{
    public EngineInfo Info { get; } = new(EngineNames.Managed, EngineNames.Cpu, EngineNames.Fp32, "Unlearning.Tensors");

    public int Threads => threads;

    public Either<InputError, ITrainer> Trainer(Gpt2Config config, TrainSettings settings) =>
        Training.Trainer.Create(config, settings, threads).Map(t => (ITrainer)t);

    public Either<InputError, IEvaluator> Evaluator(Gpt2Config config, int batchSize) =>
        Training.Evaluator.Create(config, batchSize, threads).Map(e => (IEvaluator)e);
}
