using FsCheck;
using FsCheck.Fluent;
using Unlearning.Core.Experiment;

namespace Unlearning.Properties.Experiment;

/// <summary>
/// The plan laws' values: the quick preset with its unlearning schedule varied (T_max 1 to 300,
/// dense prefix, evaluation interval, early stop and margin), with 1 to 3 reference seeds and single
/// or batch targets of 1 to 4, 0 to 30 forget candidates drawn from every source, and any field of
/// the configuration schema but <c>preset</c> (which selects the others rather than holding a value).
/// Registered with <c>[Properties(Arbitrary = new[] { typeof(ExperimentArbitraries) })]</c>.
/// </summary>
public static class ExperimentArbitraries
{
    public static Arbitrary<UnlearningConfig> Schedules() =>
        (from max in Gen.Choose(1, 300)
         from dense in Gen.Choose(0, 40)
         from every in Gen.Choose(1, 25)
         from early in Gen.Elements(true, false)
         from margin in Gen.Choose(0, 20)
         select Presets.QuickConfig().Unlearning with { MaxSteps = max, DenseSteps = dense, EvalEvery = every, EarlyStop = early, StopMargin = margin })
        .ToArbitrary();

    public static Arbitrary<ForgetCandidate[]> Candidates() =>
        (from n in Gen.Choose(0, 30)
         from sources in Gen.Elements(SourceNames.All.ToArray()).ArrayOf(n)
         select sources.Select((s, i) => new ForgetCandidate($"{s}-{i:D3}", s)).ToArray())
        .ToArbitrary();

    public static Arbitrary<ExperimentConfig> Configs() =>
        (from k in Gen.Choose(1, 3)
         from batch in Gen.Elements(false, true)
         from size in Gen.Choose(1, 4)
         select Presets.QuickConfig() with
         {
             Reference = new ReferenceConfig { Seeds = k },
             Unlearning = Presets.QuickConfig().Unlearning with { Target = batch ? "batch" : "single", TargetSize = size },
         })
        .ToArbitrary();

    public static Arbitrary<ConfigField> Fields() =>
        Gen.Elements(ConfigSchema.Fields.Where(f => f.Key != "preset").ToArray()).ToArbitrary();
}
