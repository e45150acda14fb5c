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
    /// <summary>
    /// Rows per causal block: query block [i0, i0+Block) needs keys [0, i0+Block) only, so the products
    /// skip most of the masked upper triangle (about 40% of the work at T = 128).
    /// </summary>
    internal const int Block = 32;

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
            int yOff = (bi * t * c) + (h * hs);
            int pOff = bh * t * t;
            for (int i0 = 0; i0 < t; i0 += Block)
            {
                int m = Math.Min(Block, t - i0);
                int keys = i0 + m;
                Gemm.Multiply(false, true, m, keys, hs, scale, qkv, qOff + (i0 * c3), c3, qkv, qOff + c, c3, 0f, probs, pOff + (i0 * t), t, 1);
                for (int i = i0; i < i0 + m; i++)
                {
                    var row = probs.AsSpan(pOff + (i * t), i + 1);
                    float sum = VectorMath.ExpShiftedSum(row, TensorPrimitives.Max(row), row);
                    TensorPrimitives.Multiply(row, 1f / sum, row);
                    probs.AsSpan(pOff + (i * t) + i + 1, t - i - 1).Clear();
                }

                Gemm.Multiply(false, false, m, hs, keys, 1f, probs, pOff + (i0 * t), t, qkv, qOff + (2 * c), c3, 0f, y, yOff + (i0 * c), c, 1);
            }
        });
    }

    /// <summary>
    /// dy [B, T, C] → dqkv [B, T, 3C] (overwritten): dP = dY·Vᵀ, dV = Pᵀ·dY,
    /// dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K/sqrt(hs), dK = dSᵀ·Q/sqrt(hs); all restricted to
    /// the causal blocks (P and dS are zero above the diagonal).
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
            int kOff = qOff + c;
            int vOff = qOff + (2 * c);
            int yOff = (bi * t * c) + (h * hs);
            int pOff = bh * t * t;
            float[] ds = ArrayPool<float>.Shared.Rent(t * t);

            // Query blocks: dS and dQ. Row i of dS is valid on [0, end of i's block), zero past i.
            for (int i0 = 0; i0 < t; i0 += Block)
            {
                int m = Math.Min(Block, t - i0);
                int keys = i0 + m;
                Gemm.Multiply(false, true, m, keys, hs, 1f, dy, yOff + (i0 * c), c, qkv, vOff, c3, 0f, ds, i0 * t, t, 1);
                for (int i = i0; i < i0 + m; i++)
                {
                    var p = probs.AsSpan(pOff + (i * t), i + 1);
                    var d = ds.AsSpan(i * t, i + 1);
                    float dot = TensorPrimitives.Dot(p, d);
                    TensorPrimitives.Subtract(d, dot, d);
                    TensorPrimitives.Multiply(d, p, d);
                    ds.AsSpan((i * t) + i + 1, keys - i - 1).Clear();
                }

                Gemm.Multiply(false, false, m, hs, keys, scale, ds, i0 * t, t, qkv, kOff, c3, 0f, dqkv, qOff + (i0 * c3), c3, 1);
            }

            // Key blocks: dV = Pᵀ·dY and dK = dSᵀ·Q over the queries i ≥ j0 that see them (their
            // dS rows are valid on these columns: i's block ends at or after j0's).
            for (int j0 = 0; j0 < t; j0 += Block)
            {
                int m = Math.Min(Block, t - j0);
                int queries = t - j0;
                Gemm.Multiply(true, false, m, hs, queries, 1f, probs, pOff + (j0 * t) + j0, t, dy, yOff + (j0 * c), c, 0f, dqkv, vOff + (j0 * c3), c3, 1);
                Gemm.Multiply(true, false, m, hs, queries, scale, ds, (j0 * t) + j0, t, qkv, qOff + (j0 * c3), c3, 0f, dqkv, kOff + (j0 * c3), c3, 1);
            }

            ArrayPool<float>.Shared.Return(ds);
        });
    }
}
