using LanguageExt;
using TorchSharp;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Unlearning.Torch;

/// <summary>
/// The training step of <see cref="Trainer"/> on LibTorch: the settings' objective J (SPEC §8) written in
/// LibTorch ops from the same per-token log-probabilities, its gradient by autograd into one flat vector
/// (the managed engine seeds its backward pass with ∂J/∂ℓ_r instead; the parity tests hold the two together); global norm; PyTorch's clipping
/// (scale max/(‖g‖ + 1e-6) when below 1); AdamW or SGD as src/Tensors/Kernels/Optimizers.cs writes
/// them, as a few element-wise kernels over the flat vectors. New states live on the device
/// (<see cref="Gpt2Weights.Deferred"/>): their arrays are copied back only when someone reads them.
/// </summary>
internal sealed class TorchTrainer(TorchEngine engine, Gpt2Config config, TrainSettings settings) : ITrainer
{
    private readonly FlatLayout _layout = new(config);
    private Tensor? _decayMask;
    private (Gpt2Weights Weights, Tensor Flat)? _reference;

    public Gpt2Config Config { get; } = config;

    public TrainSettings Settings { get; } = settings;

    public Either<InputError, StepResult> Step(TrainState state, ObjectiveBatch batch) =>
        state.Fits(Config, Settings.Optimizer).Bind(_ => batch.Tokens(Config, Settings.Objective)).Map(tokens => Step(state, batch, tokens));

    public Either<InputError, (double Loss, Gpt2Weights Gradient)> LossAndGradient(Gpt2Weights weights, ObjectiveBatch batch) =>
        TrainState.OfConfig(weights, Config, "weights").Bind(_ => batch.Tokens(Config, Settings.Objective)).Map(tokens =>
        {
            using var scope = NewDisposeScope();
            var (theta, _) = ResidentFlat.Of(engine, _layout, weights);
            var (loss, grad) = Gradient(theta, batch, tokens);
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

    private StepResult Step(TrainState state, ObjectiveBatch batch, TokenBatch tokens)
    {
        using var scope = NewDisposeScope();
        var (theta, _) = ResidentFlat.Of(engine, _layout, state.Weights);
        var (loss, grad) = Gradient(theta, batch, tokens);
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

    /// <summary>
    /// Forward and backward at θ: J and ∂J/∂θ as a flat vector (in the current dispose scope). The forget rows
    /// come first in <paramref name="tokens"/>, then the retain rows; logπθ(x) sums a forget sequence's rows.
    /// </summary>
    private (double Loss, Tensor Gradient) Gradient(Tensor theta, ObjectiveBatch batch, TokenBatch tokens)
    {
        var objective = Settings.Objective;
        var device = engine.Device;
        var leaf = theta.detach().requires_grad_(true);
        var inputs = Gpt2Torch.Tokens(tokens.Inputs, tokens.Batch, tokens.Length, device);
        var targets = Gpt2Torch.Tokens(tokens.Targets, tokens.Batch, tokens.Length, device);
        var logits = Gpt2Torch.Logits(_layout, leaf, inputs, engine.ComputeType);
        var logProbs = logits.to(ScalarType.Float32).log_softmax(1);
        var tokenLogProbs = Gpt2Torch.TargetLogProbs(logProbs, targets);
        long length = tokens.Length;
        long forgetRows = batch.Forget.Count * length;
        var forget = tokenLogProbs.narrow(0, 0, forgetRows).view(batch.Forget.Count, length);
        var logPi = forget.sum(1);
        var loss = objective switch
        {
            Objective.Descent => -forget.mean(),
            Objective.GradientAscent or Objective.GradDiff or Objective.Kl => forget.mean(),
            Objective.Npo n => F.softplus(n.Beta * (logPi - ReferenceLogProbs(batch, device))).mean() * (2 / n.Beta),
            Objective.SimNpo m => F.logsigmoid((logPi * (-m.Beta / length)) - m.Gamma).mean() * (-2 / m.Beta),
            _ => throw new NotSupportedException($"objective {objective}"),
        };
        if (objective.UsesRetain)
        {
            long retainRows = tokens.Inputs.Length - forgetRows;
            if (objective.RetainIsKl)
            {
                // KL(π0 ‖ πθ) per retain position, mean over positions; π0 from θ0 without gradient.
                Tensor logQ;
                using (no_grad())
                {
                    var retainInputs = inputs.narrow(0, batch.Forget.Count, batch.Retain.Count);
                    logQ = Gpt2Torch.Logits(_layout, Reference(batch.Reference!), retainInputs, engine.ComputeType).to(ScalarType.Float32).log_softmax(1);
                }

                var kl = (logQ.exp() * (logQ - logProbs.narrow(0, forgetRows, retainRows))).sum(1).mean();
                loss = loss + (kl * objective.RetainWeight);
            }
            else
            {
                loss = loss - (tokenLogProbs.narrow(0, forgetRows, retainRows).mean() * objective.RetainWeight);
            }
        }

        loss.backward();
        return (loss.to(ScalarType.Float64).item<double>(), leaf.grad!);
    }

    private static Tensor ReferenceLogProbs(ObjectiveBatch batch, Device device)
    {
        using var host = tensor(batch.ReferenceLogProbs.Select(x => (float)x).ToArray());
        return host.to(device, copy: true);
    }

    /// <summary>θ0 as the engine's flat vector: its resident copy, or one upload kept while the same weights come back.</summary>
    private Tensor Reference(Gpt2Weights weights)
    {
        if (weights.Resident is ResidentFlat r && ReferenceEquals(r.Owner, engine) && !r.Flat.IsInvalid)
        {
            return r.Flat;
        }

        if (_reference is not { } cached || !ReferenceEquals(cached.Weights, weights))
        {
            _reference?.Flat.Dispose();
            _reference = (weights, _layout.Upload(weights, engine.Device).DetachFromDisposeScope());
        }

        return _reference.Value.Flat;
    }

    private Tensor DecayMask() => _decayMask ??= _layout.DecayMask(engine.Device).DetachFromDisposeScope();
}
