using Unlearning.Core.Metrics;

namespace Unlearning.Properties.Metrics;

/// <summary>Bad input comes back as an InputError naming the example and the source.</summary>
public sealed class BadInput
{
    private static readonly Population Brown = Samples.PopulationOf("brown", [1.0, 2, 3]);

    [Fact]
    public void A_population_of_another_source_names_the_example_and_both_sources() =>
        Assert.Equal(
            "example code-7 (source code): population: expected the population of source code, found the population of source brown",
            Samples.Left(Exposure.Rank(new ExampleScore("code-7", "code", 2), Brown)).ToString());

    [Fact]
    public void An_empty_population_names_the_example_and_the_source() =>
        Assert.Equal(
            "example b-1 (source brown): population: expected at least one population example, found an empty population of source brown",
            Samples.Left(Exposure.Rank(new ExampleScore("b-1", "brown", 2), Population.Empty("brown"))).ToString());

    [Fact]
    public void A_non_finite_example_score_is_an_error_naming_the_example()
    {
        Assert.Equal("example b-1 (source brown): bits: expected a finite score, found NaN", Samples.Left(Exposure.Rank(new ExampleScore("b-1", "brown", double.NaN), Brown)).ToString());
        var fit = Samples.Right(SkewNormal.Fit([1.0, 2, 4, 8], "test"));
        Assert.Equal("example b-1 (source brown): bits: expected a finite score, found Infinity", Samples.Left(Exposure.Extrapolated(new ExampleScore("b-1", "brown", double.PositiveInfinity), Samples.Right(SkewNormal.Fit([1.0, 2, 4, 8], "brown")))).ToString());
        Assert.Contains("population of source test", Samples.Left(Exposure.Extrapolated(new ExampleScore("b-1", "brown", 1), fit)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_finite_population_score_names_the_member_and_the_source()
    {
        Assert.Equal("example p2 (source brown): bits: expected a finite score, found -Infinity", Samples.Left(Population.Of("brown", [new("p1", "brown", 1), new("p2", "brown", double.NegativeInfinity)])).ToString());
        Assert.Equal("example p1 (source spam): source: expected brown, the source of the population it joins, found spam", Samples.Left(Population.Of("brown", [new("p1", "spam", 1)])).ToString());
        Assert.Equal("population of source brown: example_id: expected each example once, found p1 twice", Samples.Left(Population.Of("brown", [new("p1", "brown", 1), new("p1", "brown", 2)])).ToString());
        Assert.Equal("population of source brown: score 1: expected a finite number, found NaN", Samples.Left(SkewNormal.Fit([1.0, double.NaN, 3], "brown")).ToString());
        Assert.Equal("population of source brown: scores: expected scores that are not all equal (a skew-normal needs spread), found all 5", Samples.Left(SkewNormal.Fit([5.0, 5, 5, 5], "brown")).ToString());
    }

    [Fact]
    public void A_bad_log_probability_names_the_example_the_source_and_the_token() =>
        Assert.Equal(
            "example s-3 (source spam): log_probs[1]: expected a finite natural-log probability in [−1e6, 1E-05], found NaN",
            Samples.Left(Score.Of(new TokenLogProbs("s-3", "spam", [-1.0, double.NaN]))).ToString());
}
