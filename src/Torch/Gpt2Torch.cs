using TorchSharp;
using Unlearning.Core.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Unlearning.Torch;

/// <summary>
/// A GPT-2 parameter set as one flat float32 vector: tensor i of <see cref="Gpt2Config.Parameters"/>
/// (HF names and layouts) is elements [Offsets[i], Offsets[i] + Counts[i]) in row-major order.
/// </summary>
internal sealed class FlatLayout
{
    public FlatLayout(Gpt2Config config)
    {
        Config = config;
        Specs = config.Parameters();
        Offsets = new long[Specs.Count];
        Counts = new long[Specs.Count];
        long at = 0;
        for (int i = 0; i < Specs.Count; i++)
        {
            Offsets[i] = at;
            Counts[i] = Specs[i].ElementCount;
            at += Counts[i];
        }

        Total = at;
    }

    public Gpt2Config Config { get; }

    public IReadOnlyList<ParameterSpec> Specs { get; }

    public long[] Offsets { get; }

    public long[] Counts { get; }

    public long Total { get; }

    /// <summary>The arrays of <paramref name="w"/> concatenated, on <paramref name="device"/>.</summary>
    public Tensor Upload(Gpt2Weights w, Device device)
    {
        var flat = new float[Total];
        for (int i = 0; i < Specs.Count; i++)
        {
            w[i].CopyTo(flat, Offsets[i]);
        }

        using var host = tensor(flat);
        return host.to(device, copy: true);
    }

    /// <summary>One array per parameter, copied from a flat tensor (wherever it lives).</summary>
    public IReadOnlyList<float[]> Download(Tensor flat)
    {
        using var host = flat.detach().to(ScalarType.Float32).cpu();
        var all = host.data<float>().ToArray();
        var arrays = new float[Specs.Count][];
        for (int i = 0; i < Specs.Count; i++)
        {
            arrays[i] = new float[Counts[i]];
            Array.Copy(all, Offsets[i], arrays[i], 0, Counts[i]);
        }

        return arrays;
    }

    /// <summary>1 on the elements of rank-≥2 tensors (embeddings, weight matrices), 0 elsewhere: where AdamW's weight decay applies.</summary>
    public Tensor DecayMask(Device device)
    {
        var mask = new float[Total];
        for (int i = 0; i < Specs.Count; i++)
        {
            if (Specs[i].Shape.Length >= 2)
            {
                Array.Fill(mask, 1f, (int)Offsets[i], (int)Counts[i]);
            }
        }

        using var host = tensor(mask);
        return host.to(device, copy: true);
    }
}

/// <summary>
/// GPT-2's forward pass in LibTorch ops, from a flat parameter vector (views into it, so autograd
/// delivers the gradient as one flat vector too). Per block: x += proj(attn(LN1(x))); x += mlp(LN2(x)),
/// causal attention by scaled_dot_product_attention, GELU tanh, LayerNorm eps from the config,
/// logits = LN_f(x)·wteᵀ (tied embeddings).
/// </summary>
internal static class Gpt2Torch
{
    /// <summary>Logits [B·T, V] for inputs [B, T] (int64), computed in <paramref name="compute"/> (float32 or bfloat16).</summary>
    public static Tensor Logits(FlatLayout layout, Tensor flat, Tensor inputs, ScalarType compute)
    {
        var c = layout.Config;
        long b = inputs.shape[0];
        long t = inputs.shape[1];
        long e = c.NEmbd;
        long h = c.NHead;
        var p = compute == flat.dtype ? flat : flat.to(compute);
        Tensor P(int i) => p.narrow(0, layout.Offsets[i], layout.Counts[i]).view([.. layout.Specs[i].Shape.Select(d => (long)d)]);
        double eps = c.LayerNormEpsilon;
        long[] normalized = [e];

        var x = P(0).index_select(0, inputs.reshape(-1)).view(b, t, e) + P(1).narrow(0, 0, t);
        for (int l = 0; l < c.NLayer; l++)
        {
            int k = Gpt2Weights.LayerIndex(l, 0);
            var ln1 = F.layer_norm(x, normalized, P(k), P(k + 1), eps).view(b * t, e);
            var qkv = addmm(P(k + 3), ln1, P(k + 2), 1, 1).view(b, t, 3, h, e / h).permute(2, 0, 3, 1, 4);
            var y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: true);
            y = y.transpose(1, 2).reshape(b * t, e);
            x = x + addmm(P(k + 5), y, P(k + 4), 1, 1).view(b, t, e);
            var ln2 = F.layer_norm(x, normalized, P(k + 6), P(k + 7), eps).view(b * t, e);
            var fc = F.gelu(addmm(P(k + 9), ln2, P(k + 8), 1, 1), TorchSharp.Modules.GELU.Approximate.tanh, false);
            x = x + addmm(P(k + 11), fc, P(k + 10), 1, 1).view(b, t, e);
        }

        int f = Gpt2Weights.LnFWeight(c);
        var last = F.layer_norm(x, normalized, P(f), P(f + 1), eps).view(b * t, e);
        return last.matmul(P(0).t());
    }

    /// <summary>ln p(target) per token [B·T], float32, from logits [B·T, V].</summary>
    public static Tensor TargetLogProbs(Tensor logProbs, Tensor targets) =>
        logProbs.gather(1, targets.reshape(-1, 1)).squeeze(1);

    public static Tensor Tokens(int[] ids, long batch, long length, Device device)
    {
        using var host = tensor(ids.Select(i => (long)i).ToArray());
        return host.view(batch, length).to(device, copy: true);
    }
}

/// <summary>A flat vector on an engine's device, the resident copy behind deferred <see cref="Gpt2Weights"/>.</summary>
internal sealed class ResidentFlat(TorchEngine owner, Tensor flat)
{
    public TorchEngine Owner { get; } = owner;

    public Tensor Flat { get; } = flat;

    public static Gpt2Weights Wrap(TorchEngine owner, FlatLayout layout, Tensor flat)
    {
        var resident = new ResidentFlat(owner, flat);
        return Gpt2Weights.Deferred(layout.Config, resident, () => layout.Download(flat));
    }

    /// <summary>The engine's flat vector for these weights: the resident one when it is the engine's own, else a new upload (the caller disposes it).</summary>
    public static (Tensor Flat, bool Owned) Of(TorchEngine engine, FlatLayout layout, Gpt2Weights w) =>
        w.Resident is ResidentFlat r && ReferenceEquals(r.Owner, engine) && !r.Flat.IsInvalid
            ? (r.Flat, false)
            : (layout.Upload(w, engine.Device), true);
}
