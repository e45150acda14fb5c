using Unlearning.Tensors.Backends;
using Unlearning.Tensors.Buffers;
using Unlearning.Tensors.Kernels;

namespace Unlearning.Core.Model;

/// <summary>
/// GPT-2 forward and backward passes composed from <see cref="IBackend"/> kernels (llm.c's layout).
/// N = B·T rows; per block l: ln1 = LN(r_in); qkv = ln1·W_attn + b; y = attention(qkv);
/// r2 = r_in + y·W_proj + b; ln2 = LN(r2); h = gelu(ln2·W_fc + b); r3 = r2 + h·W_mproj + b;
/// then lnf = LN(r3_last), logits = lnf·wteᵀ. Owns the activation buffers for one (B, T) and
/// reuses them across calls: an instance is not thread-safe, and callers (Trainer, Evaluator)
/// never expose it. The weights given are only read.
/// </summary>
public sealed class Gpt2Network
{
    private readonly IBackend _backend;
    private Activations? _activations;

    public Gpt2Network(Gpt2Config config, IBackend backend)
    {
        Config = config;
        _backend = backend;
    }

    public Gpt2Config Config { get; }

    public IBackend Backend => _backend;

    /// <summary>
    /// Forward pass and softmax cross-entropy: logProbs [B·T] receives ln p(target) per token, the logits
    /// are kept (for <see cref="SeedLossGradient"/> after a training pass); stats (top-1, mean/std of ln p) when given.
    /// </summary>
    public void Forward(Gpt2Weights w, TokenBatch batch, float[] logProbs, bool training, TokenStats? stats = null)
    {
        var a = Workspace(batch.Batch, batch.Length, training);
        var c = Config;
        var be = _backend;
        float eps = (float)c.LayerNormEpsilon;
        be.EmbeddingForward(a.Encoded, batch.Inputs, w.Tensor(0), w.Tensor(1), batch.Length);
        for (int l = 0; l < c.NLayer; l++)
        {
            var s = a.Layers[l % a.Layers.Length];
            var input = l == 0 ? a.Encoded : a.Layers[(l - 1) % a.Layers.Length].Resid3;
            int p = Gpt2Weights.LayerIndex(l, 0);
            be.LayerNormForward(s.Ln1, s.Ln1Mean, s.Ln1Rstd, input, w.Tensor(p), w.Tensor(p + 1), eps);
            be.LinearForward(s.Qkv, s.Ln1, w.Tensor(p + 2), w.Tensor(p + 3));
            be.AttentionForward(s.AttY, s.Probs, s.Qkv, batch.Length, c.NHead);
            be.LinearForward(s.Resid2, s.AttY, w.Tensor(p + 4), w.Tensor(p + 5), input);
            be.LayerNormForward(s.Ln2, s.Ln2Mean, s.Ln2Rstd, s.Resid2, w.Tensor(p + 6), w.Tensor(p + 7), eps);
            be.LinearForward(s.Fc, s.Ln2, w.Tensor(p + 8), w.Tensor(p + 9));
            be.GeluForward(s.FcGelu, s.Fc);
            be.LinearForward(s.Resid3, s.FcGelu, w.Tensor(p + 10), w.Tensor(p + 11), s.Resid2);
        }

        int f = Gpt2Weights.LnFWeight(c);
        var last = a.Layers[(c.NLayer - 1) % a.Layers.Length].Resid3;
        be.LayerNormForward(a.LnF, a.LnFMean, a.LnFRstd, last, w.Tensor(f), w.Tensor(f + 1), eps);
        be.LmHeadForward(a.Logits, a.LnF, w.Tensor(0));
        be.CrossEntropy(a.Logits, batch.Targets, logProbs, stats);
    }

