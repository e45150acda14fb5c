using Unlearning.Core.Results;
using Unlearning.Core.Statistics;
using Unlearning.Core.Training;

namespace Unlearning.Core.Report;

/// <summary>
/// The shape of a synthetic run whose answers are known in advance, for tests and for trying the report
/// without training anything. Steps to unlearn grow with memorization: τ* = base · (0.5 + mem) with mem in
/// [0.2, 1.4] bits/token, plus noise; ΔU_t = exp(decay · t) − 1 with per-example noise. With the defaults,
/// OOD takes about three times as many steps (claim 1a), pays less utility (1b, 2), and memorization drives t*
/// (claim 3).
/// </summary>
public sealed record SyntheticSpec
{
    public int IdExamples { get; init; } = 12;

    public IReadOnlyList<string> OodSources { get; init; } = ["code", "spam"];

    public int OodPerSource { get; init; } = 6;

    /// <summary>Forget examples per source that are not memorized (Δ0 ≤ τ).</summary>
    public int NotMemorizedPerSource { get; init; } = 1;

    public double IdBaseSteps { get; init; } = 4;

    public double OodBaseSteps { get; init; } = 12;

    /// <summary>Utility decay rate per step while forgetting ID examples.</summary>
    public double IdDecay { get; init; } = 0.02;

    public double OodDecay { get; init; } = 0.004;

    /// <summary>Step budget T_max: examples whose τ* exceeds it are censored.</summary>
    public int StepBudget { get; init; } = 24;

    /// <summary>Steps recorded past t* before the run stops early.</summary>
    public int Margin { get; init; } = 4;

    public int PopulationSize { get; init; } = 32;

    public ulong Seed { get; init; } = 7;
}

public static class SyntheticRun
{
    public const string IdSource = "brown";

    /// <summary>The evaluation schedule of SPEC §8: every step up to 10, then every second step.</summary>
    public static IEnumerable<int> Schedule(int budget) =>
        Enumerable.Range(0, budget + 1).Where(t => t <= 10 || t % 2 == 0);

