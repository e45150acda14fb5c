using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>
/// The area under ΔU over quality on [0, <see cref="QualityReached"/>]; <see cref="ReachesOne"/> when
/// the curve got to Q = 1 (then QualityReached = 1 and the area is SPEC's). <see cref="MeanCost"/> =
/// Area / QualityReached, comparable between curves that stop at different qualities (null at 0).
/// </summary>
public sealed record TradeOffArea(double Area, double QualityReached, bool ReachesOne, double? MeanCost);

/// <summary>The trade-off of one forget example (SPEC §6): area under {(Q_t, ΔU_t)} from Q = 0 to 1.</summary>
public static class TradeOff
{
    /// <summary>
    /// Points in step order. The curve starts at (0, 0) (step 0) and follows the running maximum of
    /// quality: ΔU at quality q is the cost paid when quality first reached q, linear between the
    /// steps that set a new maximum; steps whose quality falls back (or is negative) are skipped, as
    /// they reach no new quality. The segment that crosses Q = 1 is cut there by interpolation.
    /// </summary>
    public static Either<InputError, TradeOffArea> Area(IReadOnlyList<double> quality, IReadOnlyList<double> utilityCost, string example = "forget example")
    {
        if (quality.Count != utilityCost.Count)
        {
            return new InputError(example, "utility_cost", $"one per quality value ({quality.Count})", utilityCost.Count.ToString(CultureInfo.InvariantCulture));
        }

        for (int i = 0; i < quality.Count; i++)
        {
            if (!double.IsFinite(quality[i]) || !double.IsFinite(utilityCost[i]))
            {
                return new InputError(example, $"point {i}", "finite quality and utility cost", $"({Checks.Show(quality[i])}, {Checks.Show(utilityCost[i])})");
            }
        }

        double area = 0, qMax = 0, uAt = 0;
        bool complete = false;
        for (int i = 0; i < quality.Count && !complete; i++)
        {
            double q = quality[i], u = utilityCost[i];
            if (!(q > qMax))
            {
                continue;
            }

            double end = Math.Min(q, 1);
            double uEnd = uAt + ((u - uAt) * (end - qMax) / (q - qMax));
            area += (end - qMax) * 0.5 * (uAt + uEnd);
            complete = q >= 1;
            qMax = end;
            uAt = uEnd;
        }

        return new TradeOffArea(area, qMax, complete, qMax > 0 ? area / qMax : null);
    }
}
