using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Results;
using Unlearning.Storage;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Storage;

public sealed class ParquetRoundTripLaws : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unlearning-parquet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A file's shape: rows, row group size, codec, share of nulls.</summary>
    public sealed record Layout(int Seed, int Rows, int GroupRows, bool Snappy, double NullRate);

    internal static readonly FsCheck.Gen<Layout> Layouts =
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from rows in Gen.Frequency((1, Gen.Constant(0)), (1, Gen.Choose(1, 3)), (6, Gen.Choose(4, 400)))
        from groupRows in Gen.Choose(1, 150)
        from snappy in Gen.Elements(true, false)
        from nullRate in Gen.Elements(0.0, 0.2, 1.0)
        select new Layout(seed, rows, groupRows, snappy, nullRate);

    internal static ParquetWriteOptions Options(Layout l) => new()
    {
        Compression = l.Snappy ? ParquetCompression.Snappy : ParquetCompression.Uncompressed,
        RowGroupRows = l.GroupRows,
    };

    [Property(MaxTest = 60)]
    public Property Every_row_comes_back_exactly_in_order() =>
        Prop.ForAll(Layouts.ToArbitrary(), layout =>
        {
            var rows = RowMaker.Rows(layout.Seed, layout.Rows, layout.NullRate);
            var path = Path.Combine(_dir, $"all-{layout.Seed}.parquet");
            var meta = new[] { new KeyValuePair<string, string>("unlearning.config", "{\"seed\":" + layout.Seed + "}") };
            ParquetTable<AllTypesRow>.Write(path, rows, meta, Options(layout));
            var back = ParquetTable<AllTypesRow>.ReadAll(path);
            Assert.Equal(rows.Select(r => r.Canonical()), back.Select(r => r.Canonical()));
            using var file = ParquetFileReader.Open(path);
            Assert.Equal(rows.Length, file.RowCount);
            Assert.Equal((rows.Length + layout.GroupRows - 1) / layout.GroupRows, file.RowGroupCount);
            Assert.Equal("{\"seed\":" + layout.Seed + "}", file.MetadataValue("unlearning.config"));
            Assert.True(back.All(r => r.Time.Kind == DateTimeKind.Utc));
        });

    [Property(MaxTest = 30)]
    public Property Statistics_are_the_min_max_and_null_count_of_each_chunk() =>
        Prop.ForAll(Layouts.Where(l => l.Rows > 0).ToArbitrary(), layout =>
        {
            var rows = RowMaker.Rows(layout.Seed, layout.Rows, layout.NullRate);
            var path = Path.Combine(_dir, $"stats-{layout.Seed}.parquet");
            ParquetTable<AllTypesRow>.Write(path, rows, null, Options(layout));
            using var file = ParquetFileReader.Open(path);
            int start = 0;
            for (int g = 0; g < file.RowGroupCount; g++)
            {
                var group = rows.Skip(start).Take((int)file.RowGroupRows[g]).ToArray();
                start += group.Length;
                var opt = file.Summary(g, file.Schema.Columns.ToList().FindIndex(c => c.Name == "opt_int"));
                var present = group.Where(r => r.OptInt.HasValue).Select(r => r.OptInt!.Value).ToArray();
                Assert.Equal(group.Length - present.Length, opt.NullCount);
                Assert.Equal(present.Length == 0 ? null : present.Min(), opt.Min);
                Assert.Equal(present.Length == 0 ? null : present.Max(), opt.Max);

                var d = file.Summary(g, file.Schema.Columns.ToList().FindIndex(c => c.Name == "double"));
                // No bounds for a chunk holding a NaN (DuckDB would let NaN through a bounded filter).
                var values = group.Select(r => r.Double).ToArray();
                bool bounded = !values.Any(double.IsNaN);
                Assert.Equal(bounded ? values.Min() : null, d.Min is double dm && dm == 0 ? 0.0 : d.Min);
                Assert.Equal(bounded ? values.Max() : null, d.Max);

                // Strings in the format's order, UTF-8 bytes (not UTF-16 code units, as Parquet.Net 6.1 has them).
                var s = file.Summary(g, file.Schema.Columns.ToList().FindIndex(c => c.Name == "text"));
                var utf8 = group.Select(r => System.Text.Encoding.UTF8.GetBytes(r.Text)).ToArray();
                Assert.Equal(utf8.Aggregate((a, b) => a.AsSpan().SequenceCompareTo(b) <= 0 ? a : b), System.Text.Encoding.UTF8.GetBytes((string)s.Min!));
                Assert.Equal(utf8.Aggregate((a, b) => a.AsSpan().SequenceCompareTo(b) >= 0 ? a : b), System.Text.Encoding.UTF8.GetBytes((string)s.Max!));
            }
        });

    [Fact]
    public void The_schema_of_the_steps_table_is_derived_from_StepRow_in_snake_case()
    {
        var names = Tables.StepsSchema.Columns.Select(c => c.Name).ToArray();
        Assert.Equal(typeof(StepRow).GetProperties().Length, names.Length);
        Assert.Contains(new ColumnSpec("example_id", ColumnType.String, false), Tables.StepsSchema.Columns);
        Assert.Contains(new ColumnSpec("quality", ColumnType.Double, true), Tables.StepsSchema.Columns);
        Assert.Contains(new ColumnSpec("grad_norm", ColumnType.Double, true), Tables.StepsSchema.Columns);
        Assert.Contains(new ColumnSpec("tokens", ColumnType.Int32List, false), Tables.ExamplesSchema.Columns);
        Assert.Contains(new ColumnSpec("steps_to_unlearn", ColumnType.Int32, true), Tables.ExamplesSchema.Columns);
        Assert.Contains(new ColumnSpec("started_at", ColumnType.Timestamp, false), Tables.RunsSchema.Columns);
        Assert.Contains(new ColumnSpec("finished_at", ColumnType.Timestamp, true), Tables.RunsSchema.Columns);
        Assert.Equal("exposure_ext_base", ParquetTable<ExampleRow>.SnakeCase("ExposureExtBase"));
    }

    [Fact]
    public void A_writer_disposed_before_Complete_leaves_no_file_under_the_name()
    {
        var path = Path.Combine(_dir, "unfinished.parquet");
        using (var writer = ParquetTable<AllTypesRow>.Create(path, null, new ParquetWriteOptions { RowGroupRows = 10 }))
        {
            foreach (var row in RowMaker.Rows(1, 35))
            {
                writer.Add(row);
            }

            Assert.Equal(30, writer.RowsWritten);
            Assert.False(File.Exists(path));
        }

        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_required_column_given_a_null_is_refused_before_anything_is_written()
    {
        var path = Path.Combine(_dir, "null.parquet");
        var schema = new TableSchema([new ColumnSpec("x", ColumnType.String, false)]);
        using var writer = new ParquetFileWriter(path, schema);
        var e = Assert.Throws<ArgumentException>(() => writer.WriteRowGroup([new ColumnValues<string?>(["a", null], null, 2)]));
        Assert.Contains("column x is required but row 1 is null", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_table_file_with_a_missing_column_names_the_file_and_the_column()
    {
        var path = Path.Combine(_dir, "other.parquet");
        ParquetTable<PopulationRow>.Write(path, [new PopulationRow { Source = "brown", ExampleId = "e1", Tokens = [1, 2], BitsBase = 1, BitsRef = 2 }]);
        var e = Assert.Throws<StorageFormatException>(() => ParquetTable<StepRow>.ReadAll(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("column step", e.Message, StringComparison.Ordinal);
    }
}
