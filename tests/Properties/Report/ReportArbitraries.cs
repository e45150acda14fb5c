using FsCheck;
using FsCheck.Fluent;
using Unlearning.Core.Report;

namespace Unlearning.Properties.Report;

/// <summary>The span of a plotted axis.</summary>
public sealed record PlotRange(double Min, double Max);

/// <summary>
/// The report laws' values: synthetic runs of random shape (2 to 14 ID examples, 1 to 8 OOD per
/// source, base steps, decays, step budget and seed), and axis ranges from empty to 10^5 wide at
/// scales from 10^-4 to 100. Registered with <c>[Properties(Arbitrary = new[] { typeof(ReportArbitraries) })]</c>.
/// </summary>
public static class ReportArbitraries
{
    public static Arbitrary<SyntheticSpec> Specs() =>
        (from idN in Gen.Choose(2, 14)
         from oodN in Gen.Choose(1, 8)
         from idBase in Gen.Choose(2, 14)
         from oodBase in Gen.Choose(2, 14)
         from idDecay in Gen.Choose(1, 30)
         from oodDecay in Gen.Choose(1, 30)
         from budget in Gen.Choose(12, 30)
         from seed in Gen.Choose(0, 100000)
         select new SyntheticSpec
         {
             IdExamples = idN,
             OodPerSource = oodN,
             IdBaseSteps = idBase,
             OodBaseSteps = oodBase,
             IdDecay = idDecay / 1000.0,
             OodDecay = oodDecay / 1000.0,
             StepBudget = budget,
             Seed = (ulong)seed,
         })
        .ToArbitrary();

    public static Arbitrary<PlotRange> Ranges() =>
        (from a in Gen.Choose(-100000, 100000)
         from span in Gen.Choose(0, 100000)
         from scale in Gen.Elements(1e-4, 1e-2, 1.0, 100.0)
         select new PlotRange(a * scale, (a + span) * scale))
        .ToArbitrary();
}
