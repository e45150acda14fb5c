namespace Unlearning.Core.Metrics;

/// <summary>
/// One example's per-token natural-log probabilities under one model: entry i is
/// log p_θ(x_i | BOS, x_&lt;i), i = 1..L (SPEC §1: a BOS is prepended, so all L tokens are predicted).
/// </summary>
public sealed record TokenLogProbs(string ExampleId, string Source, double[] LogProbs);
