namespace Unlearning.Core.Experiment;

/// <summary>
/// The steps at which an unlearning run is evaluated (SPEC §8): every step 0..dense_steps, then
/// every multiple of eval_every beyond it, and T_max always. t* is read off this schedule.
/// </summary>
public static class EvaluationSchedule
{
    public static bool IsEvaluated(UnlearningConfig u, int step) =>
        step >= 0 && step <= u.MaxSteps && (step <= u.DenseSteps || step % u.EvalEvery == 0 || step == u.MaxSteps);

    /// <summary>The evaluated steps in increasing order, 0 first and T_max last.</summary>
    public static IReadOnlyList<int> Steps(UnlearningConfig u)
    {
        var steps = new List<int>();
        for (int t = 0; t <= u.MaxSteps; t++)
        {
            if (IsEvaluated(u, t))
            {
                steps.Add(t);
            }
        }

        return steps;
    }

    /// <summary>
    /// Whether a run evaluated at <paramref name="step"/> stops there: at T_max, or, with early stop,
    /// once t* was reached and at least stop_margin steps past it were evaluated.
    /// </summary>
    public static bool Stops(UnlearningConfig u, int step, int? stepsToUnlearn) =>
        step >= u.MaxSteps || (u.EarlyStop && stepsToUnlearn is { } t && step >= t + u.StopMargin);
}
