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

    /// <summary>
    /// The house's closeness of two tensors (as tests/Properties/Model/PyTorchParity): the largest
    /// element-wise difference over the largest element of <paramref name="a"/>,
    /// ‖a − b‖∞ / ‖a‖∞ (a tensor of zeros against zeros: 0). Per tensor, so a gradient whose terms
    /// cancel is not held to float32 precision relative to the small sum.
    /// </summary>
    public static double Relative(float[] a, float[] b)
    {
        double worst = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
            scale = Math.Max(scale, Math.Abs((double)a[i]));
        }

        return worst == 0 ? 0 : worst / Math.Max(scale, 1e-30);
    }
}
