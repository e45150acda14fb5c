using System.Buffers;
using System.Numerics.Tensors;
using Unlearning.Tensors.LinearAlgebra;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>
/// Causal multi-head self-attention on a fused qkv [B, T, 3C] (q | k | v, head h at columns
/// h·hs … h·hs+hs−1 of each part): for each (b, h), S = Q·Kᵀ/sqrt(hs), P = softmax(S) over
/// positions ≤ t, Y = P·V written to y [B, T, C]. P [B, H, T, T] is kept for the backward pass
/// (zeros above the diagonal). Parallel over (b, h); each writes disjoint outputs.
/// </summary>
public static class Attention
{
    public static void Forward(float[] y, float[] probs, float[] qkv, int b, int t, int c, int heads, int threads)
    {
        int hs = c / heads;
        float scale = 1f / MathF.Sqrt(hs);
        int c3 = 3 * c;
        ParallelLoop.For(b * heads, threads, bh =>
        {
            int bi = bh / heads;
            int h = bh % heads;
            int qOff = (bi * t * c3) + (h * hs);
            int pOff = bh * t * t;
            Gemm.Multiply(false, true, t, t, hs, scale, qkv, qOff, c3, qkv, qOff + c, c3, 0f, probs, pOff, t, 1);
            for (int i = 0; i < t; i++)
            {
                var row = probs.AsSpan(pOff + (i * t), i + 1);
                float max = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Exp(row, row);
                float sum = TensorPrimitives.Sum(row);
                TensorPrimitives.Multiply(row, 1f / sum, row);
                probs.AsSpan(pOff + (i * t) + i + 1, t - i - 1).Clear();
            }

            Gemm.Multiply(false, false, t, hs, t, 1f, probs, pOff, t, qkv, qOff + (2 * c), c3, 0f, y, (bi * t * c) + (h * hs), c, 1);
        });
    }

    /// <summary>
    /// dy [B, T, C] → dqkv [B, T, 3C] (overwritten): dP = dY·Vᵀ, dV = Pᵀ·dY,
    /// dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K/sqrt(hs), dK = dSᵀ·Q/sqrt(hs).
    /// </summary>
    public static void Backward(float[] dqkv, float[] dy, float[] probs, float[] qkv, int b, int t, int c, int heads, int threads)
    {
        int hs = c / heads;
        float scale = 1f / MathF.Sqrt(hs);
        int c3 = 3 * c;
        ParallelLoop.For(b * heads, threads, bh =>
        {
            int bi = bh / heads;
            int h = bh % heads;
            int qOff = (bi * t * c3) + (h * hs);
            int yOff = (bi * t * c) + (h * hs);
            int pOff = bh * t * t;
            float[] dp = ArrayPool<float>.Shared.Rent(t * t);
            Gemm.Multiply(false, true, t, t, hs, 1f, dy, yOff, c, qkv, qOff + (2 * c), c3, 0f, dp, 0, t, 1);
            Gemm.Multiply(true, false, t, hs, t, 1f, probs, pOff, t, dy, yOff, c, 0f, dqkv, qOff + (2 * c), c3, 1);
            for (int i = 0; i < t; i++)
            {
                var p = probs.AsSpan(pOff + (i * t), i + 1);
                var d = dp.AsSpan(i * t, i + 1);
                float dot = TensorPrimitives.Dot(p, d);
                TensorPrimitives.Subtract(d, dot, d);
                TensorPrimitives.Multiply(d, p, d);
                dp.AsSpan((i * t) + i + 1, t - i - 1).Clear();
            }

            Gemm.Multiply(false, false, t, hs, t, scale, dp, 0, t, qkv, qOff + c, c3, 0f, dqkv, qOff, c3, 1);
            Gemm.Multiply(true, false, t, hs, t, scale, dp, 0, t, qkv, qOff, c3, 0f, dqkv, qOff + c, c3, 1);
            ArrayPool<float>.Shared.Return(dp);
        });
    }
}
