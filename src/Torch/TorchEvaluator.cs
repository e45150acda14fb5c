using LanguageExt;
using TorchSharp;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Torch;

/// <summary>
/// The evaluation pass of <see cref="Evaluator"/> on LibTorch: per token log2 p(target), top-1
/// (argmax, first maximum on ties), μ = Σ p·log2 p and σ of log2 p under the next-token
/// distribution, log-softmax in float32 whatever the compute precision.
/// </summary>
internal sealed class TorchEvaluator(TorchEngine engine, Gpt2Config config, int batchSize) : IEvaluator
{
    private readonly FlatLayout _layout = new(config);

    public Gpt2Config Config { get; } = config;

    public int BatchSize { get; } = batchSize;

    public Either<InputError, IReadOnlyList<SequenceScore>> Evaluate(Gpt2Weights weights, IReadOnlyList<int[]> sequences, bool withDistributionStats = true)
    {
        if (weights.Config != Config)
        {
            return new InputError("weights", "configuration", Config.ToString(), weights.Config.ToString());
        }

        var split = TokenBatch.Batches(Config, sequences, BatchSize, padLast: false);
        if (split.IsLeft)
        {
            return split.Map(_ => (IReadOnlyList<SequenceScore>)[]);
        }

        var batches = split.RightToSeq().Single();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (theta, _) = ResidentFlat.Of(engine, _layout, weights);
        var scores = new List<SequenceScore>(sequences.Count);
        foreach (var batch in batches)
        {
            using var inner = NewDisposeScope();
            var targets = Gpt2Torch.Tokens(batch.Targets, batch.Batch, batch.Length, engine.Device).reshape(-1);
            var logits = Gpt2Torch.Logits(_layout, theta, Gpt2Torch.Tokens(batch.Inputs, batch.Batch, batch.Length, engine.Device), engine.ComputeType).to(ScalarType.Float32);
            var logProbs = logits.log_softmax(1);
            var log2 = Floats(Gpt2Torch.TargetLogProbs(logProbs, targets) / Math.Log(2));
            bool[]? top = null;
            float[]? mean = null;
            float[]? std = null;
            if (withDistributionStats)
            {
                // μ = Σ p·ln p, σ = sqrt(Σ p·(ln p − μ)²), then in bits.
                var p = logProbs.exp();
                var mu = (p * logProbs).sum(1);
                var sigma = (p * (logProbs - mu.unsqueeze(1)).square()).sum(1).sqrt();
                top = logits.argmax(1).eq(targets).cpu().data<bool>().ToArray();
                mean = Floats(mu / Math.Log(2));
                std = Floats(sigma / Math.Log(2));
            }

            int t = batch.Length;
            for (int s = 0; s < batch.Batch; s++)
            {
                var lp = log2.AsSpan(s * t, t).ToArray();
                double nll = 0;
                foreach (float x in lp)
                {
                    nll -= x;
                }

                scores.Add(new SequenceScore(
                    nll, lp,
                    top is null ? new bool[t] : top.AsSpan(s * t, t).ToArray(),
                    mean is null ? new float[t] : mean.AsSpan(s * t, t).ToArray(),
                    std is null ? new float[t] : std.AsSpan(s * t, t).ToArray()));
            }
        }

        return scores;
    }

    /// <summary>The logits [B·L, V] of these sequences (row-major), for parity checks.</summary>
    internal float[] Logits(Gpt2Weights weights, IReadOnlyList<int[]> sequences)
    {
        var batch = TokenBatch.From(Config, sequences).IfLeft(e => throw e.ToException());
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (theta, _) = ResidentFlat.Of(engine, _layout, weights);
        return Floats(Gpt2Torch.Logits(_layout, theta, Gpt2Torch.Tokens(batch.Inputs, batch.Batch, batch.Length, engine.Device), engine.ComputeType));
    }

    private static float[] Floats(Tensor x) => x.to(ScalarType.Float32).cpu().data<float>().ToArray();
}
