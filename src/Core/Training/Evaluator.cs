using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Model;
using Unlearning.Tensors.Backends;
using Unlearning.Tensors.Kernels;

namespace Unlearning.Core.Training;

/// <summary>
/// One sequence's evaluation. Every per-token array has L entries, entry i about token x_{i+1}
/// given BOS, x_1 … x_i. Log-probabilities in bits (log2).
/// </summary>
/// <param name="NllBits">s_θ(x) = Σ_i −log2 p(x_i | BOS, x_&lt;i): SPEC §3's score.</param>
/// <param name="Log2Probs">log2 p(x_i | …) per token.</param>
/// <param name="Top1Correct">argmax_z p(z | …) == x_i per token.</param>
/// <param name="MeanLog2Prob">μ_i = Σ_z p(z)·log2 p(z) under the next-token distribution (Min-K%++).</param>
/// <param name="StdLog2Prob">σ_i = sqrt(Σ_z p(z)·(log2 p(z) − μ_i)²).</param>
public sealed record SequenceScore(double NllBits, float[] Log2Probs, bool[] Top1Correct, float[] MeanLog2Prob, float[] StdLog2Prob)
{
    public int Length => Log2Probs.Length;

    /// <summary>Mean NLL in nats per token (SPEC §6's utility loss).</summary>
    public double MeanNllNats => NllBits * Math.Log(2) / Length;
}

/// <summary>
/// The batched evaluation pass without gradients: sequences go through in batches of
/// <see cref="BatchSize"/> (a short last batch padded), buffers reused between calls. Not thread-safe.
/// Scores do not depend on the batch size or the order of sequences beyond float rounding of the
/// GEMM (rows are independent).
/// </summary>
public sealed class Evaluator : IEvaluator
{
    private readonly Gpt2Network _network;

    public Evaluator(Gpt2Config config, int batchSize, IBackend backend)
    {
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be at least 1, found {batchSize}");
        }

        Config = config;
        BatchSize = batchSize;
        _network = new Gpt2Network(config, backend);
    }

    public Evaluator(Gpt2Config config, int batchSize, int threads)
        : this(config, batchSize, new CpuBackend(threads))
    {
    }

    public Gpt2Config Config { get; }

    public int BatchSize { get; }

    /// <summary>An evaluator after checking the configuration, the batch size and the thread count.</summary>
    public static Either<InputError, Evaluator> Create(Gpt2Config config, int batchSize, int threads) =>
        batchSize < 1 ? new InputError("evaluation settings", "batch_size", "an integer ≥ 1", $"{batchSize}")
        : threads < 1 ? new InputError("evaluation settings", "threads", "an integer ≥ 1", $"{threads}")
        : Gpt2Config.Validate(config).Map(c => new Evaluator(c, batchSize, threads));

    /// <summary>
    /// Scores every sequence (all of one length L ≤ n_positions, ids &lt; vocab_size; checked for
    /// all sequences before any work). <paramref name="withDistributionStats"/>: false skips top-1,
    /// μ and σ (arrays left empty-valued: false and 0), which makes the pass cheaper.
    /// </summary>
    public Either<InputError, IReadOnlyList<SequenceScore>> Evaluate(Gpt2Weights weights, IReadOnlyList<int[]> sequences, bool withDistributionStats = true)
    {
        if (weights.Config != Config)
        {
            return new InputError("weights", "configuration", Config.ToString(), weights.Config.ToString());
        }

        var split = TokenBatch.Batches(Config, sequences, BatchSize, padLast: true);
        if (split.IsLeft)
        {
            return split.Map(_ => (IReadOnlyList<SequenceScore>)[]);
        }

        var batches = split.RightToSeq().Single();

        var scores = new List<SequenceScore>(sequences.Count);
        foreach (var batch in batches)
        {
            if (scores.Count == sequences.Count)
            {
                break;
            }

            int n = batch.Inputs.Length;
            var logProbs = new float[n];
            var stats = withDistributionStats ? new TokenStats(n) : null;
            _network.Forward(weights, batch, logProbs, training: false, stats: stats);
            int t = batch.Length;
            for (int s = 0; s < batch.Batch && scores.Count < sequences.Count; s++)
            {
                var lp = new float[t];
                var top = new bool[t];
                var mean = new float[t];
                var std = new float[t];
                double nll = 0;
                for (int i = 0; i < t; i++)
                {
                    int r = (s * t) + i;
                    lp[i] = (float)(logProbs[r] / Math.Log(2));
                    nll -= logProbs[r] / Math.Log(2);
                    if (stats is not null)
                    {
                        top[i] = stats.Top1Correct[r];
                        mean[i] = (float)(stats.MeanLogProb[r] / Math.Log(2));
                        std[i] = (float)(stats.StdLogProb[r] / Math.Log(2));
                    }
                }

                scores.Add(new SequenceScore(nll, lp, top, mean, std));
            }
        }

        return scores;
    }
}
