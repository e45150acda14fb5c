using Unlearning.Core.Report;
using Unlearning.Core.Results;

namespace Unlearning.Properties.Report;

public sealed class TradeoffAreaTests
{
    private static ForgetExample Example(int? tStar, params (double Q, double U)[] curve)
    {
        var tables = SyntheticRun.Generate(new SyntheticSpec());
        var row = tables.Examples[0] with { StepsToUnlearn = tStar, Censored = tStar is null };
        var steps = curve.Select((p, t) => tables.Steps[0] with { Step = t, Quality = p.Q, UtilityCost = p.U }).ToList();
        return new ForgetExample(row, steps, steps.Count - 1);
    }

    [Fact]
    public void Linear_utility_in_quality_gives_half_the_slope()
    {
        // ΔU = 0.3·Q from Q = 0 to 1.2: ∫₀¹ 0.3 Q dQ = 0.15, the last segment cut at Q = 1.
        var area = Example(4, (0, 0), (0.3, 0.09), (0.7, 0.21), (1.2, 0.36)).TradeoffArea;
        Assert.Equal(0.15, area!.Value, 12);
    }

    [Fact]
    public void Constant_utility_gives_that_constant()
    {
        var area = Example(2, (0, 0.05), (0.5, 0.05), (1.0, 0.05), (1.4, 0.05)).TradeoffArea;
        Assert.Equal(0.05, area!.Value, 12);
    }

    [Fact]
    public void No_area_without_reaching_t_star() =>
        Assert.Null(Example(null, (0, 0), (0.4, 0.1), (0.8, 0.3)).TradeoffArea);

    [Fact]
    public void Utility_slope_is_the_least_squares_slope_through_the_origin()
    {
        // ΔU_t = 0.02·t exactly: slope 0.02.
        var e = Example(3, (0, 0), (0.3, 0.02), (0.6, 0.04), (1.0, 0.06));
        Assert.Equal(0.02, e.UtilitySlope!.Value, 12);
    }
}
