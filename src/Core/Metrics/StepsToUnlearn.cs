using System.Globalization;
using LanguageExt;
using Unlearning.Core.Errors;

namespace Unlearning.Core.Metrics;

/// <summary>
/// The outcome of <see cref="StepsToUnlearn.Find"/>. Reached: <see cref="Step"/> = t*, the first
/// evaluated step with Et ≤ Eref + δ, and the true first crossing lies in (<see cref="After"/>, t*]
/// (After is null when t* is the first evaluated step). Censored: Step is null and the example is
/// censored at <see cref="LastEvaluated"/>.
/// </summary>
public sealed record UnlearningTime(int? Step, bool Censored, int? After, int LastEvaluated, double? ExposureAtStep, double? Overshoot);

/// <summary>t* = min{t on the evaluation schedule : Et ≤ Eref + δ} (SPEC §5), with censoring.</summary>
public static class StepsToUnlearn
{
    /// <summary>
    /// <paramref name="schedule"/>: the evaluated steps, strictly increasing from ≥ 0;
    /// <paramref name="exposures"/>: Et at each of them (the kind that drives quality);
    /// <paramref name="example"/> names the forget example in errors.
    /// </summary>
    public static Either<InputError, UnlearningTime> Find(IReadOnlyList<int> schedule, IReadOnlyList<double> exposures, double eref, double delta, string example = "forget example")
    {
        if (schedule.Count == 0)
        {
            return new InputError(example, "schedule", "at least one evaluated step", "none");
        }

        if (exposures.Count != schedule.Count)
        {
            return new InputError(example, "exposures", $"one exposure per evaluated step ({schedule.Count})", exposures.Count.ToString(CultureInfo.InvariantCulture));
        }

        for (int i = 0; i < schedule.Count; i++)
        {
            if (schedule[i] < 0 || (i > 0 && schedule[i] <= schedule[i - 1]))
            {
                return new InputError(example, $"schedule[{i}]", "strictly increasing steps ≥ 0", schedule[i].ToString(CultureInfo.InvariantCulture));
            }

            if (!double.IsFinite(exposures[i]))
            {
                return new InputError(example, $"exposure at step {schedule[i]}", "a finite number", Checks.Show(exposures[i]));
            }
        }

        if (!double.IsFinite(eref) || !double.IsFinite(delta) || delta < 0)
        {
            return new InputError(example, "eref, delta", "finite, with δ ≥ 0", $"{Checks.Show(eref)}, {Checks.Show(delta)}");
        }

        int last = schedule[^1];
        for (int i = 0; i < schedule.Count; i++)
        {
            if (exposures[i] <= eref + delta)
            {
                return new UnlearningTime(schedule[i], false, i > 0 ? schedule[i - 1] : null, last, exposures[i], Quality.Overshoot(eref, exposures[i]));
            }
        }

        return new UnlearningTime(null, true, null, last, null, null);
    }
}
