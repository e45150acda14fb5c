using System.Numerics;
using System.Numerics.Tensors;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>
/// Element-wise optimizer updates that read the old state and write a new one (the arrays may be
/// the same for an in-place update). Elements are independent, so any thread count gives the same bits.
/// </summary>
public static class Optimizers
{
    private const int Chunk = 16384;

    /// <summary>Σ x², summed in float over fixed 16384-element blocks, the blocks in double in order.</summary>
    public static double SumOfSquares(float[] x, int threads)
    {
        int chunks = (x.Length + Chunk - 1) / Chunk;
        var partial = new double[chunks];
        ParallelLoop.ForRanges(chunks, threads, 4, (start, end) =>
        {
            for (int ch = start; ch < end; ch++)
            {
                int off = ch * Chunk;
                partial[ch] = TensorPrimitives.SumOfSquares(x.AsSpan(off, Math.Min(Chunk, x.Length - off)));
            }
        });
        double sum = 0;
        foreach (double p in partial)
        {
            sum += p;
        }

        return sum;
    }

    /// <summary>
    /// AdamW (Loshchilov &amp; Hutter; PyTorch's update): g = gradScale·grad; θ ← θ(1 − lr·wd);
    /// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + ε),
    /// bc_i = 1 − β_i^step.
    /// </summary>
    public static void AdamW(
        float[] theta, float[] m, float[] v, float[] grad, float[] thetaOut, float[] mOut, float[] vOut,
        float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, int step, int threads)
    {
        float decay = 1f - (lr * weightDecay);
        float stepSize = lr / (1f - MathF.Pow(beta1, step));
        float invSqrtBc2 = 1f / MathF.Sqrt(1f - MathF.Pow(beta2, step));
        ForChunks(theta.Length, threads, (off, w) =>
        {
            int i = off;
            int end = off + w;
            int vw = Vector<float>.Count;
            for (; i <= end - vw; i += vw)
            {
                var g = new Vector<float>(grad, i) * gradScale;
                var mm = (new Vector<float>(m, i) * beta1) + (g * (1f - beta1));
                var vv = (new Vector<float>(v, i) * beta2) + (g * g * (1f - beta2));
                var denom = (Vector.SquareRoot(vv) * invSqrtBc2) + new Vector<float>(eps);
                var th = (new Vector<float>(theta, i) * decay) - (mm / denom * stepSize);
                mm.CopyTo(mOut, i);
                vv.CopyTo(vOut, i);
                th.CopyTo(thetaOut, i);
            }

            for (; i < end; i++)
            {
                float g = grad[i] * gradScale;
                float mm = (m[i] * beta1) + (g * (1f - beta1));
                float vv = (v[i] * beta2) + (g * g * (1f - beta2));
                float denom = (MathF.Sqrt(vv) * invSqrtBc2) + eps;
                mOut[i] = mm;
                vOut[i] = vv;
                thetaOut[i] = (theta[i] * decay) - (mm / denom * stepSize);
            }
        });
    }

    /// <summary>SGD with momentum μ (PyTorch's, no dampening): b ← μ·b + g; θ ← θ − lr·b. μ = 0: plain SGD.</summary>
    public static void Sgd(
        float[] theta, float[]? velocity, float[] grad, float[] thetaOut, float[]? velocityOut,
        float gradScale, float lr, float momentum, int threads)
    {
        ForChunks(theta.Length, threads, (off, w) =>
        {
            for (int i = off; i < off + w; i++)
            {
                float g = grad[i] * gradScale;
                if (velocity is not null && velocityOut is not null)
                {
                    g = (momentum * velocity[i]) + g;
                    velocityOut[i] = g;
                }

                thetaOut[i] = theta[i] - (lr * g);
            }
        });
    }

    private static void ForChunks(int length, int threads, Action<int, int> body)
    {
        int chunks = (length + Chunk - 1) / Chunk;
        ParallelLoop.ForRanges(chunks, threads, 2, (start, end) =>
        {
            for (int ch = start; ch < end; ch++)
            {
                int off = ch * Chunk;
                body(off, Math.Min(Chunk, length - off));
            }
        });
    }
}