    /// <summary>
    /// After a training <see cref="Forward"/>: the per-row losses of the soft rows r ≥ <paramref name="softFrom"/>,
    /// losses[r − softFrom] = KL(exp(logTargets row) ‖ p_θ(·|row)) (logTargets [(B·T − softFrom), V]).
    /// </summary>
    public void SoftLosses(Tensor logTargets, float[] losses, int softFrom) =>
        _backend.SoftCrossEntropy(Trained().Logits, logTargets, losses, softFrom);

    /// <summary>
    /// Seeds the backward pass (llm.c's dlosses): dlosses [B·T] = ∂J/∂ℓ_r for the row losses ℓ_r (−ln p(target),
    /// or the KL of <see cref="SoftLosses"/> from <paramref name="softFrom"/> on); the logits become ∂J/∂logits.
    /// </summary>
    public void SeedLossGradient(TokenBatch batch, float[] dlosses, Tensor? logTargets = null, int softFrom = int.MaxValue) =>
        _backend.CrossEntropyBackward(Trained(batch).Logits, batch.Targets, dlosses, logTargets, softFrom);

    /// <summary>ln softmax of the last non-training forward pass's logits, in place: [B·T, V].</summary>
    internal Tensor LastLogSoftmax()
    {
        var logits = LastLogits;
        _backend.LogSoftmax(logits);
        return logits;
    }

    /// <summary>
    /// Backward pass after a training <see cref="Forward"/> on the same batch and <see cref="SeedLossGradient"/>:
    /// every tensor of <paramref name="grads"/> is overwritten with ∂J/∂θ.
    /// </summary>
    public void Backward(Gpt2Weights w, TokenBatch batch, Gpt2Weights grads)
    {
        var a = Trained(batch);

        var c = Config;
        var be = _backend;
        int f = Gpt2Weights.LnFWeight(c);
        var last = a.Layers[c.NLayer - 1].Resid3;

        // logits now hold dlogits; dwte is written here first and the embedding adds to it last.
        be.LmHeadBackward(a.DC, grads.Tensor(0), a.Logits, a.LnF, w.Tensor(0));
        Array.Clear(a.DResidual.Data);
        be.LayerNormBackward(a.DResidual, grads.Tensor(f), grads.Tensor(f + 1), a.DC, last, w.Tensor(f), a.LnFMean, a.LnFRstd);
        for (int l = c.NLayer - 1; l >= 0; l--)
        {
            var s = a.Layers[l];
            var input = l == 0 ? a.Encoded : a.Layers[l - 1].Resid3;
            int p = Gpt2Weights.LayerIndex(l, 0);

            // r3 = r2 + gelu(fc)·W_mproj + b: dr3 flows to r2 unchanged and into the MLP.
            be.LinearBackward(a.D4C, grads.Tensor(p + 10), grads.Tensor(p + 11), a.DResidual, s.FcGelu, w.Tensor(p + 10));
            be.GeluBackward(a.D4C, s.Fc, a.D4C);
            be.LinearBackward(a.DC, grads.Tensor(p + 8), grads.Tensor(p + 9), a.D4C, s.Ln2, w.Tensor(p + 8));
            be.LayerNormBackward(a.DResidual, grads.Tensor(p + 6), grads.Tensor(p + 7), a.DC, s.Resid2, w.Tensor(p + 6), s.Ln2Mean, s.Ln2Rstd);

            // r2 = r_in + y·W_proj + b.
            be.LinearBackward(a.DC, grads.Tensor(p + 4), grads.Tensor(p + 5), a.DResidual, s.AttY, w.Tensor(p + 4));
            be.AttentionBackward(a.D3C, a.DC, s.Probs, s.Qkv, batch.Length, c.NHead);
            be.LinearBackward(a.DC, grads.Tensor(p + 2), grads.Tensor(p + 3), a.D3C, s.Ln1, w.Tensor(p + 2));
            be.LayerNormBackward(a.DResidual, grads.Tensor(p), grads.Tensor(p + 1), a.DC, input, w.Tensor(p), s.Ln1Mean, s.Ln1Rstd);
        }

        Array.Clear(grads[1]);
        be.EmbeddingBackward(grads.Tensor(0), grads.Tensor(1), a.DResidual, batch.Inputs, batch.Length);
    }

