using Unlearning.Tensors.Buffers;
using Unlearning.Tensors.Kernels;

namespace Unlearning.Tensors.Backends;

/// <summary>The CPU kernels of <see cref="Kernels"/> on managed arrays, with a fixed thread count.</summary>
public sealed class CpuBackend : IBackend
{
    public CpuBackend(int threads)
    {
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be at least 1, found {threads}");
        }

        Threads = threads;
    }

    public string Name => "cpu";

    public int Threads { get; }

    public void EmbeddingForward(Tensor output, int[] tokens, Tensor wte, Tensor wpe, int t)
    {
        int c = Last(wte);
        Embedding.Forward(output.Data, tokens, wte.Data, wpe.Data, tokens.Length / t, t, c, Threads);
    }

    public void EmbeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, int[] tokens, int t)
    {
        int c = Last(dwte);
        Embedding.Backward(dwte.Data, dwpe.Data, dout.Data, tokens, tokens.Length / t, t, c, Threads);
    }

    public void LayerNormForward(Tensor output, Tensor? mean, Tensor? rstd, Tensor input, Tensor weight, Tensor bias, float eps)
    {
        int c = weight.Length;
        LayerNorm.Forward(output.Data, mean?.Data, rstd?.Data, input.Data, weight.Data, bias.Data, input.Length / c, c, eps, Threads);
    }

    public void LayerNormBackward(Tensor dinput, Tensor dweight, Tensor dbias, Tensor dout, Tensor input, Tensor weight, Tensor mean, Tensor rstd)
    {
        int c = weight.Length;
        LayerNorm.Backward(dinput.Data, dweight.Data, dbias.Data, dout.Data, input.Data, weight.Data, mean.Data, rstd.Data, input.Length / c, c, Threads);
    }

    public void LinearForward(Tensor output, Tensor input, Tensor weight, Tensor? bias, Tensor? residual = null)
    {
        int c = weight.Shape[0];
        int oc = weight.Shape[1];
        Linear.Forward(output.Data, input.Data, weight.Data, bias?.Data, input.Length / c, c, oc, Threads, residual?.Data);
    }

    public void LinearBackward(Tensor? dinput, Tensor dweight, Tensor? dbias, Tensor dout, Tensor input, Tensor weight)
    {
        int c = weight.Shape[0];
        int oc = weight.Shape[1];
        Linear.Backward(dinput?.Data, dweight.Data, dbias?.Data, dout.Data, input.Data, weight.Data, input.Length / c, c, oc, Threads);
    }

    public void AttentionForward(Tensor y, Tensor probs, Tensor qkv, int t, int heads)
    {
        int c = Last(y);
        Attention.Forward(y.Data, probs.Data, qkv.Data, y.Length / c / t, t, c, heads, Threads);
    }

    public void AttentionBackward(Tensor dqkv, Tensor dy, Tensor probs, Tensor qkv, int t, int heads)
    {
        int c = Last(dy);
        Attention.Backward(dqkv.Data, dy.Data, probs.Data, qkv.Data, dy.Length / c / t, t, c, heads, Threads);
    }

    public void GeluForward(Tensor output, Tensor input) => Gelu.Forward(output.Data, input.Data, input.Length, Threads);

    public void GeluBackward(Tensor dinput, Tensor input, Tensor dout) => Gelu.Backward(dinput.Data, input.Data, dout.Data, input.Length, Threads);

    public void ResidualForward(Tensor output, Tensor a, Tensor b) => Residual.Forward(output.Data, a.Data, b.Data, a.Length, Threads);

    public void ResidualBackward(Tensor dinput, Tensor dout) => Residual.Backward(dinput.Data, dout.Data, dout.Length, Threads);

    public void LmHeadForward(Tensor logits, Tensor input, Tensor wte)
    {
        int v = wte.Shape[0];
        int c = wte.Shape[1];
        int n = input.Length / c;
        LinearAlgebra.Gemm.Multiply(false, true, n, v, c, 1f, input.Data, 0, c, wte.Data, 0, c, 0f, logits.Data, 0, v, Threads);
    }

    public void LmHeadBackward(Tensor dinput, Tensor dwte, Tensor dlogits, Tensor input, Tensor wte)
    {
        int v = wte.Shape[0];
        int c = wte.Shape[1];
        int n = input.Length / c;
        LinearAlgebra.Gemm.Multiply(false, false, n, c, v, 1f, dlogits.Data, 0, v, wte.Data, 0, c, 0f, dinput.Data, 0, c, Threads);
        LinearAlgebra.Gemm.Multiply(true, false, v, c, n, 1f, dlogits.Data, 0, v, input.Data, 0, c, 0f, dwte.Data, 0, c, Threads);
    }

    public void CrossEntropy(Tensor logits, int[] targets, float[] logProbs, TokenStats? stats) =>
        Kernels.CrossEntropy.Forward(logits.Data, targets, logProbs, targets.Length, Last(logits), Threads, stats);

    public void CrossEntropyBackward(Tensor logits, int[] targets, float[] dlosses, Tensor? logTargets, int softFrom) =>
        Kernels.CrossEntropy.Backward(logits.Data, targets, dlosses, targets.Length, Last(logits), Threads, logTargets?.Data, softFrom);

    public void SoftCrossEntropy(Tensor logits, Tensor logTargets, float[] losses, int from)
    {
        int v = Last(logits);
        Kernels.CrossEntropy.SoftLoss(logits.Data, logTargets.Data, losses, from, logits.Length / v, v, Threads);
    }

    public void LogSoftmax(Tensor logits)
    {
        int v = Last(logits);
        Kernels.CrossEntropy.LogSoftmax(logits.Data, logits.Length / v, v, Threads);
    }

    public double SumOfSquares(Tensor x) => Optimizers.SumOfSquares(x.Data, Threads);

    public void AdamW(Tensor theta, Tensor m, Tensor v, Tensor grad, Tensor thetaOut, Tensor mOut, Tensor vOut,
        float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, int step) =>
        Optimizers.AdamW(theta.Data, m.Data, v.Data, grad.Data, thetaOut.Data, mOut.Data, vOut.Data,
            gradScale, lr, beta1, beta2, eps, weightDecay, step, Threads);

    public void Sgd(Tensor theta, Tensor? velocity, Tensor grad, Tensor thetaOut, Tensor? velocityOut, float gradScale, float lr, float momentum) =>
        Optimizers.Sgd(theta.Data, velocity?.Data, grad.Data, thetaOut.Data, velocityOut?.Data, gradScale, lr, momentum, Threads);

    private static int Last(Tensor x) => x.Shape[x.Rank - 1];
}
