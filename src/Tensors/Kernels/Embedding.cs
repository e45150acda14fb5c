using System.Numerics.Tensors;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>Token + position embedding: out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:].</summary>
public static class Embedding
{
    /// <summary>tokens [B·T], wte [V, C], wpe [≥T, C] → output [B·T, C].</summary>
    public static void Forward(float[] output, int[] tokens, float[] wte, float[] wpe, int b, int t, int c, int threads)
    {
        ParallelLoop.ForRanges(b * t, threads, 64, (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                int pos = r % t;
                TensorPrimitives.Add(
                    wte.AsSpan(tokens[r] * c, c),
                    wpe.AsSpan(pos * c, c),
                    output.AsSpan(r * c, c));
            }
        });
    }

    /// <summary>
    /// Accumulates dwte[tokens[r]] += dout[r] and dwpe[t] += Σ_b dout[b,t]. Parallel over channel
    /// slices, each summing rows in index order, so the result does not depend on the thread count.
    /// </summary>
    public static void Backward(float[] dwte, float[] dwpe, float[] dout, int[] tokens, int b, int t, int c, int threads)
    {
        const int Slice = 64; // four cache lines per row visit
        int slices = (c + Slice - 1) / Slice;
        ParallelLoop.For(slices, threads, s =>
        {
            int c0 = s * Slice;
            int w = Math.Min(Slice, c - c0);
            for (int r = 0; r < b * t; r++)
            {
                var g = dout.AsSpan(r * c + c0, w);
                var wt = dwte.AsSpan(tokens[r] * c + c0, w);
                TensorPrimitives.Add(wt, g, wt);
                var wp = dwpe.AsSpan((r % t) * c + c0, w);
                TensorPrimitives.Add(wp, g, wp);
            }
        });
    }
}
