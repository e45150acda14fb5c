using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>
/// Token counts for utility on one validation set V_s: the summed NLL (nats, exact via
/// <see cref="FixedSum"/>), tokens, and tokens whose top-1 prediction was right. A fold:
/// <see cref="Empty"/>, <see cref="Add"/>, <see cref="Merge"/>, exactly associative.
/// </summary>
public readonly record struct UtilitySum(long Tokens, FixedSum Nats, long Correct, long Rejected)
{
    public static UtilitySum Empty => default;

    /// <summary>One predicted token: its natural-log probability and whether the argmax was the token.</summary>
    public static UtilitySum Add(UtilitySum u, double logProb, bool top1Correct) =>
        Score.Valid(logProb)
            ? new UtilitySum(u.Tokens + 1, u.Nats + FixedSum.Of(-logProb), u.Correct + (top1Correct ? 1 : 0), u.Rejected)
            : u with { Rejected = u.Rejected + 1 };

    public static UtilitySum Merge(UtilitySum a, UtilitySum b) =>
        new(a.Tokens + b.Tokens, a.Nats + b.Nats, a.Correct + b.Correct, a.Rejected + b.Rejected);
}

/// <summary>Utility of one model on V_s (SPEC §6): mean NLL in nats/token, perplexity e^NLL, top-1 accuracy.</summary>
public sealed record Utility(string Source, long Tokens, double MeanNll, double Perplexity, double Accuracy)
{
    public static Either<InputError, Utility> Of(string source, UtilitySum sum)
    {
        string where = $"validation set of source {source}";
        if (sum.Rejected > 0)
        {
            return new InputError(where, "log_probs", $"finite natural-log probabilities ≤ {Score.LogProbSlack}", $"{sum.Rejected} that are not");
        }

        if (sum.Tokens == 0)
        {
            return new InputError(where, "tokens", "at least one token", "none");
        }

        double nll = sum.Nats.Value / sum.Tokens;
        return new Utility(source, sum.Tokens, nll, Math.Exp(nll), (double)sum.Correct / sum.Tokens);
    }

    /// <summary>ΔU_t = ppl_t/ppl_0 − 1 = exp(NLL_t − NLL_0) − 1, computed without cancellation.</summary>
    public static double Cost(Utility step0, Utility at) => Precise.ExpM1(at.MeanNll - step0.MeanNll);

    /// <summary>Δloss_t = NLL_t − NLL_0, nats/token.</summary>
    public static double DeltaLoss(Utility step0, Utility at) => at.MeanNll - step0.MeanNll;
}
