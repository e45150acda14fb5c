using FsCheck.Fluent;

namespace Unlearning.Properties.Checking;

/// <summary>The helper itself: a false law fails with a shrunk counterexample and a seed that replays it.</summary>
public sealed class LawTests
{
    [Fact]
    public void A_false_law_reports_the_shrunk_counterexample_and_the_replay_seed()
    {
        // Shrinks halve towards 0 and step down by one.
        var ints = Arb.From(Gen.Choose(0, 1000), x => x > 0 ? new[] { x / 2, x - 1 } : []);
        var e = Assert.Throws<LawFailedException>(() => Law.ForAll(ints, x => x < 500));
        Assert.Contains("Shrunk", e.Message, StringComparison.Ordinal);
        // Shrinking an int in [500, 1000] ends at the boundary of the law.
        Assert.Contains("500", e.Message, StringComparison.Ordinal);
        Assert.Contains(Law.ReplayVariable + "=\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_printed_seed_replays_the_same_first_counterexample()
    {
        static string FirstFailure(string? replay)
        {
            var e = Assert.Throws<LawFailedException>(
                () => Law.Check(Prop.ForAll(Gen.Choose(0, 1_000_000).ToArbitrary(), (int x) => x % 7 != 3), replay: replay));
            return e.Message;
        }

        var first = FirstFailure(null);
        var marker = Law.ReplayVariable + "=\"";
        var seed = first[(first.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Split('"')[0];
        // The whole report (original and shrunk counterexample) depends only on the seed.
        Assert.Equal(first, FirstFailure(seed));
    }

    [Fact]
    public void A_malformed_replay_value_is_an_error_naming_the_variable() =>
        Assert.Contains(Law.ReplayVariable, Assert.Throws<ArgumentException>(() => Law.ParseReplay("abc")).Message, StringComparison.Ordinal);
}
