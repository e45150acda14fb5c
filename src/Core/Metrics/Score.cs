using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>
/// s_θ(x) = Σ_i −log2 p_θ(x_i | BOS, x_&lt;i) in bits (SPEC §3), as a fold over tokens:
/// <see cref="Empty"/>, <see cref="Add"/>, <see cref="Merge"/>. The negative log-likelihood is
/// accumulated in nats exactly (<see cref="FixedSum"/>), so merge is associative bit for bit; bits
/// = nats / ln 2 at the end. A log-probability that is not finite, or above
/// <see cref="LogProbSlack"/> (a probability above 1 beyond float32 rounding), is counted as
/// rejected and makes <see cref="Of"/> an error.
/// </summary>
public readonly record struct Score(long Tokens, FixedSum Nats, long Rejected)
{
    /// <summary>log p up to this is accepted (float32 log-softmax can round log 1 to a hair above 0).</summary>
    public const double LogProbSlack = 1e-5;

    private const double Ln2 = 0.69314718055994530942;

    public static Score Empty => default;

    public double Bits => Nats.Value / Ln2;

    /// <summary>Mean negative log-likelihood, nats per token.</summary>
    public double MeanNats => Nats.Value / Tokens;

    public static bool Valid(double logProb) => FixedSum.Accepts(logProb) && logProb <= LogProbSlack;

    public static Score Add(Score s, double logProb) =>
        Valid(logProb)
            ? new Score(s.Tokens + 1, s.Nats + FixedSum.Of(-logProb), s.Rejected)
            : s with { Rejected = s.Rejected + 1 };

    public static Score Merge(Score a, Score b) => new(a.Tokens + b.Tokens, a.Nats + b.Nats, a.Rejected + b.Rejected);

    public static Score Over(IEnumerable<double> logProbs) => logProbs.Aggregate(Empty, Add);

    /// <summary>The example's score in bits, or an error naming the example, its source and the first bad token.</summary>
    public static Either<InputError, ExampleScore> Of(TokenLogProbs x) =>
        Validate(x).Map(s => new ExampleScore(x.ExampleId, x.Source, s.Bits));

    internal static Either<InputError, Score> Validate(TokenLogProbs x)
    {
        string where = Checks.Example(x.ExampleId, x.Source);
        if (x.LogProbs.Length == 0)
        {
            return new InputError(where, "log_probs", "at least one token", "none");
        }

        for (int i = 0; i < x.LogProbs.Length; i++)
        {
            if (!Valid(x.LogProbs[i]))
            {
                return new InputError(where, $"log_probs[{i}]", $"a finite natural-log probability in [−1e6, {LogProbSlack}]", Checks.Show(x.LogProbs[i]));
            }
        }

        return Over(x.LogProbs);
    }
}
