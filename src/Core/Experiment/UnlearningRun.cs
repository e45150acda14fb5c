using LanguageExt;
using Unlearning.Core.Errors;
using Unlearning.Core.Metrics;
using Unlearning.Core.Model;
using Unlearning.Core.Results;
using Unlearning.Core.Training;

namespace Unlearning.Core.Experiment;

/// <summary>
/// One forget example as an unlearning target: its tokens, text, repeats and baseline; its membership
/// statistics under θ0 (step 0) and its membership AUCs under θref (the oracle's level).
/// </summary>
public sealed record TargetExample(
    string ExampleId, string Source, int Repeats, int[] Tokens, string Text, ForgetBaseline Baseline,
    MembershipTriple? MembershipBase, MembershipAucs MembershipRef);

/// <summary>
/// Everything one unlearning run reads. <see cref="Populations"/> holds P_s (ids and tokens) of every
/// target's source; <see cref="Validation"/> V_s of every source with one; <see cref="PopulationsAtBase"/>
/// and <see cref="UtilityAtBase"/> are θ0's, computed once by the score stage and reused as step 0.
/// </summary>
public sealed record UnlearningInputs(
    ExperimentConfig Config,
    Gpt2Weights Theta0,
    IReadOnlyList<TargetExample> Targets,
    IReadOnlyDictionary<string, ScoredSet> Populations,
    IReadOnlyDictionary<string, IReadOnlyList<int[]>> Validation,
    IReadOnlyDictionary<string, ScoredPopulation> PopulationsAtBase,
    IReadOnlyDictionary<string, Utility> UtilityAtBase,
    IReadOnlyDictionary<string, IReadOnlyList<MembershipTriple?>> PopulationMembershipAtBase);

/// <summary>The rows one unlearning run adds to examples.parquet and steps.parquet.</summary>
public sealed record UnlearningOutcome(IReadOnlyList<ExampleRow> Examples, IReadOnlyList<StepRow> Steps);

/// <summary>The status column of examples.parquet.</summary>
public static class ExampleStatus
{
    /// <summary>t* reached within T_max.</summary>
    public const string Unlearned = "unlearned";

    /// <summary>Memorized, but t* not reached by the last evaluated step.</summary>
    public const string Censored = "censored";

    /// <summary>Δ0 ≤ τ: quality is null and the example is left out of step statistics.</summary>
    public const string NotMemorized = "not_memorized";

    /// <summary>The loss, the gradient or the weights stopped being finite; the run ended there.</summary>
    public const string Diverged = "diverged";
}

/// <summary>
/// Gradient ascent from θ0 on one target (SPEC §8), evaluated on the schedule (SPEC §5–§7):
/// θ_{t+1} = θ_t − η·update(∇_θ J), J = −mean NLL of the target's tokens, through the engine's
/// trainer with loss sign −1. At each evaluated step: the targets' scores and exposures against
/// their populations rescored under θ_t, quality, utility on every V_s, gradient norm and drift.
/// Divergence ends the run with status <see cref="ExampleStatus.Diverged"/>; it is never an exception.
/// </summary>
public static class UnlearningRun
{
    private const double Ln2 = 0.69314718055994530942;

    public static TrainSettings AscentSettings(UnlearningConfig u) => new(
        u.Optimizer == "adam" ? new Optimizer.AdamW(u.Beta1, u.Beta2, u.Epsilon, 0) : new Optimizer.Sgd(),
        new LearningRateSchedule.Constant(u.LearningRate),
        u.GradClip > 0 ? u.GradClip : null,
        LossSign: -1.0);

    /// <summary>
    /// Runs the target. <paramref name="onStep"/> is called after every ascent step (for progress);
    /// <paramref name="cancel"/> is checked between steps.
    /// </summary>
    public static Either<InputError, UnlearningOutcome> Execute(
        UnlearningInputs inputs, ITrainer ascent, IEvaluator evaluator, Action<int> onStep, CancellationToken cancel)
    {
        try
        {
            return Run(inputs, ascent, evaluator, onStep, cancel);
        }
        catch (InputException e)
        {
            return e.Error;
        }
    }

    private static T Get<T>(Either<InputError, T> value) =>
        value.Match(v => v, e => throw e.ToException());

    private sealed class Track(TargetExample target)
    {
        public TargetExample Target { get; } = target;

        public List<StepRow> Rows { get; } = [];

        public int? StepsToUnlearn { get; set; }
    }

