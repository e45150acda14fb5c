using LanguageExt;
using Unlearning.Core.Errors;
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

    /// <summary>
    /// The state fits a trainer of <paramref name="config"/> with <paramref name="optimizer"/>: as many
    /// moment sets as the optimizer keeps, and weights and moments of that configuration.
    /// </summary>
    public Either<InputError, Unit> Fits(Gpt2Config config, Optimizer optimizer)
    {
        int want = optimizer.Moments;
        int have = (Moment1 is null ? 0 : 1) + (Moment2 is null ? 0 : 1);
        if (have != want)
        {
            return new InputError("training state", "optimizer moments", $"{want} moment set(s) for {optimizer.GetType().Name}", $"{have}");
        }

        return OfConfig(Weights, config, "training state weights")
            .Bind(_ => Moment1 is null ? Unit.Default : OfConfig(Moment1, config, "training state moment 1"))
            .Bind(_ => Moment2 is null ? Unit.Default : OfConfig(Moment2, config, "training state moment 2"));
    }

    /// <summary>Weights of <paramref name="config"/>, else an error naming <paramref name="where"/>.</summary>
    public static Either<InputError, Unit> OfConfig(Gpt2Weights w, Gpt2Config config, string where) =>
        w.Config == config
            ? Unit.Default
            : new InputError(where, "configuration", config.ToString(), w.Config.ToString());
}

/// <summary>What one step produced: the new state, the objective's value J before the step (the mean
/// token NLL in nats for training), the global gradient norm before clipping and the learning rate used.</summary>
public sealed record StepResult(TrainState State, double Loss, double GradNorm, double LearningRate);
