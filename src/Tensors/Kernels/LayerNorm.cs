using System.Buffers;
using System.Numerics.Tensors;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>
/// LayerNorm over the last dimension: y = (x − μ)·r·w + b with r = 1/sqrt(var + ε), var the biased
/// variance. Rows [N, C]; μ and r are kept per row for the backward pass.
/// </summary>
public static class LayerNorm
{
    /// <summary>Rows per partial sum of dw, db: fixed, so the reduction order never depends on threads.</summary>
    internal const int ReductionBlock = 64;

    /// <summary>input [N, C], weight [C], bias [C] → output [N, C], mean [N], rstd [N].</summary>
    public static void Forward(
        float[] output, float[]? mean, float[]? rstd, float[] input, float[] weight, float[] bias, int n, int c, float eps, int threads)
    {
        ParallelLoop.ForRanges(n, threads, 32, (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                var x = input.AsSpan(r * c, c);
                var y = output.AsSpan(r * c, c);
                float m = TensorPrimitives.Sum(x) / c;
                TensorPrimitives.Subtract(x, m, y);
                float v = TensorPrimitives.SumOfSquares(y) / c;
                float s = 1f / MathF.Sqrt(v + eps);
                TensorPrimitives.Multiply(y, s, y);
                TensorPrimitives.FusedMultiplyAdd(y, weight, bias, y);
                if (mean is not null)
                {
                    mean[r] = m;
                }

                if (rstd is not null)
                {
                    rstd[r] = s;
                }
            }
        });
    }

    /// <summary>
    /// dout [N, C] → dinput += (dn − mean(dn) − n̂·mean(dn·n̂))·r with dn = dout·w, n̂ = (x − μ)·r;
    /// dweight = Σ_rows dout·n̂, dbias = Σ_rows dout (both overwritten).
    /// </summary>
    public static void Backward(
        float[] dinput, float[] dweight, float[] dbias, float[] dout, float[] input, float[] weight,
        float[] mean, float[] rstd, int n, int c, int threads)
    {
        int blocks = (n + ReductionBlock - 1) / ReductionBlock;
        float[] partial = ArrayPool<float>.Shared.Rent(blocks * 2 * c);
        try
        {
            ParallelLoop.For(blocks, threads, blk =>
            {
                float[] scratch = ArrayPool<float>.Shared.Rent(2 * c);
                var norm = scratch.AsSpan(0, c);
                var dn = scratch.AsSpan(c, c);
                var pw = partial.AsSpan(blk * 2 * c, c);
                var pb = partial.AsSpan((blk * 2 * c) + c, c);
                pw.Clear();
                pb.Clear();
                int end = Math.Min(n, (blk + 1) * ReductionBlock);
                for (int r = blk * ReductionBlock; r < end; r++)
                {
                    var x = input.AsSpan(r * c, c);
                    var g = dout.AsSpan(r * c, c);
                    var dx = dinput.AsSpan(r * c, c);
                    float s = rstd[r];
                    TensorPrimitives.Subtract(x, mean[r], norm);
                    TensorPrimitives.Multiply(norm, s, norm);
                    TensorPrimitives.Add(pb, g, pb);
                    TensorPrimitives.FusedMultiplyAdd(g, norm, pw, pw);
                    TensorPrimitives.Multiply(g, weight, dn);
                    float dnMean = TensorPrimitives.Sum(dn) / c;
                    float dnNormMean = TensorPrimitives.Dot(dn, norm) / c;

                    // dx += (dn − dnMean − norm·dnNormMean)·s
                    TensorPrimitives.Subtract(dn, dnMean, dn);
                    TensorPrimitives.FusedMultiplyAdd(norm, -dnNormMean, dn, dn);
                    TensorPrimitives.FusedMultiplyAdd(dn, s, dx, dx);
                }

                ArrayPool<float>.Shared.Return(scratch);
            });
            SumBlocks(partial, blocks, c, dweight, dbias);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partial);
        }
    }

    /// <summary>dweight = Σ_blk partial[blk, 0, :], dbias = Σ_blk partial[blk, 1, :], in block order.</summary>
    private static void SumBlocks(float[] partial, int blocks, int c, float[] dweight, float[] dbias)
    {
        var dw = dweight.AsSpan(0, c);
        var db = dbias.AsSpan(0, c);
        partial.AsSpan(0, c).CopyTo(dw);
        partial.AsSpan(c, c).CopyTo(db);
        for (int blk = 1; blk < blocks; blk++)
        {
            TensorPrimitives.Add(dw, partial.AsSpan(blk * 2 * c, c), dw);
            TensorPrimitives.Add(db, partial.AsSpan((blk * 2 * c) + c, c), db);
        }
    }
}