    private static UnlearningOutcome Run(
        UnlearningInputs inputs, ITrainer ascent, IEvaluator evaluator, Action<int> onStep, CancellationToken cancel)
    {
        var c = inputs.Config;
        var u = c.Unlearning;
        var m = c.Metrics;
        var tracks = inputs.Targets.Select(t => new Track(t)).ToList();
        var targetSources = inputs.Targets.Select(t => t.Source).Distinct().ToList();
        var validationSources = SourceNames.All.Where(s => inputs.Validation.ContainsKey(s) && inputs.Validation[s].Count > 0).ToList();
        var u0 = inputs.UtilityAtBase;
        var targetTokens = inputs.Targets.Select(t => t.Tokens).ToList();

        // One evaluation pass per evaluated step: targets, then the targets' populations, then every V_s.
        var sequences = new List<int[]>(targetTokens);
        foreach (var s in targetSources)
        {
            sequences.AddRange(inputs.Populations[s].Tokens);
        }

        foreach (var s in validationSources)
        {
            sequences.AddRange(inputs.Validation[s]);
        }

        var status = (string?)null;
        var state = TrainState.Start(inputs.Theta0.Clone(), ascent.Settings.Optimizer);
        double? lastGradNorm = null;
        for (int t = 0; ; t++)
        {
            if (EvaluationSchedule.IsEvaluated(u, t))
            {
                Dictionary<string, ScoredPopulation> populations;
                Dictionary<string, Utility> utility;
                Dictionary<string, IReadOnlyList<MembershipTriple?>> membership;
                double[] bits;
                MembershipTriple?[] targetMembership;
                double drift;
                if (t == 0)
                {
                    populations = new(inputs.PopulationsAtBase);
                    utility = new(u0);
                    membership = new(inputs.PopulationMembershipAtBase);
                    bits = inputs.Targets.Select(x => x.Baseline.BitsBase).ToArray();
                    targetMembership = inputs.Targets.Select(x => x.MembershipBase).ToArray();
                    drift = 0;
                }
                else
                {
                    var scores = Get(evaluator.Evaluate(state.Weights, sequences, withDistributionStats: true));
                    drift = Gpt2Weights.Distance(state.Weights, inputs.Theta0);
                    if (!double.IsFinite(drift) || scores.Any(x => !double.IsFinite(x.NllBits)))
                    {
                        status = ExampleStatus.Diverged;
                        break;
                    }

                    bits = scores.Take(targetTokens.Count).Select(x => x.NllBits).ToArray();
                    targetMembership = inputs.Targets.Select((x, i) => MembershipSignals.Of(x.ExampleId, x.Source, scores[i], x.Text)).ToArray();
                    int at = targetTokens.Count;
                    populations = [];
                    membership = [];
                    utility = [];
                    var finite = true;

                    // Once θ_t is numerically broken the metrics reject its scores (a log-probability
                    // above 0, a non-finite one): that is divergence, recorded, never an exception.
                    foreach (var s in targetSources)
                    {
                        var set = inputs.Populations[s];
                        var members = scores.Skip(at).Take(set.Ids.Count).ToList();
                        var population = ScoredPopulation.Of(s, set.Ids, members.Select(x => x.NllBits).ToList());
                        finite &= population.IsRight;
                        population.IfRight(p => populations[s] = p);
                        membership[s] = [.. members.Select((x, j) => MembershipSignals.Of(set.Ids[j], s, x, set.Texts[j]))];
                        at += set.Ids.Count;
                    }

                    foreach (var s in validationSources)
                    {
                        var n = inputs.Validation[s].Count;
                        var u1 = UtilityOf(s, scores.Skip(at).Take(n));
                        finite &= u1.IsRight;
                        u1.IfRight(v => utility[s] = v);
                        at += n;
                    }

                    if (!finite)
                    {
                        status = ExampleStatus.Diverged;
                        break;
                    }
                }

                var exposures = new (double Rank, double Ext)[tracks.Count];
                for (int i = 0; i < tracks.Count; i++)
                {
                    var b = tracks[i].Target.Baseline;
                    var x = new ExampleScore(tracks[i].Target.ExampleId, tracks[i].Target.Source, bits[i]);
                    var e = t == 0 ? Prelude.Right<InputError, (double, double)>((b.ExposureBase, b.ExposureExtBase)) : populations[tracks[i].Target.Source].Exposures(x);
                    if (e.IsLeft)
                    {
                        status = ExampleStatus.Diverged;
                        break;
                    }

                    exposures[i] = e.IfLeft((0.0, 0.0));
                }

                if (status is not null)
                {
                    break;
                }

                for (int i = 0; i < tracks.Count; i++)
                {
                    var track = tracks[i];
                    var b = track.Target.Baseline;
                    var (rank, ext) = exposures[i];
                    var driving = m.QualityExposure == "extrapolated" ? ext : rank;
                    var quality = Quality.At(b.DrivingBase(m), b.DrivingRef(m), driving, m.Tau);
                    var id = utility[SourceNames.Brown];
                    var aucs = MembershipSignals.Aucs(track.Target.Source, targetMembership[i], membership[track.Target.Source]);
                    track.Rows.Add(new StepRow
                    {
                        ExampleId = track.Target.ExampleId,
                        Step = t,
                        Bits = bits[i],
                        Exposure = rank,
                        ExposureExt = ext,
                        Quality = quality,
                        UtilityCost = Utility.Cost(u0[SourceNames.Brown], id),
                        DeltaLoss = Utility.DeltaLoss(u0[SourceNames.Brown], id),
                        LossId = id.MeanNll,
                        PerplexityId = id.Perplexity,
                        AccuracyId = id.Accuracy,
                        LossCode = utility.GetValueOrDefault(SourceNames.Code)?.MeanNll,
                        PerplexityCode = utility.GetValueOrDefault(SourceNames.Code)?.Perplexity,
                        AccuracyCode = utility.GetValueOrDefault(SourceNames.Code)?.Accuracy,
                        LossSpam = utility.GetValueOrDefault(SourceNames.Spam)?.MeanNll,
                        PerplexitySpam = utility.GetValueOrDefault(SourceNames.Spam)?.Perplexity,
                        AccuracySpam = utility.GetValueOrDefault(SourceNames.Spam)?.Accuracy,
                        LossCanary = utility.GetValueOrDefault(SourceNames.Canary)?.MeanNll,
                        PerplexityCanary = utility.GetValueOrDefault(SourceNames.Canary)?.Perplexity,
                        AccuracyCanary = utility.GetValueOrDefault(SourceNames.Canary)?.Accuracy,
                        GradNorm = t == 0 ? null : lastGradNorm,
                        Drift = drift,
                        Seed = c.Seed,
                        MembershipZlib = aucs.Zlib,
                        MembershipMinK = aucs.MinK,
                        MembershipMinKPlusPlus = aucs.MinKPlusPlus,
                    });
                    if (track.StepsToUnlearn is null && driving <= b.DrivingRef(m) + m.Delta)
                    {
                        track.StepsToUnlearn = t;
                    }
                }

                if (tracks.All(k => EvaluationSchedule.Stops(u, t, k.StepsToUnlearn)))
                {
                    break;
                }
            }

            cancel.ThrowIfCancellationRequested();
            var step = Get(ascent.Step(state, targetTokens));
            ascent.Recycle(state);
            state = step.State;
            lastGradNorm = step.GradNorm;
            onStep(t + 1);
            if (!double.IsFinite(step.Loss) || !double.IsFinite(step.GradNorm))
            {
                status = ExampleStatus.Diverged;
                break;
            }
        }

        ascent.Recycle(state);
        return new UnlearningOutcome(tracks.Select(k => Summarize(c, k, status)).ToList(), tracks.SelectMany(k => k.Rows).ToList());
    }

