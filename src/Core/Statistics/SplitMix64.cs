namespace Unlearning.Core.Statistics;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose stream is fixed by this code,
/// not by the runtime's <c>Random</c>, so a bootstrap interval is the same on every machine and version.
/// A value type: each draw returns the next state, so no caller sees a generator change under it.
/// </summary>
public readonly record struct SplitMix64(ulong State)
{
    public (ulong Value, SplitMix64 Next) NextUInt64()
    {
        var state = State + 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31), new SplitMix64(state));
    }

    /// <summary>Uniform integer in [0, n) by rejection (no modulo bias).</summary>
    public (int Value, SplitMix64 Next) NextIndex(int n)
    {
        var bound = (ulong)n;
        var limit = ulong.MaxValue - (ulong.MaxValue % bound);
        var rng = this;
        while (true)
        {
            var (value, next) = rng.NextUInt64();
            rng = next;
            if (value < limit)
            {
                return ((int)(value % bound), rng);
            }
        }
    }
}
