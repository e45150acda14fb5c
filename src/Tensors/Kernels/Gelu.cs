using System.Numerics;
using System.Numerics.Tensors;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>
/// GELU, tanh approximation (HF "gelu_new"): y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³);
/// dy/dx = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).
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
            Span<float> th = stackalloc float[Chunk];
            for (int ch = start; ch < end; ch++)
            {
                int off = ch * Chunk;
                int w = Math.Min(Chunk, length - off);
                var x = input.AsSpan(off, w);
                var t = th[..w];
                Argument(x, t);
                TensorPrimitives.Tanh(t, t);
                var y = output.AsSpan(off, w);
                int i = 0;
                int vw = Vector<float>.Count;
                for (; i <= w - vw; i += vw)
                {
                    var xv = new Vector<float>(x[i..]);
                    var tv = new Vector<float>(t[i..]);
                    (xv * 0.5f * (Vector<float>.One + tv)).CopyTo(y[i..]);
                }

                for (; i < w; i++)
                {
                    y[i] = 0.5f * x[i] * (1f + t[i]);
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
            Span<float> th = stackalloc float[Chunk];
            for (int ch = start; ch < end; ch++)
            {
                int off = ch * Chunk;
                int w = Math.Min(Chunk, length - off);
                var x = input.AsSpan(off, w);
                var g = dout.AsSpan(off, w);
                var d = dinput.AsSpan(off, w);
                var t = th[..w];
                Argument(x, t);
                TensorPrimitives.Tanh(t, t);
                int i = 0;
                int vw = Vector<float>.Count;
                for (; i <= w - vw; i += vw)
                {
                    var xv = new Vector<float>(x[i..]);
                    var tv = new Vector<float>(t[i..]);
                    var x2 = xv * xv;
                    var du = xv * (0.5f * K0) * (Vector<float>.One + (x2 * (3 * K1))) * (Vector<float>.One - (tv * tv));
                    var grad = (0.5f * (Vector<float>.One + tv)) + du;
                    (grad * new Vector<float>(g[i..])).CopyTo(d[i..]);
                }

                for (; i < w; i++)
                {
                    float xi = x[i];
                    float ti = t[i];
                    float du = xi * (0.5f * K0) * (1f + (xi * xi * (3 * K1))) * (1f - (ti * ti));
                    d[i] = ((0.5f * (1f + ti)) + du) * g[i];
                }
            }
        });
    }

    /// <summary>u = K0·x·(1 + K1·x²).</summary>
    private static void Argument(ReadOnlySpan<float> x, Span<float> u)
    {
        int i = 0;
        int vw = Vector<float>.Count;
        for (; i <= x.Length - vw; i += vw)
        {
            var xv = new Vector<float>(x[i..]);
            (xv * K0 * (Vector<float>.One + (xv * xv * K1))).CopyTo(u[i..]);
        }

        for (; i < x.Length; i++)
        {
            u[i] = x[i] * K0 * (1f + (x[i] * x[i] * K1));
        }
    }
}
