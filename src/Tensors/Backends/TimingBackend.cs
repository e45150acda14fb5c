using System.Diagnostics;
using Unlearning.Tensors.Buffers;
using Unlearning.Tensors.Kernels;

namespace Unlearning.Tensors.Backends;

/// <summary>
/// Wraps a backend and adds up wall time per kernel (for profiles: bench/EngineBench profile).
/// Backend calls are synchronous on the CPU, so the time of a call is the kernel's time.
/// </summary>
public sealed class TimingBackend(IBackend inner) : IBackend
{
    private readonly Dictionary<string, (double Ms, long Calls)> _totals = [];

    public string Name => inner.Name + "+timing";

    public int Threads => inner.Threads;

    public IReadOnlyDictionary<string, (double Ms, long Calls)> Totals => _totals;

    public void Reset() => _totals.Clear();

    public void EmbeddingForward(Tensor output, int[] tokens, Tensor wte, Tensor wpe, int t) =>
        Time("embedding fwd", () => inner.EmbeddingForward(output, tokens, wte, wpe, t));

    public void EmbeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, int[] tokens, int t) =>
        Time("embedding bwd", () => inner.EmbeddingBackward(dwte, dwpe, dout, tokens, t));

    public void LayerNormForward(Tensor output, Tensor? mean, Tensor? rstd, Tensor input, Tensor weight, Tensor bias, float eps) =>
        Time("layernorm fwd", () => inner.LayerNormForward(output, mean, rstd, input, weight, bias, eps));

    public void LayerNormBackward(Tensor dinput, Tensor dweight, Tensor dbias, Tensor dout, Tensor input, Tensor weight, Tensor mean, Tensor rstd) =>
        Time("layernorm bwd", () => inner.LayerNormBackward(dinput, dweight, dbias, dout, input, weight, mean, rstd));

    public void LinearForward(Tensor output, Tensor input, Tensor weight, Tensor? bias, Tensor? residual = null) =>
        Time("linear fwd", () => inner.LinearForward(output, input, weight, bias, residual));

    public void LinearBackward(Tensor? dinput, Tensor dweight, Tensor? dbias, Tensor dout, Tensor input, Tensor weight) =>
        Time("linear bwd", () => inner.LinearBackward(dinput, dweight, dbias, dout, input, weight));

    public void AttentionForward(Tensor y, Tensor probs, Tensor qkv, int t, int heads) =>
        Time("attention fwd", () => inner.AttentionForward(y, probs, qkv, t, heads));

    public void AttentionBackward(Tensor dqkv, Tensor dy, Tensor probs, Tensor qkv, int t, int heads) =>
        Time("attention bwd", () => inner.AttentionBackward(dqkv, dy, probs, qkv, t, heads));

    public void GeluForward(Tensor output, Tensor input) => Time("gelu fwd", () => inner.GeluForward(output, input));

    public void GeluBackward(Tensor dinput, Tensor input, Tensor dout) => Time("gelu bwd", () => inner.GeluBackward(dinput, input, dout));

    public void ResidualForward(Tensor output, Tensor a, Tensor b) => Time("residual fwd", () => inner.ResidualForward(output, a, b));

    public void ResidualBackward(Tensor dinput, Tensor dout) => Time("residual bwd", () => inner.ResidualBackward(dinput, dout));

    public void LmHeadForward(Tensor logits, Tensor input, Tensor wte) => Time("lm head fwd", () => inner.LmHeadForward(logits, input, wte));

    public void LmHeadBackward(Tensor dinput, Tensor dwte, Tensor dlogits, Tensor input, Tensor wte) =>
        Time("lm head bwd", () => inner.LmHeadBackward(dinput, dwte, dlogits, input, wte));

    public void CrossEntropy(Tensor logits, int[] targets, float[] logProbs, TokenStats? stats) =>
        Time("cross-entropy", () => inner.CrossEntropy(logits, targets, logProbs, stats));

    public void CrossEntropyBackward(Tensor logits, int[] targets, float[] dlosses, Tensor? logTargets, int softFrom) =>
        Time("cross-entropy backward", () => inner.CrossEntropyBackward(logits, targets, dlosses, logTargets, softFrom));

    public void SoftCrossEntropy(Tensor logits, Tensor logTargets, float[] losses, int from) =>
        Time("soft cross-entropy", () => inner.SoftCrossEntropy(logits, logTargets, losses, from));

    public void LogSoftmax(Tensor logits) => Time("log-softmax", () => inner.LogSoftmax(logits));

    public double SumOfSquares(Tensor x)
    {
        double r = 0;
        Time("grad norm", () => r = inner.SumOfSquares(x));
        return r;
    }

    public void AdamW(Tensor theta, Tensor m, Tensor v, Tensor grad, Tensor thetaOut, Tensor mOut, Tensor vOut,
        float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, int step) =>
        Time("adamw", () => inner.AdamW(theta, m, v, grad, thetaOut, mOut, vOut, gradScale, lr, beta1, beta2, eps, weightDecay, step));

    public void Sgd(Tensor theta, Tensor? velocity, Tensor grad, Tensor thetaOut, Tensor? velocityOut, float gradScale, float lr, float momentum) =>
        Time("sgd", () => inner.Sgd(theta, velocity, grad, thetaOut, velocityOut, gradScale, lr, momentum));

    private void Time(string kernel, Action call)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var (total, calls) = _totals.GetValueOrDefault(kernel);
        _totals[kernel] = (total + ms, calls + 1);
    }
}
