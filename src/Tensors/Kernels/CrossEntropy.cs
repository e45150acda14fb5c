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
/// Softmax cross-entropy over logits [N, V], as llm.c splits it: <see cref="Forward"/> gives the per-row
/// loss ℓ_r = −ln softmax(logits[r])[target[r]] (as logProbs[r] = −ℓ_r) and keeps the logits;
/// <see cref="Backward"/> is seeded with dlosses[r] = ∂J/∂ℓ_r, whatever the objective J built on the
/// rows, and writes dlogits = dlosses[r]·(softmax − q_r) over the logits in place (no second [N, V]
/// buffer). q_r is onehot(target) or, for soft rows, a distribution given by its logarithm: then the row's
/// loss is KL(q_r ‖ softmax) (<see cref="SoftLoss"/>), whose gradient is the same expression since the
/// entropy of q_r does not depend on the logits. Parallel over rows.
/// </summary>
public static class CrossEntropy
{
    public static void Forward(float[] logits, int[] targets, float[] logProbs, int n, int v, int threads, TokenStats? stats = null)
    {
        ParallelLoop.ForRanges(n, threads, 8, (start, end) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(2 * v);
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

                // e = exp(logits − max) into scratch (the logits are kept); s = logits − max only for the stats.
                var e = scratch.AsSpan(v, v);
                var s = scratch.AsSpan(0, v);
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
            }

            ArrayPool<float>.Shared.Return(scratch);
        });
    }

    /// <summary>
    /// dlogits[r] = dlosses[r]·(softmax(logits[r]) − q_r), over the logits in place: q_r = onehot(targets[r])
    /// for r &lt; <paramref name="softFrom"/>, q_r = exp(logTargets[r − softFrom]) (rows of V) from there on.
    /// </summary>
    public static void Backward(
        float[] logits, int[] targets, float[] dlosses, int n, int v, int threads, float[]? logTargets = null, int softFrom = int.MaxValue)
    {
        ParallelLoop.ForRanges(n, threads, 8, (start, end) =>
        {
            float[]? scratch = logTargets is not null && end > softFrom ? ArrayPool<float>.Shared.Rent(v) : null;
            for (int r = start; r < end; r++)
            {
                var row = logits.AsSpan(r * v, v);
                float d = dlosses[r];
                float max = TensorPrimitives.Max(row);
                float sum = VectorMath.ExpShiftedSum(row, max, row);
                TensorPrimitives.Multiply(row, d / sum, row);
                if (r < softFrom || logTargets is null)
                {
                    row[targets[r]] -= d;
                }
                else
                {
                    var q = scratch.AsSpan(0, v);
                    TensorPrimitives.Exp(logTargets.AsSpan((r - softFrom) * v, v), q);
                    TensorPrimitives.MultiplyAdd(q, -d, row, row);
                }
            }

            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        });
    }

    /// <summary>
    /// losses[r − from] = KL(q_r ‖ softmax(logits[r])) = Σ_z q(z)·(ln q(z) − ln p(z)) for the rows r in
    /// [from, n), q_r = exp(logTargets[r − from]); the logits are kept. ln p = logits − max − ln Σ exp(logits − max).
    /// </summary>
    public static void SoftLoss(float[] logits, float[] logTargets, float[] losses, int from, int n, int v, int threads)
    {
        ParallelLoop.ForRanges(n - from, threads, 8, (start, end) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(2 * v);
            for (int k = start; k < end; k++)
            {
                var row = logits.AsSpan((from + k) * v, v);
                var lq = logTargets.AsSpan(k * v, v);
                var q = scratch.AsSpan(0, v);
                var e = scratch.AsSpan(v, v);
                float max = TensorPrimitives.Max(row);
                float lse = max + MathF.Log(VectorMath.ExpShiftedSum(row, max, e));
                TensorPrimitives.Exp(lq, q);

                // Σ q·(ln q − logits + lse), with q·ln q = 0 where q = 0.
                double kl = 0;
                for (int z = 0; z < v; z++)
                {
                    if (q[z] > 0)
                    {
                        kl += q[z] * ((double)lq[z] - row[z] + lse);
                    }
                }

                losses[k] = (float)kl;
            }

            ArrayPool<float>.Shared.Return(scratch);
        });
    }

    /// <summary>Every row of logits [N, V] replaced by its log-softmax, in place.</summary>
    public static void LogSoftmax(float[] logits, int n, int v, int threads)
    {
        ParallelLoop.ForRanges(n, threads, 8, (start, end) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(v);
            for (int r = start; r < end; r++)
            {
                var row = logits.AsSpan(r * v, v);
                float max = TensorPrimitives.Max(row);
                float lse = max + MathF.Log(VectorMath.ExpShiftedSum(row, max, scratch.AsSpan(0, v)));
                TensorPrimitives.Subtract(row, lse, row);
            }

            ArrayPool<float>.Shared.Return(scratch);
        });
    }
}
