using System.Numerics.Tensors;
using Unlearning.Tensors.Parallelism;

namespace Unlearning.Tensors.Kernels;

/// <summary>Residual add y = a + b; its backward passes dy unchanged to both inputs (da += dy, db += dy).</summary>
public static class Residual
{
    private const int Chunk = 4096;

    public static void Forward(float[] output, float[] a, float[] b, int length, int threads) =>
        Chunks(length, threads, (off, w) => TensorPrimitives.Add(a.AsSpan(off, w), b.AsSpan(off, w), output.AsSpan(off, w)));

    /// <summary>dinput += dout, for each input of the add.</summary>
    public static void Backward(float[] dinput, float[] dout, int length, int threads) =>
        Chunks(length, threads, (off, w) => TensorPrimitives.Add(dinput.AsSpan(off, w), dout.AsSpan(off, w), dinput.AsSpan(off, w)));

    private static void Chunks(int length, int threads, Action<int, int> body)
    {
        int chunks = (length + Chunk - 1) / Chunk;
        ParallelLoop.ForRanges(chunks, threads, 4, (start, end) =>
        {
            for (int ch = start; ch < end; ch++)
            {
                int off = ch * Chunk;
                body(off, Math.Min(Chunk, length - off));
            }
        });
    }
}
