using LanguageExt;
using TorchSharp;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Torch;

/// <summary>
/// The training step of <see cref="Trainer"/> on LibTorch: loss L = mean over the B·L tokens of
/// −ln p; gradient of LossSign·L by autograd into one flat vector; global norm; PyTorch's clipping
/// (scale max/(‖g‖ + 1e-6) when below 1); AdamW or SGD as src/Tensors/Kernels/Optimizers.cs writes
/// them, as a few element-wise kernels over the flat vectors. New states live on the device
/// (<see cref="Gpt2Weights.Deferred"/>): their arrays are copied back only when someone reads them.
/// </summary>
internal sealed class TorchTrainer(TorchEngine engine, Gpt2Config config, TrainSettings settings) : ITrainer
{
    private readonly FlatLayout _layout = new(config);
    private Tensor? _decayMask;

    public Gpt2Config Config { get; } = config;

    public TrainSettings Settings { get; } = settings;

    public Either<InputError, StepResult> Step(TrainState state, IReadOnlyList<int[]> sequences) =>
        Check(state).Bind(_ => TokenBatch.From(Config, sequences)).Map(batch => Step(state, batch));

    public Either<InputError, (double Loss, Gpt2Weights Gradient)> LossAndGradient(Gpt2Weights weights, IReadOnlyList<int[]> sequences) =>
        CheckWeights(weights, "weights").Bind(_ => TokenBatch.From(Config, sequences)).Map(batch =>
        {
            using var scope = NewDisposeScope();
            var (theta, _) = ResidentFlat.Of(engine, _layout, weights);
            var (loss, grad) = Gradient(theta, batch);
            return (loss, Gpt2Weights.FromArrays(Config, Specs(_layout.Download(grad))).IfLeft(e => throw e.ToException()));
        });

    public void Recycle(TrainState dropped)
    {
        foreach (var w in new[] { dropped.Weights, dropped.Moment1, dropped.Moment2 })
        {
            if (w?.Resident is ResidentFlat r && ReferenceEquals(r.Owner, engine))
            {
                r.Flat.Dispose();
            }
        }
    }

    private Dictionary<string, float[]> Specs(IReadOnlyList<float[]> arrays) =>
        _layout.Specs.Select((s, i) => (s.Name, arrays[i])).ToDictionary(p => p.Name, p => p.Item2, StringComparer.Ordinal);

    private StepResult Step(TrainState state, TokenBatch batch)
    {
        using var scope = NewDisposeScope();
        var (theta, _) = ResidentFlat.Of(engine, _layout, state.Weights);
        var (loss, grad) = Gradient(theta, batch);
        double norm = grad.norm().to(ScalarType.Float64).item<double>();
        double clip = Settings.ClipNorm is double max && norm > 0 ? Math.Min(1.0, max / (norm + 1e-6)) : 1.0;
        double lr = Settings.Schedule.At(state.Step);
        int t = checked((int)(state.Step + 1));
        Tensor next;
        Tensor? m1 = null;
        Tensor? m2 = null;
        using (no_grad())
        {
            var g = clip == 1.0 ? grad : grad * clip;
            switch (Settings.Optimizer)
            {
                case Optimizer.AdamW a:
                {
                    var (m, _) = ResidentFlat.Of(engine, _layout, state.Moment1!);
                    var (v, _) = ResidentFlat.Of(engine, _layout, state.Moment2!);
                    // m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ(1 − lr·wd·mask) − (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + ε).
                    m1 = (m * a.Beta1).add_(g, alpha: 1 - a.Beta1);
                    m2 = (v * a.Beta2).addcmul_(g, g, value: 1 - a.Beta2);
                    double stepSize = lr / (1 - Math.Pow(a.Beta1, t));
                    double invSqrtBc2 = 1 / Math.Sqrt(1 - Math.Pow(a.Beta2, t));
                    var denom = (m2.sqrt() * invSqrtBc2).add_(a.Eps);
                    next = a.WeightDecay == 0 ? theta.clone() : theta.addcmul(DecayMask(), theta, value: -lr * a.WeightDecay);
                    next.addcdiv_(m1, denom, value: -stepSize);
                    break;
                }

                case Optimizer.Sgd s:
                {
                    // b ← μ·b + g; θ ← θ − lr·b.
                    var step = g;
                    if (state.Moment1 is not null)
                    {
                        var (b, _) = ResidentFlat.Of(engine, _layout, state.Moment1);
                        m1 = (b * s.Momentum).add_(g);
                        step = m1;
                    }

                    next = theta.add(step, alpha: -lr);
                    break;
                }

                default:
                    throw new NotSupportedException($"optimizer {Settings.Optimizer}");
            }
        }

        var weights = ResidentFlat.Wrap(engine, _layout, next.DetachFromDisposeScope());
        var moment1 = m1 is null ? null : ResidentFlat.Wrap(engine, _layout, m1.DetachFromDisposeScope());
        var moment2 = m2 is null ? null : ResidentFlat.Wrap(engine, _layout, m2.DetachFromDisposeScope());
        return new StepResult(new TrainState(weights, moment1, moment2, state.Step + 1), loss, norm, lr);
    }

    /// <summary>Forward and backward at θ: the mean token NLL (nats) and ∂(LossSign·NLL)/∂θ as a flat vector (in the current dispose scope).</summary>
    private (double Loss, Tensor Gradient) Gradient(Tensor theta, TokenBatch batch)
    {
        var device = engine.Device;
        var leaf = theta.detach().requires_grad_(true);
        var inputs = Gpt2Torch.Tokens(batch.Inputs, batch.Batch, batch.Length, device);
        var targets = Gpt2Torch.Tokens(batch.Targets, batch.Batch, batch.Length, device);
        var logits = Gpt2Torch.Logits(_layout, leaf, inputs, engine.ComputeType);
        var logProbs = logits.to(ScalarType.Float32).log_softmax(1);
        var loss = -Gpt2Torch.TargetLogProbs(logProbs, targets).mean();
        (loss * Settings.LossSign).backward();
        return (loss.to(ScalarType.Float64).item<double>(), leaf.grad!);
    }

    private Tensor DecayMask() => _decayMask ??= _layout.DecayMask(engine.Device).DetachFromDisposeScope();

    private Either<InputError, Unit> Check(TrainState state)
    {
        int want = Settings.Optimizer.Moments;
        int have = (state.Moment1 is null ? 0 : 1) + (state.Moment2 is null ? 0 : 1);
        if (have != want)
        {
            return new InputError("training state", "optimizer moments", $"{want} moment set(s) for {Settings.Optimizer.GetType().Name}", $"{have}");
        }

        return CheckWeights(state.Weights, "training state weights")
            .Bind(_ => state.Moment1 is null ? Unit.Default : CheckWeights(state.Moment1, "training state moment 1"))
            .Bind(_ => state.Moment2 is null ? Unit.Default : CheckWeights(state.Moment2, "training state moment 2"));
    }

    private Either<InputError, Unit> CheckWeights(Gpt2Weights w, string where) =>
        w.Config == Config
            ? Unit.Default
            : new InputError(where, "configuration", Config.ToString(), w.Config.ToString());
}
