using Unlearning.Core.Model;
using Unlearning.Tensors.Randomness;

namespace Unlearning.Torch;

/// <summary>What SPEC §11's engine parity checks share (tests/Properties/Engines on CPU, bench/TorchBench on CUDA).</summary>
public static class EngineParity
{
    /// <summary>
    /// GPT-2 weights of <paramref name="config"/> and a random batch: HF's initialisation with the
    /// matrices scaled 15× (std 0.3, so pre-activations are O(1) and GELU's tanh form, LayerNorm's ε and
    /// the attention scale all show in the outputs), then N(0, 0.1²) noise on every bias and LayerNorm
    /// weight so none is trivial.
    /// </summary>
    public static (Gpt2Weights Weights, int[][] Batch) RandomCase(Gpt2Config config, int batch, int length, ulong seed)
    {
        var w = Gpt2Weights.Init(config, seed);
        var rng = GaussianRng.ForStream(seed, 999);
        for (int i = 0; i < w.Count; i++)
        {
            if (w.Specs[i].Shape.Length == 2)
            {
                for (int j = 0; j < w[i].Length; j++)
                {
                    w[i][j] *= 15f;
                }
            }
            else
            {
                var noise = new float[w[i].Length];
                rng.FillNormal(noise, 0, 0.1);
                for (int j = 0; j < noise.Length; j++)
                {
                    w[i][j] += noise[j];
                }
            }
        }

        var random = new Random((int)(seed % int.MaxValue));
        return (w, [.. Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, length).Select(_ => random.Next(config.VocabSize)).ToArray())]);
    }

    /// <summary>‖a − b‖₂ / ‖a‖₂, in double.</summary>
    public static double Relative(float[] a, float[] b)
    {
        double num = 0, den = 0;
        for (int i = 0; i < a.Length; i++)
        {
            num += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
            den += (double)a[i] * a[i];
        }

        return Math.Sqrt(num) / Math.Max(Math.Sqrt(den), 1e-30);
    }
}
