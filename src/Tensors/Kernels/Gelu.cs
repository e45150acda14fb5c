using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>
/// GELU, tanh approximation (HF "gelu_new"): y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³).
/// Computed as y = x·s with s = ½(1 + tanh u) = 1/(1 + e^(−2u)): one exponential instead of a tanh
/// (about half the cost) and no cancellation in 1 + tanh u for negative x.
/// dy/dx = s + x·2s(1 − s)·u′, u′ = √(2/π)(1 + 3·0.044715x²).
/// One pass over the data, in AVX-512 or AVX lanes with a scalar tail that does the same operations
/// (<see cref="VectorMath"/>), so an element's result does not depend on how the range is split.
/// </summary>
public static class Gelu
{
    /// <summary>Fewest elements a thread takes: below this, waking another costs more than it saves.</summary>
    private const int Grain = 16384;
    private const float K1 = 0.044715f;
    private static readonly float K0 = MathF.Sqrt(2f / MathF.PI);

    public static void Forward(float[] output, float[] input, int length, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Math.Min(input.Length, output.Length));
        ParallelLoop.ForRanges(length, threads, Grain, (start, end) => Forward(input.AsSpan(start, end - start), output.AsSpan(start, end - start)));
    }

    /// <summary>dinput = dout · gelu'(input); dinput may be the same array as dout.</summary>
    public static void Backward(float[] dinput, float[] input, float[] dout, int length, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Math.Min(input.Length, Math.Min(dout.Length, dinput.Length)));
        ParallelLoop.ForRanges(length, threads, Grain, (start, end) =>
            Backward(input.AsSpan(start, end - start), dout.AsSpan(start, end - start), dinput.AsSpan(start, end - start)));
    }

    private static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var k0 = Vector512.Create(-2 * K0);
            var k1 = Vector512.Create(K1);
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var xv = Vector512.Create(x.Slice(i, Vector512<float>.Count));
                var e = VectorMath.Exp(xv * k0 * (Vector512<float>.One + (xv * xv * k1)));
                (xv / (Vector512<float>.One + e)).CopyTo(y.Slice(i, Vector512<float>.Count));
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var k0 = Vector256.Create(-2 * K0);
            var k1 = Vector256.Create(K1);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var xv = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                var e = VectorMath.Exp(xv * k0 * (Vector256<float>.One + (xv * xv * k1)));
                (xv / (Vector256<float>.One + e)).CopyTo(y.Slice(i, Vector256<float>.Count));
            }
        }

        for (; i < x.Length; i++)
        {
            float xi = x[i];
            y[i] = xi / (1f + VectorMath.Exp(xi * (-2 * K0) * (1f + (xi * xi * K1))));
        }
    }

    private static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> d)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var k0 = Vector512.Create(-2 * K0);
            var k1 = Vector512.Create(K1);
            var k3 = Vector512.Create(3 * K1);
            var k2 = Vector512.Create(2 * K0);
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var xv = Vector512.Create(x.Slice(i, Vector512<float>.Count));
                var e = VectorMath.Exp(xv * k0 * (Vector512<float>.One + (xv * xv * k1)));
                var s = Vector512<float>.One / (Vector512<float>.One + e);
                var du = (Vector512<float>.One + (xv * xv * k3)) * k2;
                var grad = s + (xv * s * (Vector512<float>.One - s) * du);
                (grad * Vector512.Create(g.Slice(i, Vector512<float>.Count))).CopyTo(d.Slice(i, Vector512<float>.Count));
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var k0 = Vector256.Create(-2 * K0);
            var k1 = Vector256.Create(K1);
            var k3 = Vector256.Create(3 * K1);
            var k2 = Vector256.Create(2 * K0);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var xv = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                var e = VectorMath.Exp(xv * k0 * (Vector256<float>.One + (xv * xv * k1)));
                var s = Vector256<float>.One / (Vector256<float>.One + e);
                var du = (Vector256<float>.One + (xv * xv * k3)) * k2;
                var grad = s + (xv * s * (Vector256<float>.One - s) * du);
                (grad * Vector256.Create(g.Slice(i, Vector256<float>.Count))).CopyTo(d.Slice(i, Vector256<float>.Count));
            }
        }

        for (; i < x.Length; i++)
        {
            float xi = x[i];
            float s = 1f / (1f + VectorMath.Exp(xi * (-2 * K0) * (1f + (xi * xi * K1))));
            float du = (1f + (xi * xi * (3 * K1))) * (2 * K0);
            d[i] = (s + (xi * s * (1f - s) * du)) * g[i];
        }
    }
}
