using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;
using Unlearning.Tensors.Backends;
using Unlearning.Tensors.Buffers;

namespace Unlearning.Core.Training;

/// <summary>
/// The training step as a transition <c>State → State</c> on a batch (BOS prepended, see
/// <see cref="TokenBatch"/>): the settings' <see cref="Objective"/> J (mean token NLL for training);
/// one forward pass over the forget and retain rows together, the objective's seed ∂J/∂ℓ_r, and the
/// backward pass from it (for kl, first an evaluation pass at θ0 on the retain rows for π0); global norm;
/// clipping; the optimizer update written into new buffers. The input
/// state is never modified. A trainer owns reusable activation buffers and is not thread-safe.
/// With the same start state, batches and thread count, the resulting weights are bit-identical.
/// </summary>
public sealed class Trainer : ITrainer
{
    private readonly Gpt2Network _network;
    private readonly Gpt2Network _reference;
    private readonly Gpt2Weights _grads;
    private readonly Stack<Gpt2Weights> _pool = new();
    private float[] _logProbs = [];

    public Trainer(Gpt2Config config, TrainSettings settings, IBackend backend)
    {
        Config = config;
        Settings = settings;
        _network = new Gpt2Network(config, backend);
        _reference = new Gpt2Network(config, backend);
        _grads = Gpt2Weights.Zeros(config);
    }

    public Trainer(Gpt2Config config, TrainSettings settings, int threads)
        : this(config, settings, new CpuBackend(threads))
    {
    }

    public Gpt2Config Config { get; }

    public TrainSettings Settings { get; }

    /// <summary>A trainer after checking the configuration, the settings and the thread count.</summary>
    public static Either<InputError, Trainer> Create(Gpt2Config config, TrainSettings settings, int threads) =>
        threads < 1
            ? new InputError("training settings", "threads", "an integer ≥ 1", $"{threads}")
            : Gpt2Config.Validate(config).Bind(c => TrainSettings.Validate(settings).Map(s => new Trainer(c, s, threads)));

    public IBackend Backend => _network.Backend;

    /// <summary>One step. Errors (bad tokens, lengths, a state of another configuration) come before any work.</summary>
    public Either<InputError, StepResult> Step(TrainState state, IReadOnlyList<int[]> sequences) =>
        Step(state, ObjectiveBatch.Of(sequences));

    /// <summary>One step of the objective on its batch. Errors (bad tokens, a missing retain batch, ...) come before any work.</summary>
    public Either<InputError, StepResult> Step(TrainState state, ObjectiveBatch batch) =>
        state.Fits(Config, Settings.Optimizer).Bind(_ => batch.Tokens(Config, Settings.Objective)).Map(tokens => Step(state, batch, tokens));

    /// <summary>J (mean token NLL for descent) and ∂J/∂θ at <paramref name="weights"/>; the gradient is the trainer's own buffer, valid until the next call.</summary>
    public Either<InputError, (double Loss, Gpt2Weights Gradient)> LossAndGradient(Gpt2Weights weights, IReadOnlyList<int[]> sequences) =>
        LossAndGradient(weights, ObjectiveBatch.Of(sequences));

    /// <summary>J and ∂J/∂θ of the objective on its batch; the gradient is valid until the next call.</summary>
    public Either<InputError, (double Loss, Gpt2Weights Gradient)> LossAndGradient(Gpt2Weights weights, ObjectiveBatch batch) =>
        TrainState.OfConfig(weights, Config, "weights").Bind(_ => batch.Tokens(Config, Settings.Objective)).Map(tokens => (Gradient(weights, batch, tokens), _grads));

    /// <summary>
    /// Hands back the buffers of a state no one holds any more, for the next steps to reuse: only
    /// when neither the state nor its weights or moments are referenced anywhere else (a θ0 kept
    /// for drift that is also the start state's weights must not be recycled).
    /// </summary>
    public void Recycle(TrainState dropped)
    {
        foreach (var w in new[] { dropped.Weights, dropped.Moment1, dropped.Moment2 })
        {
            if (w is not null && w.Config == Config && _pool.Count < 6)
            {
                _pool.Push(w);
            }
        }
    }

