namespace Unlearning.Core.Metrics;

/// <summary>
/// For one example score s(x): n = |P|, below = #{p : s(p) &lt; s(x)}, ties = #{p : s(p) = s(x)}
/// (SPEC §4). A fold over population scores: <see cref="Empty"/>, <see cref="Add"/>,
/// <see cref="Merge"/>, exact (integer counts). <see cref="Population.CountAround"/> gives the same
/// counts by binary search.
/// </summary>
public readonly record struct RankCount(long N, long Below, long Ties)
{
    public static RankCount Empty => default;

    /// <summary>rank = 1 + below + ties/2.</summary>
    public double Rank => 1 + Below + (0.5 * Ties);

    public static RankCount Add(RankCount c, double exampleScore, double populationScore) =>
        new(c.N + 1, c.Below + (populationScore < exampleScore ? 1 : 0), c.Ties + (populationScore == exampleScore ? 1 : 0));

    public static RankCount Merge(RankCount a, RankCount b) => new(a.N + b.N, a.Below + b.Below, a.Ties + b.Ties);
}
