using System.Numerics;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>
/// GELU, tanh approximation (HF "gelu_new"): y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³).
/// Computed as y = x·s with s = ½(1 + tanh u) = 1/(1 + e^(−2u)): one exponential instead of a tanh
/// (about half the cost) and no cancellation in 1 + tanh u for negative x.
/// dy/dx = s + x·2s(1 − s)·u′, u′ = √(2/π)(1 + 3·0.044715x²).
/// </summary>
public static class Gelu
{
    private const int Chunk = 512;
    private const float K1 = 0.044715f;
    private static readonly float K0 = MathF.Sqrt(2f / MathF.PI);

    public static void Forward(float[] output, float[] input, int length, int threads)
    {
        int chunks = (length + Chunk - 1) / Chunk;
        ParallelLoop.ForRanges(chunks, threads, 8, (start, end) =>
        {
            Span<float> ex = stackalloc float[Chunk];
            for (int ch = start; ch < end; ch++)
            {
                int off = ch * Chunk;
                int w = Math.Min(Chunk, length - off);
                var x = input.AsSpan(off, w);
                var e = ex[..w];
                MinusTwoU(x, e);
                VectorMath.Exp(e, e);
                var y = output.AsSpan(off, w);
                int i = 0;
                int vw = Vector<float>.Count;
                for (; i <= w - vw; i += vw)
                {
                    var xv = new Vector<float>(x[i..]);
                    var ev = new Vector<float>(e[i..]);
                    (xv / (Vector<float>.One + ev)).CopyTo(y[i..]);
                }

                for (; i < w; i++)
                {
                    y[i] = x[i] / (1f + e[i]);
                }
            }
        });
    }

    /// <summary>dinput = dout · gelu'(input); dinput may be the same array as dout.</summary>
    public static void Backward(float[] dinput, float[] input, float[] dout, int length, int threads)
    {
        int chunks = (length + Chunk - 1) / Chunk;
        ParallelLoop.ForRanges(chunks, threads, 8, (start, end) =>
        {
            Span<float> ex = stackalloc float[Chunk];
            for (int ch = start; ch < end; ch++)
            {
                int off = ch * Chunk;
                int w = Math.Min(Chunk, length - off);
                var x = input.AsSpan(off, w);
                var g = dout.AsSpan(off, w);
                var d = dinput.AsSpan(off, w);
                var e = ex[..w];
                MinusTwoU(x, e);
                VectorMath.Exp(e, e);
                int i = 0;
                int vw = Vector<float>.Count;
                for (; i <= w - vw; i += vw)
                {
                    var xv = new Vector<float>(x[i..]);
                    var s = Vector<float>.One / (Vector<float>.One + new Vector<float>(e[i..]));
                    var du = (Vector<float>.One + (xv * xv * (3 * K1))) * (2 * K0);
                    var grad = s + (xv * s * (Vector<float>.One - s) * du);
                    (grad * new Vector<float>(g[i..])).CopyTo(d[i..]);
                }

                for (; i < w; i++)
                {
                    float xi = x[i];
                    float s = 1f / (1f + e[i]);
                    float du = (1f + (xi * xi * (3 * K1))) * (2 * K0);
                    d[i] = (s + (xi * s * (1f - s) * du)) * g[i];
                }
            }
        });
    }

    /// <summary>−2u = −2·K0·x·(1 + K1·x²).</summary>
    private static void MinusTwoU(ReadOnlySpan<float> x, Span<float> u)
    {
        int i = 0;
        int vw = Vector<float>.Count;
        for (; i <= x.Length - vw; i += vw)
        {
            var xv = new Vector<float>(x[i..]);
            (xv * (-2 * K0) * (Vector<float>.One + (xv * xv * K1))).CopyTo(u[i..]);
        }

        for (; i < x.Length; i++)
        {
            u[i] = x[i] * (-2 * K0) * (1f + (x[i] * x[i] * K1));
        }
    }
}
