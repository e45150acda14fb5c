using FsCheck;
using FsCheck.Fluent;

namespace Unlearning.Properties.Kernels;

/// <summary>N rows of C channels, with the seed of their random values.</summary>
public sealed record RowShape(int N, int C, ulong Seed);

/// <summary>A batch of B sequences of T tokens through H heads of size Hs, with the seed of the values.</summary>
public sealed record HeadShape(int B, int T, int H, int Hs, ulong Seed);

/// <summary>
/// The kernel laws' shapes: small enough that a finite-difference check of every input stays
/// cheap, ragged enough (1 to 40 channels) to cross every SIMD width and remainder loop.
/// Registered with <c>[Properties(Arbitrary = new[] { typeof(KernelArbitraries) })]</c>.
/// </summary>
public static class KernelArbitraries
{
    public static Arbitrary<RowShape> Rows() =>
        (from n in Gen.Choose(1, 9)
         from c in Gen.Choose(1, 40)
         from seed in Gen.Choose(0, int.MaxValue)
         select new RowShape(n, c, (ulong)seed)).ToArbitrary();

    public static Arbitrary<HeadShape> Heads() =>
        (from b in Gen.Choose(1, 3)
         from t in Gen.Choose(1, 9)
         from h in Gen.Choose(1, 3)
         from hs in Gen.Choose(1, 6)
         from seed in Gen.Choose(0, int.MaxValue)
         select new HeadShape(b, t, h, hs, (ulong)seed)).ToArbitrary();
}