    public static RunTables Generate(SyntheticSpec spec)
    {
        var rng = new SplitMix64(spec.Seed);
        double Uniform(double lo, double hi)
        {
            var (v, next) = rng.NextUInt64();
            rng = next;
            return lo + ((hi - lo) * ((v >> 11) * (1.0 / (1UL << 53))));
        }

        var examples = new List<ExampleRow>();
        var steps = new List<StepRow>();
        var populations = new List<PopulationRow>();
        var schedule = Schedule(spec.StepBudget).ToList();
        var maxExposure = Math.Log2(spec.PopulationSize + 1);
        const int L = 16;

        var sources = new List<(string Name, bool IsOod, int Count, double BaseSteps, double Decay)> { (IdSource, false, spec.IdExamples, spec.IdBaseSteps, spec.IdDecay) };
        sources.AddRange(spec.OodSources.Select(s => (s, true, spec.OodPerSource, spec.OodBaseSteps, spec.OodDecay)));
        foreach (var (source, isOod, count, baseSteps, decay) in sources)
        {
            for (var p = 0; p < spec.PopulationSize; p++)
            {
                var bits = Uniform(2, 6) * L;
                populations.Add(new PopulationRow { Source = source, ExampleId = $"{source}-pop-{p:D3}", Tokens = new int[L], BitsBase = bits, BitsRef = bits + Uniform(-1, 1), Seed = (long)spec.Seed });
            }

            for (var i = 0; i < count + spec.NotMemorizedPerSource; i++)
            {
                var id = $"{source}-{i:D2}";
                var memorized = i < count;
                var mem = memorized ? Uniform(0.2, 1.4) : Uniform(0, 0.05);
                var difficulty = Uniform(2, 5) + (isOod ? 1.5 : 0);
                var eRef = Uniform(0.3, 1.2);
                var e0 = memorized ? Math.Min(maxExposure - 0.01, eRef + 1 + (1.5 * mem)) : eRef + 0.2;
                var delta0 = e0 - eRef;
                var target = baseSteps * (0.5 + mem) * Uniform(0.85, 1.15);
                var reached = schedule.FirstOrDefault(t => t >= target && t > 0);
                var censored = memorized && (target > spec.StepBudget || reached == 0);
                int? tStar = memorized && !censored ? reached : null;
                var exampleDecay = decay * Uniform(0.7, 1.3);
                double Exposure(int t) => Math.Max(0, e0 - (delta0 * t / target));
                double Cost(int t) => Math.Exp(exampleDecay * t) - 1;
                var stop = tStar is { } ts ? Math.Min(spec.StepBudget, ts + spec.Margin) : spec.StepBudget;

                if (memorized)
                {
                    foreach (var t in schedule.Where(t => t <= stop))
                    {
                        var e = Exposure(t);
                        var cost = Cost(t);
                        var loss = 3.2 + Math.Log(1 + cost);
                        steps.Add(new StepRow
                        {
                            ExampleId = id,
                            Step = t,
                            Bits = ((difficulty - mem) * L) + (t * 0.5),
                            Exposure = e,
                            ExposureExt = e + 0.4,
                            Quality = (e0 - e) / delta0,
                            UtilityCost = cost,
                            DeltaLoss = Math.Log(1 + cost),
                            LossId = loss,
                            PerplexityId = Math.Exp(loss),
                            AccuracyId = 0.35 - (0.1 * cost),
                            GradNorm = t == 0 ? null : 1.5,
                            Drift = 0.05 * t,
                            MembershipZlib = 0.5 + (0.45 * Math.Max(0, 1 - (t / target))),
                            Seed = (long)spec.Seed,
                        });
                    }
                }

                examples.Add(new ExampleRow
                {
                    ExampleId = id,
                    Source = source,
                    IsOod = isOod,
                    Repeats = 1,
                    Tokens = new int[L],
                    Text = $"synthetic {source} example {i}",
                    BitsBase = (difficulty - mem) * L,
                    BitsRef = difficulty * L,
                    ExposureBase = e0,
                    ExposureRef = eRef,
                    ExposureExtBase = e0 + 0.4,
                    ExposureExtRef = eRef + 0.4,
                    ExcessExposure = delta0,
                    Memorized = memorized,
                    Memorization = mem,
                    Difficulty = difficulty,
                    DifficultyPercentile = Math.Clamp((difficulty - 2) / 5 * 100, 0, 100),
                    StepsToUnlearn = tStar,
                    Censored = censored,
                    UtilityCostAtUnlearn = tStar is { } u ? Cost(u) : null,
                    Overshoot = tStar is { } o ? Math.Max(0, eRef - Exposure(o)) : null,
                    Status = "ok",
                    MembershipZlibRef = memorized ? 0.5 : null,
                    Seed = (long)spec.Seed,
                });
            }
        }

        var run = new RunRow
        {
            RunId = $"synthetic-{spec.Seed}",
            ConfigHash = "0000synthetic",
            Seed = (long)spec.Seed,
            Preset = "synthetic",
            ModelParameters = 0,
            NLayer = 0,
            NEmbd = 0,
            NHead = 0,
            VocabSize = 0,
            ExampleTokens = L,
            TrainExamples = 0,
            ForgetId = spec.IdExamples + spec.NotMemorizedPerSource,
            ForgetOod = spec.OodSources.Count * (spec.OodPerSource + spec.NotMemorizedPerSource),
            PopulationSize = spec.PopulationSize,
            StartedAt = new DateTime(2024, 11, 7, 0, 0, 0, DateTimeKind.Utc),
            Threads = 1,
            Engine = EngineNames.Managed,
            Device = EngineNames.Cpu,
            Precision = EngineNames.Fp32,
            Versions = "{}",
            Status = "synthetic",
        };
        return new RunTables([run], examples, steps, populations);
    }
}

