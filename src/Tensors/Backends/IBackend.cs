using Unlearning.Tensors.Buffers;
using Unlearning.Tensors.Kernels;

namespace Unlearning.Tensors.Backends;

/// <summary>
/// Every kernel the GPT-2 model needs, on <see cref="Tensor"/> buffers. The model is written only
/// against this interface, so a CUDA backend (device buffers behind the same Tensor handles) can
/// replace the CPU one without the model changing. Row counts come from the buffers' shapes: an
/// activation [N, C] has N = Length / C. Backward methods overwrite gradients of activations and
/// of weights unless the name or a flag says they accumulate.
/// </summary>
public interface IBackend
{
    string Name { get; }

    /// <summary>Worker threads every kernel uses.</summary>
    int Threads { get; }

    /// <summary>output [B·T, C] = wte[tokens] + wpe[t].</summary>
    void EmbeddingForward(Tensor output, int[] tokens, Tensor wte, Tensor wpe, int t);

    /// <summary>dwte, dwpe += scatter of dout [B·T, C] (accumulates).</summary>
    void EmbeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, int[] tokens, int t);

    /// <summary>output [N, C] = LayerNorm(input); mean, rstd [N] kept when not null.</summary>
    void LayerNormForward(Tensor output, Tensor? mean, Tensor? rstd, Tensor input, Tensor weight, Tensor bias, float eps);

    /// <summary>dinput += ∂/∂input; dweight, dbias overwritten.</summary>
    void LayerNormBackward(Tensor dinput, Tensor dweight, Tensor dbias, Tensor dout, Tensor input, Tensor weight, Tensor mean, Tensor rstd);

    /// <summary>output [N, OC] = input [N, C] · weight [C, OC] + bias (+ residual [N, OC]).</summary>
    void LinearForward(Tensor output, Tensor input, Tensor weight, Tensor? bias, Tensor? residual = null);

    /// <summary>dinput = dout·Wᵀ (skipped when null), dweight = inputᵀ·dout, dbias = Σ rows of dout.</summary>
    void LinearBackward(Tensor? dinput, Tensor dweight, Tensor? dbias, Tensor dout, Tensor input, Tensor weight);

    /// <summary>y [B·T, C], probs [B, H, T, T] from qkv [B·T, 3C], causal.</summary>
    void AttentionForward(Tensor y, Tensor probs, Tensor qkv, int t, int heads);

    /// <summary>dqkv [B·T, 3C] (overwritten) from dy [B·T, C].</summary>
    void AttentionBackward(Tensor dqkv, Tensor dy, Tensor probs, Tensor qkv, int t, int heads);

    void GeluForward(Tensor output, Tensor input);

    /// <summary>dinput = dout·gelu'(input); dinput may be dout.</summary>
    void GeluBackward(Tensor dinput, Tensor input, Tensor dout);

    void ResidualForward(Tensor output, Tensor a, Tensor b);

    /// <summary>dinput += dout (one input of an add).</summary>
    void ResidualBackward(Tensor dinput, Tensor dout);

    /// <summary>Tied LM head: logits [N, V] = input [N, C] · wteᵀ.</summary>
    void LmHeadForward(Tensor logits, Tensor input, Tensor wte);

    /// <summary>dinput = dlogits·wte; dwte = dlogitsᵀ·input (overwritten: call before the embedding's backward).</summary>
    void LmHeadBackward(Tensor dinput, Tensor dwte, Tensor dlogits, Tensor input, Tensor wte);

    /// <summary>logProbs [N] = ln p(target), the logits kept. Stats (top-1, mean and std of ln p) when not null.</summary>
    void CrossEntropy(Tensor logits, int[] targets, float[] logProbs, TokenStats? stats);

    /// <summary>
    /// Seeded with dlosses [N] = ∂J/∂ℓ_r (ℓ_r the row's loss), logits become dlosses[r]·(softmax − q_r): q_r is
    /// onehot(target) before <paramref name="softFrom"/> and exp(logTargets row) from there on.
    /// </summary>
    void CrossEntropyBackward(Tensor logits, int[] targets, float[] dlosses, Tensor? logTargets, int softFrom);

    /// <summary>losses[r − from] = KL(exp(logTargets row) ‖ softmax(logits[r])) for the rows from <paramref name="from"/> on; logits kept.</summary>
    void SoftCrossEntropy(Tensor logits, Tensor logTargets, float[] losses, int from);

    /// <summary>Rows of logits [N, V] replaced by their log-softmax.</summary>
    void LogSoftmax(Tensor logits);

    double SumOfSquares(Tensor x);

    void AdamW(Tensor theta, Tensor m, Tensor v, Tensor grad, Tensor thetaOut, Tensor mOut, Tensor vOut,
        float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, int step);

    void Sgd(Tensor theta, Tensor? velocity, Tensor grad, Tensor thetaOut, Tensor? velocityOut, float gradScale, float lr, float momentum);
}
