namespace Unlearning.Core.Metrics;

/// <summary>One example's score s_θ(x) in bits under one model (SPEC §3), with its identity.</summary>
public sealed record ExampleScore(string ExampleId, string Source, double Bits);
