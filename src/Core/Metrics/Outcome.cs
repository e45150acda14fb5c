using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>Which exposure drives quality, t* and overshoot (SPEC §4, config): rank (default) or extrapolated.</summary>
public enum ExposureKind
{
    Rank,
    Extrapolated,
}

/// <summary>Both exposures of one example under one model (both are always reported).</summary>
public sealed record Exposures(double Rank, double Extrapolated)
{
    public double Driving(ExposureKind kind) => kind == ExposureKind.Rank ? Rank : Extrapolated;

    /// <summary>Rank exposure against the population and extrapolated exposure against its fit (same model, same source).</summary>
    public static Either<InputError, Exposures> Of(ExampleScore x, Population population, SkewNormalFit fit) =>
        from rank in Exposure.Rank(x, population)
        from extrapolated in Exposure.Extrapolated(x, fit)
        select new Exposures(rank, extrapolated);
}

/// <summary>
/// Everything SPEC §5–§6 derives for one forget example from its run: Δ0, whether it is memorized,
/// Q_t at every evaluated step (null when not memorized), t* with censoring and overshoot, ΔU at t*
/// (null when censored), and the trade-off area (null when not memorized).
/// </summary>
public sealed record ForgetOutcome(double ExcessExposure, bool Memorized, double?[] Quality, UnlearningTime Time, double? UtilityCostAtUnlearn, TradeOffArea? TradeOff)
{
    /// <summary>
    /// <paramref name="exposures"/> and <paramref name="utilityCost"/> are the driving exposure Et and
    /// ΔU_t at each step of <paramref name="schedule"/>; <paramref name="e0"/> and <paramref name="eref"/>
    /// are of the same kind.
    /// </summary>
    public static Either<InputError, ForgetOutcome> Of(
        string example, double e0, double eref, double tau, double delta,
        IReadOnlyList<int> schedule, IReadOnlyList<double> exposures, IReadOnlyList<double> utilityCost)
    {
        if (!double.IsFinite(e0) || !double.IsFinite(eref) || !double.IsFinite(tau))
        {
            return new InputError(example, "e0, eref, tau", "finite numbers", $"{Checks.Show(e0)}, {Checks.Show(eref)}, {Checks.Show(tau)}");
        }

        if (utilityCost.Count != schedule.Count)
        {
            return new InputError(example, "utility_cost", $"one per evaluated step ({schedule.Count})", utilityCost.Count.ToString(CultureInfo.InvariantCulture));
        }

        return StepsToUnlearn.Find(schedule, exposures, eref, delta, example).Bind(time =>
        {
            bool memorized = Metrics.Quality.IsMemorized(e0, eref, tau);
            var quality = exposures.Select(et => Metrics.Quality.At(e0, eref, et, tau)).ToArray();
            double? costAtUnlearn = time.Step is int step ? utilityCost[IndexOf(schedule, step)] : null;
            if (!memorized)
            {
                return Prelude.Right<InputError, ForgetOutcome>(new ForgetOutcome(Metrics.Quality.ExcessExposure(e0, eref), false, quality, time, costAtUnlearn, null));
            }

            return Metrics.TradeOff.Area(quality.Select(q => q!.Value).ToArray(), utilityCost, example)
                .Map(area => new ForgetOutcome(Metrics.Quality.ExcessExposure(e0, eref), true, quality, time, costAtUnlearn, area));
        });
    }

    private static int IndexOf(IReadOnlyList<int> schedule, int step)
    {
        for (int i = 0; i < schedule.Count; i++)
        {
            if (schedule[i] == step)
            {
                return i;
            }
        }

        return -1;
    }
}