/// <summary>
/// A synthetic run whose only ID-vs-OOD difference is how strongly the examples were memorized, built so that
/// matching on memorization removes it exactly: <see cref="Levels"/> repeat levels, level k with excess exposure
/// Δ0 = 1 + 1.5k bits and t* = 10·(k + 1) + j + (OOD ? <see cref="OodExtraSteps"/> : 0) for j = 0 … Copies − 1;
/// level k holds Levels − k ID copies and k + 1 OOD copies of each j (so OOD is memorized more, and every level
/// holds as many examples: its own Δ0 stratum). With OodExtraSteps = 0, ID and OOD have the same t* distribution
/// within each level; with OodExtraSteps ≥ Copies every OOD example of a level needs more steps than every ID one.
/// </summary>
public sealed record ConfoundSpec
{
    public int Levels { get; init; } = 3;

    public int Copies { get; init; } = 4;

    public int OodExtraSteps { get; init; }

    /// <summary>Utility decay per step while forgetting any example.</summary>
    public double Decay { get; init; } = 0.01;
}

public static class ConfoundedRun
{
    private static readonly int[] RepeatLevels = [1, 4, 16, 64, 256, 1024];

    public static RunTables Generate(ConfoundSpec spec)
    {
        const int L = 16;
        const double eRef = 0.5;
        var examples = new List<ExampleRow>();
        var steps = new List<StepRow>();
        var n = 0;
        for (var k = 0; k < spec.Levels; k++)
        {
            var delta0 = 1 + (1.5 * k);
            foreach (var (isOod, copies) in new[] { (false, spec.Levels - k), (true, k + 1) })
            {
                for (var j = 0; j < spec.Copies; j++)
                {
                    for (var c = 0; c < copies; c++)
                    {
                        var tStar = (10 * (k + 1)) + j + (isOod ? spec.OodExtraSteps : 0);
                        var source = isOod ? "code" : SyntheticRun.IdSource;
                        var id = $"{source}-{n++:D4}";
                        var e0 = eRef + delta0;
                        for (var t = 0; t <= tStar + 2; t++)
                        {
                            var e = Math.Max(eRef - 0.2, e0 - (delta0 * t / tStar));
                            var cost = spec.Decay * t;
                            steps.Add(new StepRow
                            {
                                ExampleId = id, Step = t, Bits = 40 - t, Exposure = e, ExposureExt = e + 0.4, Quality = (e0 - e) / delta0,
                                UtilityCost = cost, DeltaLoss = Math.Log(1 + cost), LossId = 3 + cost, PerplexityId = Math.Exp(3 + cost), AccuracyId = 0.3, Drift = 0.01 * t,
                            });
                        }

                        examples.Add(new ExampleRow
                        {
                            ExampleId = id, Source = source, IsOod = isOod, Repeats = RepeatLevels[k % RepeatLevels.Length], Tokens = new int[L], Text = id,
                            BitsBase = 40, BitsRef = 40 + (L * 0.1 * (k + 1)), ExposureBase = e0, ExposureRef = eRef, ExposureExtBase = e0 + 0.4, ExposureExtRef = eRef + 0.4,
                            ExcessExposure = delta0, Memorized = true, Memorization = 0.1 * (k + 1), Difficulty = 2.5, DifficultyPercentile = 50,
                            StepsToUnlearn = tStar, Censored = false, UtilityCostAtUnlearn = spec.Decay * tStar, Overshoot = 0, Status = "unlearned",
                        });
                    }
                }
            }
        }

        var run = new RunRow
        {
            RunId = "confounded", ConfigHash = "0000confounded", Seed = 1, Preset = "synthetic", ModelParameters = 0, NLayer = 0, NEmbd = 0, NHead = 0, VocabSize = 0,
            ExampleTokens = L, TrainExamples = 0, ForgetId = examples.Count(e => !e.IsOod), ForgetOod = examples.Count(e => e.IsOod), PopulationSize = 32,
            StartedAt = new DateTime(2024, 11, 7, 0, 0, 0, DateTimeKind.Utc), Threads = 1, Engine = EngineNames.Managed, Device = EngineNames.Cpu, Precision = EngineNames.Fp32, Versions = "{}", Status = "synthetic",
        };
        return new RunTables([run], examples, steps, []);
    }
}
