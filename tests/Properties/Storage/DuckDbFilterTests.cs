using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Storage;

/// <summary>
/// DuckDB skips row groups by the statistics a file records; where Parquet.Net 6.1.0's own were off
/// (docs/tables.md: a leading NaN, UTF-16 order of strings) a filter must still count every row.
/// </summary>
public sealed class DuckDbFilterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unlearning-duckdb-filter-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public sealed record Probe
    {
        public required double X { get; init; }
        public required string S { get; init; }
    }

    [Fact]
    public void A_filter_on_a_double_counts_every_row_when_a_chunk_starts_with_NaN()
    {
        var path = Path.Combine(_dir, "nan.parquet");
        ParquetTable<Probe>.Write(path, [new Probe { X = double.NaN, S = "a" }, new Probe { X = 1.5, S = "b" }, new Probe { X = -2, S = "c" }]);
        var n = DuckDb.Instance.Query($"SELECT count(*) AS n FROM read_parquet({DuckDb.Quote(path)}) WHERE x < 10")[0]!["n"];
        Assert.Equal(2, DuckDb.Long(n));
    }

    [Fact]
    public void A_filter_on_a_string_counts_every_row_when_UTF16_and_UTF8_orders_differ()
    {
        var path = Path.Combine(_dir, "order.parquet");
        ParquetTable<Probe>.Write(path, [new Probe { X = 0, S = "\uE000" }, new Probe { X = 1, S = "😀" }, new Probe { X = 2, S = "a" }]);
        var q = DuckDb.Instance.Query($"SELECT count(*) FILTER (WHERE s = '😀') AS f, (SELECT count(*) FROM read_parquet({DuckDb.Quote(path)}) WHERE s = '😀') AS w, (SELECT count(*) FROM read_parquet({DuckDb.Quote(path)}) WHERE s > '\uE000') AS g FROM read_parquet({DuckDb.Quote(path)})")[0]!;
        Assert.Equal(1, DuckDb.Long(q["f"]));
        Assert.Equal(1, DuckDb.Long(q["w"]));
        Assert.Equal(1, DuckDb.Long(q["g"]));
    }

    private static readonly string[] Pieces = ["a", "z", "é", "数", "\uE000", "\uFFFD", "\uFFFF", "😀", "𝄞", "\uD7FF"];

    /// <summary>The order the statistics use is the order of the UTF-8 bytes, which the format prescribes.</summary>
    [Property(MaxTest = 500)]
    public Property Strings_are_bounded_in_the_order_of_their_UTF8_bytes()
    {
        var text = Gen.ListOf(Gen.Elements(Pieces)).Select(p => string.Concat(p));
        var pairs = from a in text from b in text select (a, b);
        return Prop.ForAll(pairs.ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            int bytes = System.Text.Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b));
            return Math.Sign(ChunkStatistics.CodePointOrder(a, b)) == Math.Sign(bytes);
        });
    }
}
