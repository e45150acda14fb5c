using System.Runtime.CompilerServices;

namespace Unlearning.Core.Tokenization;

/// <summary>
/// Equality for token pairs packed as <c>(left &lt;&lt; 32) | right</c>. <see cref="long.GetHashCode"/> is
/// <c>left ^ right</c>, so every pair with the same XOR collides (with ids below 2^16 that is most of them);
/// a multiplicative (Fibonacci) mix spreads them.
/// </summary>
internal sealed class PairComparer : IEqualityComparer<long>
{
    public static readonly PairComparer Instance = new();

    public bool Equals(long x, long y) => x == y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetHashCode(long pair) => (int)((ulong)(pair * unchecked((long)0x9E3779B97F4A7C15UL)) >> 32);
}