    private StepResult Step(TrainState state, ObjectiveBatch batch, TokenBatch tokens)
    {
        var be = _network.Backend;
        double loss = Gradient(state.Weights, batch, tokens);
        double sumSq = 0;
        for (int i = 0; i < _grads.Count; i++)
        {
            sumSq += be.SumOfSquares(_grads.Tensor(i));
        }

        double norm = Math.Sqrt(sumSq);
        double clip = Settings.ClipNorm is double max && norm > 0 ? Math.Min(1.0, max / (norm + 1e-6)) : 1.0;
        double lr = Settings.Schedule.At(state.Step);
        int t = checked((int)(state.Step + 1));
        var w = Rent();
        Gpt2Weights? m1 = state.Moment1 is null ? null : Rent();
        Gpt2Weights? m2 = state.Moment2 is null ? null : Rent();
        for (int i = 0; i < _grads.Count; i++)
        {
            switch (Settings.Optimizer)
            {
                case Optimizer.AdamW a:
                    float wd = state.Weights.Specs[i].Shape.Length >= 2 ? (float)a.WeightDecay : 0f;
                    be.AdamW(
                        state.Weights.Tensor(i), state.Moment1!.Tensor(i), state.Moment2!.Tensor(i), _grads.Tensor(i),
                        w.Tensor(i), m1!.Tensor(i), m2!.Tensor(i),
                        (float)clip, (float)lr, (float)a.Beta1, (float)a.Beta2, (float)a.Eps, wd, t);
                    break;
                case Optimizer.Sgd s:
                    be.Sgd(state.Weights.Tensor(i), state.Moment1?.Tensor(i), _grads.Tensor(i), w.Tensor(i), m1?.Tensor(i),
                        (float)clip, (float)lr, (float)s.Momentum);
                    break;
                default:
                    throw new NotSupportedException($"optimizer {Settings.Optimizer}");
            }
        }

        return new StepResult(new TrainState(w, m1, m2, state.Step + 1), loss, norm, lr);
    }

    /// <summary>Forward, the objective's seed, backward into _grads; returns J.</summary>
    private double Gradient(Gpt2Weights weights, ObjectiveBatch batch, TokenBatch tokens)
    {
        var objective = Settings.Objective;
        int n = tokens.Inputs.Length;
        int forgetRows = batch.Forget.Count * tokens.Length;
        if (_logProbs.Length != n)
        {
            _logProbs = new float[n];
        }

        _network.Forward(weights, tokens, _logProbs, training: true);
        Tensor? logTargets = null;
        float[] retainLosses = new float[n - forgetRows];
        if (objective.RetainIsKl)
        {
            // π0(·|R): an evaluation pass at θ0 on the retain rows, as log-probabilities [|R|·L, V].
            var retain = TokenBatch.From(Config, batch.Retain).IfLeft(e => throw e.ToException());
            _reference.Forward(batch.Reference!, retain, new float[retain.Inputs.Length], training: false);
            logTargets = _reference.LastLogSoftmax();
            _network.SoftLosses(logTargets, retainLosses, forgetRows);
        }
        else
        {
            for (int r = forgetRows; r < n; r++)
            {
                retainLosses[r - forgetRows] = -_logProbs[r];
            }
        }

        var seed = objective.Seed(_logProbs.AsSpan(0, forgetRows), batch.Forget.Count, retainLosses, batch.ReferenceLogProbs);
        _network.SeedLossGradient(tokens, seed.Gradient, logTargets, logTargets is null ? int.MaxValue : forgetRows);
        _network.Backward(weights, tokens, _grads);
        return seed.Value;
    }

    private Gpt2Weights Rent() => _pool.Count > 0 ? _pool.Pop() : Gpt2Weights.Zeros(Config);
}
