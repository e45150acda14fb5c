using System.Buffers;
using System.Numerics.Tensors;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>Per-token statistics of the next-token distribution, filled by the evaluation pass.</summary>
public sealed class TokenStats
{
    public TokenStats(int rows)
    {
        Top1Correct = new bool[rows];
        MeanLogProb = new float[rows];
        StdLogProb = new float[rows];
    }

    /// <summary>argmax_z logits[z] == target (first maximum on ties).</summary>
    public bool[] Top1Correct { get; }

    /// <summary>μ = Σ_z p(z)·ln p(z), natural log.</summary>
    public float[] MeanLogProb { get; }

    /// <summary>σ = sqrt(Σ_z p(z)·(ln p(z) − μ)²), natural log.</summary>
    public float[] StdLogProb { get; }
}

/// <summary>
/// Fused softmax cross-entropy over logits [N, V]: logProbs[r] = ln softmax(logits[r])[target[r]],
/// and, when asked, dlogits = gradScale·(softmax − onehot(target)) written over the logits in
/// place (no second [N, V] buffer). Parallel over rows.
/// </summary>
public static class CrossEntropy
{
    public static void Forward(
        float[] logits, int[] targets, float[] logProbs, int n, int v, int threads,
        bool writeGradient = false, float gradScale = 0f, TokenStats? stats = null)
    {
        ParallelLoop.ForRanges(n, threads, 8, (start, end) =>
        {
            float[]? scratch = stats is not null || !writeGradient ? ArrayPool<float>.Shared.Rent(2 * v) : null;
            for (int r = start; r < end; r++)
            {
                var row = logits.AsSpan(r * v, v);
                int target = targets[r];
                if (stats is not null)
                {
                    stats.Top1Correct[r] = TensorPrimitives.IndexOfMax(row) == target;
                }

                float max = TensorPrimitives.Max(row);
                float shiftedTarget = row[target] - max;

                // e = exp(logits − max), over the logits when the gradient goes there, else to scratch
                // (logits are kept when no gradient is asked for); s = logits − max only for the stats.
                var e = writeGradient ? row : scratch!.AsSpan(v, v);
                var s = scratch is null ? default : scratch.AsSpan(0, v);
                if (stats is not null)
                {
                    TensorPrimitives.Subtract(row, max, s);
                }

                float sum = VectorMath.ExpShiftedSum(row, max, e);
                float lse = MathF.Log(sum);
                logProbs[r] = shiftedTarget - lse;
                if (stats is not null)
                {
                    // ln p = s − lse: its mean under p is Σe·s/sum − lse; its spread is that of s.
                    float meanS = TensorPrimitives.Dot(e, s) / sum;
                    TensorPrimitives.Subtract(s, meanS, s);
                    TensorPrimitives.Multiply(s, s, s);
                    float variance = TensorPrimitives.Dot(e, s) / sum;
                    stats.MeanLogProb[r] = meanS - lse;
                    stats.StdLogProb[r] = MathF.Sqrt(Math.Max(variance, 0f));
                }

                if (writeGradient)
                {
                    TensorPrimitives.Multiply(e, gradScale / sum, row);
                    row[target] -= gradScale;
                }
            }

            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        });
    }
}
