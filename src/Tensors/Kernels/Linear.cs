using System.Buffers;
using System.Numerics.Tensors;
using Unlearning.Tensors.LinearAlgebra;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>
/// Hugging Face Conv1D: out[N, OC] = x[N, C] · W[C, OC] + bias[OC] (+ residual[N, OC] when given,
/// which fuses the residual add into the projection).
/// </summary>
public static class Linear
{
    internal const int ReductionBlock = 64;

    public static void Forward(
        float[] output, float[] input, float[] weight, float[]? bias, int n, int c, int oc, int threads, float[]? residual = null)
    {
        float beta = 0;
        if (bias is not null || residual is not null)
        {
            beta = 1;
            ParallelLoop.ForRanges(n, threads, 64, (start, end) =>
            {
                for (int r = start; r < end; r++)
                {
                    var o = output.AsSpan(r * oc, oc);
                    if (residual is not null && bias is not null)
                    {
                        TensorPrimitives.Add(residual.AsSpan(r * oc, oc), bias, o);
                    }
                    else if (residual is not null)
                    {
                        residual.AsSpan(r * oc, oc).CopyTo(o);
                    }
                    else
                    {
                        bias.AsSpan(0, oc).CopyTo(o);
                    }
                }
            });
        }

        Gemm.Multiply(false, false, n, oc, c, 1f, input, 0, c, weight, 0, oc, beta, output, 0, oc, threads);
    }

    /// <summary>
    /// dout [N, OC] → dinput = dout·Wᵀ [N, C] (overwritten; skipped when null),
    /// dweight = xᵀ·dout [C, OC] (overwritten, or added to when <paramref name="accumulateWeight"/>),
    /// dbias = Σ_rows dout [OC] (overwritten).
    /// </summary>
    public static void Backward(
        float[]? dinput, float[] dweight, float[]? dbias, float[] dout, float[] input, float[] weight,
        int n, int c, int oc, int threads, bool accumulateWeight = false)
    {
        if (dinput is not null)
        {
            Gemm.Multiply(false, true, n, c, oc, 1f, dout, 0, oc, weight, 0, oc, 0f, dinput, 0, c, threads);
        }

        Gemm.Multiply(true, false, c, oc, n, 1f, input, 0, c, dout, 0, oc, accumulateWeight ? 1f : 0f, dweight, 0, oc, threads);
        if (dbias is not null)
        {
            ColumnSums(dbias, dout, n, oc, threads);
        }
    }

    /// <summary>sums[j] = Σ_r x[r, j], summed in fixed row blocks then in block order.</summary>
    public static void ColumnSums(float[] sums, float[] x, int n, int width, int threads)
    {
        int blocks = (n + ReductionBlock - 1) / ReductionBlock;
        float[] partial = ArrayPool<float>.Shared.Rent(blocks * width);
        try
        {
            ParallelLoop.For(blocks, threads, blk =>
            {
                var p = partial.AsSpan(blk * width, width);
                p.Clear();
                int end = Math.Min(n, (blk + 1) * ReductionBlock);
                for (int r = blk * ReductionBlock; r < end; r++)
                {
                    TensorPrimitives.Add(p, x.AsSpan(r * width, width), p);
                }
            });
            var s = sums.AsSpan(0, width);
            partial.AsSpan(0, width).CopyTo(s);
            for (int blk = 1; blk < blocks; blk++)
            {
                TensorPrimitives.Add(s, partial.AsSpan(blk * width, width), s);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partial);
        }
    }
}
