using Unlearning.Core.Model;

namespace Unlearning.Core.Training;

/// <summary>
/// The state a training step transforms: weights, optimizer moments (null when the optimizer keeps
/// none; Moment1 is SGD's momentum buffer or Adam's m, Moment2 Adam's v) and the number of steps taken.
/// </summary>
public sealed record TrainState(Gpt2Weights Weights, Gpt2Weights? Moment1, Gpt2Weights? Moment2, long Step)
{
    /// <summary>Step 0 for these weights: zero moments of the kinds the optimizer needs.</summary>
    public static TrainState Start(Gpt2Weights weights, Optimizer optimizer) =>
        new(
            weights,
            optimizer.Moments >= 1 ? weights.ZerosLike() : null,
            optimizer.Moments >= 2 ? weights.ZerosLike() : null,
            0);
}

/// <summary>What one step produced: the new state, the objective's value J before the step (the mean
/// token NLL in nats for training), the global gradient norm before clipping and the learning rate used.</summary>
public sealed record StepResult(TrainState State, double Loss, double GradNorm, double LearningRate);
