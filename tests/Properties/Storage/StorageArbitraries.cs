using FsCheck;
using FsCheck.Fluent;
using Unlearning.Storage.Checkpoints;

namespace Unlearning.Properties.Storage;

/// <summary>
/// The storage laws' values: sets of 0 to 6 tensors of rank 0 to 3 (empty dimensions included)
/// holding NaN, −0, −∞ and ordinary values, under non-ASCII names. The Parquet layouts stay a
/// generator of <see cref="ParquetRoundTripLaws"/> that its laws and the DuckDB tests draw from.
/// Registered with <c>[Properties(Arbitrary = new[] { typeof(StorageArbitraries) })]</c>.
/// </summary>
public static class StorageArbitraries
{
    public static Arbitrary<NamedTensor[]> TensorSets() =>
        (from count in Gen.Choose(0, 6)
         from seed in Gen.Choose(0, 100000)
         select Enumerable.Range(0, count).Select(i =>
         {
             var rng = new Random(seed + i);
             int rank = rng.Next(4);
             var shape = Enumerable.Range(0, rank).Select(_ => rng.Next(6) == 0 ? 0 : rng.Next(1, 9)).ToArray();
             int n = shape.Aggregate(1, (a, d) => a * d);
             var data = Enumerable.Range(0, n).Select(_ => rng.Next(10) switch
             {
                 0 => float.NaN,
                 1 => -0.0f,
                 2 => float.NegativeInfinity,
                 _ => (float)rng.NextDouble() * 100 - 50,
             }).ToArray();
             return new NamedTensor($"t{i}.{(char)('a' + rng.Next(26))}\u00e9", shape, data);
         }).ToArray())
        .ToArbitrary();
}
