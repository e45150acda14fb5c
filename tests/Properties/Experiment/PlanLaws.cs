using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Experiment;

namespace Unlearning.Properties.Experiment;

[Properties(Arbitrary = new[] { typeof(ExperimentArbitraries) })]
public sealed class PlanLaws
{
    [Property]
    public void The_schedule_starts_at_0_ends_at_T_max_increases_and_is_dense_at_first(UnlearningConfig u)
    {
        var steps = EvaluationSchedule.Steps(u);
        Assert.Equal(0, steps[0]);
        Assert.Equal(u.MaxSteps, steps[^1]);
        Assert.True(Enumerable.Range(1, steps.Count - 1).All(i => steps[i - 1] < steps[i]));
        Assert.All(Enumerable.Range(0, Math.Min(u.DenseSteps, u.MaxSteps) + 1), t => Assert.Contains(t, steps));
        Assert.All(steps.Where(t => t > u.DenseSteps && t < u.MaxSteps), t => Assert.Equal(0, t % u.EvalEvery));
        Assert.All(Enumerable.Range(-2, u.MaxSteps + 5), t => Assert.Equal(steps.Contains(t), EvaluationSchedule.IsEvaluated(u, t)));
    }

    [Property]
    public Property A_run_stops_at_T_max_and_early_only_after_the_margin_past_t_star(UnlearningConfig u) =>
        Prop.ForAll(Gen.Choose(0, 300).ToArbitrary(), tStar =>
        {
            Assert.True(EvaluationSchedule.Stops(u, u.MaxSteps, null));
            var steps = EvaluationSchedule.Steps(u);
            var stop = steps.First(t => EvaluationSchedule.Stops(u, t, t >= tStar ? tStar : null));
            return u.EarlyStop && tStar + u.StopMargin <= u.MaxSteps
                ? stop >= tStar + u.StopMargin && steps.Where(t => t < stop).All(t => t < tStar + u.StopMargin)
                : stop == u.MaxSteps || (u.EarlyStop && stop >= tStar + u.StopMargin);
        });

    [Property]
    public bool Forget_targets_cover_every_candidate_once_within_one_source_and_alternate_sources(ExperimentConfig c, ForgetCandidate[] candidates)
    {
        var targets = ExperimentPlan.ForgetTargets(c, candidates);
        Assert.Equal(candidates.Select(x => x.ExampleId).Order(), targets.SelectMany(t => t.Examples).Order());
        var size = c.Unlearning.Target == "batch" ? c.Unlearning.TargetSize : 1;
        var source = candidates.ToDictionary(x => x.ExampleId, x => x.Source);
        Assert.All(targets, t =>
        {
            Assert.InRange(t.Examples.Count, 1, size);
            Assert.Single(t.Examples.Select(e => source[e]).Distinct());
        });
        Assert.Equal(targets.Count, targets.Select(t => t.Id).Distinct().Count());

        // Targets alternate: before the k-th target of a source come at most k targets of any other.
        var firstSources = targets.Select(t => source[t.Examples[0]]).ToList();
        for (int i = 0; i < firstSources.Count; i++)
        {
            var k = firstSources.Take(i).Count(s => s == firstSources[i]);
            Assert.All(SourceNames.All, s => Assert.True(firstSources.Take(i).Count(x => x == s) <= k + 1));
        }

        return true;
    }

    [Property]
    public bool Nothing_remains_when_all_is_done_and_everything_when_nothing_is(ExperimentConfig c, ForgetCandidate[] candidates)
    {
        var plan = ExperimentPlan.Full(c, candidates);
        Assert.Empty(ExperimentPlan.Remaining(plan, plan.Select(s => s.Id).ToHashSet()));
        Assert.Equal(plan, ExperimentPlan.Remaining(plan, new HashSet<string>()));
        return c.Reference.Seeds == plan.Count(s => s.Kind == StageKind.TrainReference);
    }

    [Property]
    public Property Finished_targets_are_not_redone_unless_their_models_are(ExperimentConfig c, ForgetCandidate[] candidates) =>
        Prop.ForAll(Gen.Choose(0, 1000).ToArbitrary(), seed =>
        {
            var plan = ExperimentPlan.Full(c, candidates);
            var random = new Random(seed);
            var done = plan.Where(_ => random.Next(2) == 0).Select(s => s.Id).ToHashSet();
            var remaining = ExperimentPlan.Remaining(plan, done);
            var preparationDone = ExperimentPlan.Preparation(c).All(s => done.Contains(s.Id));
            foreach (var stage in plan)
            {
                var expected = stage.Kind switch
                {
                    StageKind.Data => !done.Contains(stage.Id),
                    StageKind.TrainBase or StageKind.TrainReference => !done.Contains(stage.Id) || !done.Contains(ExperimentPlan.DataId),
                    StageKind.Score or StageKind.Forget => !done.Contains(stage.Id) || !preparationDone,
                    _ => !plan.Where(s => s.Kind < stage.Kind || s == stage).All(s => done.Contains(s.Id)),
                };
                Assert.Equal(expected, remaining.Contains(stage));
            }

            // Remaining keeps the plan's order.
            return plan.Where(remaining.Contains).SequenceEqual(remaining);
        });
}