    private Activations Trained(TokenBatch? batch = null)
    {
        var a = _activations ?? throw new InvalidOperationException("a training Forward must come first");
        if (!a.Training || (batch is not null && (a.B != batch.Batch || a.T != batch.Length)))
        {
            throw new InvalidOperationException("a training Forward on a batch of the same shape must come first");
        }

        return a;
    }

    /// <summary>The logits [B·T, V] of the last non-training forward pass (overwritten by the next call).</summary>
    internal Tensor LastLogits => _activations?.Logits ?? throw new InvalidOperationException("no forward pass yet");

    private Activations Workspace(int b, int t, bool training)
    {
        if (_activations is { } a && a.B == b && a.T == t && a.Training == training)
        {
            return a;
        }

        _activations = null; // let the old buffers go before allocating the new ones
        _activations = new Activations(Config, b, t, training);
        return _activations;
    }

    /// <summary>Activation buffers for one (B, T); an evaluation workspace keeps one block's worth.</summary>
    private sealed class Activations
    {
        public Activations(Gpt2Config c, int b, int t, bool training)
        {
            B = b;
            T = t;
            Training = training;
            int n = b * t;
            int e = c.NEmbd;
            Encoded = Tensor.Zeros(n, e);
            Layers = new Block[training ? c.NLayer : Math.Min(2, c.NLayer)];
            for (int l = 0; l < Layers.Length; l++)
            {
                Layers[l] = new Block(n, e, b, c.NHead, t);
            }

            LnF = Tensor.Zeros(n, e);
            LnFMean = Tensor.Zeros(n);
            LnFRstd = Tensor.Zeros(n);
            Logits = Tensor.Zeros(n, c.VocabSize);
            if (training)
            {
                DResidual = Tensor.Zeros(n, e);
                DC = Tensor.Zeros(n, e);
                D3C = Tensor.Zeros(n, 3 * e);
                D4C = Tensor.Zeros(n, 4 * e);
            }
            else
            {
                DResidual = DC = D3C = D4C = Tensor.Zeros(0);
            }
        }

        public int B { get; }

        public int T { get; }

        public bool Training { get; }

        public Tensor Encoded { get; }

        public Block[] Layers { get; }

        public Tensor LnF { get; }

        public Tensor LnFMean { get; }

        public Tensor LnFRstd { get; }

        public Tensor Logits { get; }

        public Tensor DResidual { get; }

        public Tensor DC { get; }

        public Tensor D3C { get; }

        public Tensor D4C { get; }
    }

    private sealed class Block(int n, int e, int b, int heads, int t)
    {
        public Tensor Ln1 { get; } = Tensor.Zeros(n, e);

        public Tensor Ln1Mean { get; } = Tensor.Zeros(n);

        public Tensor Ln1Rstd { get; } = Tensor.Zeros(n);

        public Tensor Qkv { get; } = Tensor.Zeros(n, 3 * e);

        public Tensor AttY { get; } = Tensor.Zeros(n, e);

        public Tensor Probs { get; } = Tensor.Zeros(b, heads, t, t);

        public Tensor Resid2 { get; } = Tensor.Zeros(n, e);

        public Tensor Ln2 { get; } = Tensor.Zeros(n, e);

        public Tensor Ln2Mean { get; } = Tensor.Zeros(n);

        public Tensor Ln2Rstd { get; } = Tensor.Zeros(n);

        public Tensor Fc { get; } = Tensor.Zeros(n, 4 * e);

        public Tensor FcGelu { get; } = Tensor.Zeros(n, 4 * e);

        public Tensor Resid3 { get; } = Tensor.Zeros(n, e);
    }
}