    private static Either<InputError, Utility> UtilityOf(string source, IEnumerable<SequenceScore> scores)
    {
        var sum = UtilitySum.Empty;
        foreach (var s in scores)
        {
            for (int i = 0; i < s.Length; i++)
            {
                sum = UtilitySum.Add(sum, s.Log2Probs[i] * Ln2, s.Top1Correct[i]);
            }
        }

        return Utility.Of(source, sum);
    }

    private static ExampleRow Summarize(ExperimentConfig c, Track track, string? runStatus)
    {
        var m = c.Metrics;
        var x = track.Target;
        var b = x.Baseline;
        var memorized = b.Memorized(m);
        var schedule = track.Rows.Select(r => r.Step).ToList();
        var driving = track.Rows.Select(r => m.QualityExposure == "extrapolated" ? r.ExposureExt : r.Exposure).ToList();
        var time = Get(StepsToUnlearn.Find(schedule, driving, b.DrivingRef(m), m.Delta, $"example {x.ExampleId}"));
        var atStar = time.Step is { } s ? track.Rows.First(r => r.Step == s) : null;
        var status = runStatus ?? (!memorized ? ExampleStatus.NotMemorized : time.Censored ? ExampleStatus.Censored : ExampleStatus.Unlearned);
        return new ExampleRow
        {
            ExampleId = x.ExampleId,
            Source = x.Source,
            IsOod = SourceNames.IsOod(x.Source),
            Repeats = x.Repeats,
            Tokens = x.Tokens,
            Text = x.Text,
            BitsBase = b.BitsBase,
            BitsRef = b.BitsRef,
            ExposureBase = b.ExposureBase,
            ExposureRef = b.ExposureRef,
            ExposureExtBase = b.ExposureExtBase,
            ExposureExtRef = b.ExposureExtRef,
            ExcessExposure = b.Excess(m),
            Memorized = memorized,
            Memorization = b.Memorization,
            Difficulty = b.Difficulty,
            DifficultyPercentile = b.DifficultyPercentile,
            StepsToUnlearn = time.Step,
            Censored = time.Censored,
            UtilityCostAtUnlearn = atStar?.UtilityCost,
            Overshoot = time.Overshoot,
            Status = status,
            ExposureRefSd = b.ExposureRefSd,
            AtCeiling = b.AtCeiling,
            Seed = c.Seed,
            MembershipZlibRef = x.MembershipRef.Zlib,
            MembershipMinKRef = x.MembershipRef.MinK,
            MembershipMinKPlusPlusRef = x.MembershipRef.MinKPlusPlus,
        };
    }
}
