using System.Globalization;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Unlearning.Core.Experiment;
using Unlearning.Core.Results;
using Unlearning.Storage;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Storage;

/// <summary>DuckDB, the real engine, is the judge: it reads what we write, and we read what it writes.</summary>
public sealed class DuckDbInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unlearning-duckdb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DuckDb Db => DuckDb.Instance;

    [Property(MaxTest = 25)]
    public Property DuckDB_reads_every_file_we_write_and_agrees_on_schema_count_samples_and_aggregates() =>
        Prop.ForAll(ParquetRoundTripLaws.Layouts.ToArbitrary(), layout =>
        {
            var rows = RowMaker.Rows(layout.Seed, layout.Rows, layout.NullRate);
            var path = Path.Combine(_dir, $"all-{layout.Seed}.parquet");
            ParquetTable<AllTypesRow>.Write(path, rows, [new("unlearning.schema_version", "1")], ParquetRoundTripLaws.Options(layout));
            var src = $"read_parquet({DuckDb.Quote(path)}, file_row_number = true)";

            // Schema: names and DuckDB types.
            var described = Db.Query($"DESCRIBE SELECT * EXCLUDE (file_row_number) FROM {src}");
            Assert.Equal(
                "int INTEGER, opt_int INTEGER, long BIGINT, opt_long BIGINT, float FLOAT, opt_float FLOAT, double DOUBLE, opt_double DOUBLE, "
                + "flag BOOLEAN, opt_flag BOOLEAN, text VARCHAR, opt_text VARCHAR, time TIMESTAMP WITH TIME ZONE, opt_time TIMESTAMP WITH TIME ZONE, "
                + "tokens INTEGER[], opt_tokens INTEGER[]",
                string.Join(", ", described.Select(r => $"{r!["column_name"]} {r["column_type"]}")));

            // Count, and the metadata DuckDB sees.
            Assert.Equal(rows.Length, DuckDb.Long(Db.Query($"SELECT count(*) AS n FROM {src}")[0]!["n"]));
            var kv = Db.Query($"SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata({DuckDb.Quote(path)})");
            Assert.Contains(kv, r => (string?)r!["k"] == "unlearning.schema_version" && (string?)r["v"] == "1");

            // Sampled rows, every column, compared value by value.
            var rng = new Random(layout.Seed);
            var sample = Enumerable.Range(0, Math.Min(rows.Length, 12)).Select(_ => rng.Next(rows.Length)).Distinct().Order().ToArray();
            if (sample.Length > 0)
            {
                var got = Db.Query(
                    "SELECT file_row_number AS r, int, opt_int, long::VARCHAR AS long, opt_long::VARCHAR AS opt_long, float::DOUBLE AS float, "
                    + "opt_float::DOUBLE AS opt_float, double, opt_double, flag, opt_flag, text, opt_text, epoch_us(time)::VARCHAR AS time, "
                    + "epoch_us(opt_time)::VARCHAR AS opt_time, tokens, opt_tokens "
                    + $"FROM {src} WHERE file_row_number IN ({string.Join(',', sample)}) ORDER BY file_row_number");
                Assert.Equal(sample.Length, got.Count);
                foreach (var g in got)
                {
                    var row = rows[(int)DuckDb.Long(g!["r"])];
                    Assert.Equal(row.Int, (int)g["int"]!);
                    Assert.Equal(row.OptInt, (int?)g["opt_int"]);
                    Assert.Equal(row.Long, DuckDb.Long(g["long"]));
                    Assert.Equal(row.OptLong, g["opt_long"] is null ? (long?)null : DuckDb.Long(g["opt_long"]));
                    Assert.Equal((double)row.Float, DuckDb.Double(g["float"]));
                    Assert.Equal(row.OptFloat is { } of ? (double?)of : null, g["opt_float"] is null ? (double?)null : DuckDb.Double(g["opt_float"]));
                    Assert.Equal(row.Double, DuckDb.Double(g["double"]));
                    Assert.Equal(row.OptDouble, g["opt_double"] is null ? (double?)null : DuckDb.Double(g["opt_double"]));
                    Assert.Equal(row.Flag, (bool)g["flag"]!);
                    Assert.Equal(row.OptFlag, (bool?)g["opt_flag"]);
                    Assert.Equal(row.Text, (string)g["text"]!);
                    Assert.Equal(row.OptText, (string?)g["opt_text"]);
                    Assert.Equal(Timestamps.ToMicros(row.Time), DuckDb.Long(g["time"]));
                    Assert.Equal(row.OptTime is { } t ? Timestamps.ToMicros(t) : (long?)null, g["opt_time"] is null ? (long?)null : DuckDb.Long(g["opt_time"]));
                    Assert.Equal(row.Tokens, g["tokens"]!.AsArray().Select(x => (int)x!).ToArray());
                    Assert.Equal(row.OptTokens, g["opt_tokens"]?.AsArray().Select(x => (int)x!).ToArray());
                }
            }

            // Aggregates over whole columns, and filters DuckDB may answer from our statistics.
            int threshold = rows.Length == 0 ? 0 : rows[rng.Next(rows.Length)].Int;
            var agg = Db.Query(
                "SELECT sum(int::HUGEINT)::VARCHAR AS si, count(opt_int) AS ci, sum(opt_long::HUGEINT)::VARCHAR AS sl, "
                + "count(*) FILTER (WHERE flag) AS flags, sum(len(tokens)) AS nt, sum(list_sum(tokens::BIGINT[]))::VARCHAR AS st, "
                + "count(opt_tokens) AS cot, min(text) AS mn, max(text) AS mx, "
                + $"count(*) FILTER (WHERE int > {threshold}) AS above, count(*) FILTER (WHERE isnan(double)) AS nans FROM {src}")[0]!;
            Assert.Equal(rows.Sum(r => (decimal)r.Int).ToString(CultureInfo.InvariantCulture), (string?)agg["si"] ?? "0");
            Assert.Equal(rows.Count(r => r.OptInt.HasValue), DuckDb.Long(agg["ci"]));
            Assert.Equal(rows.Any(r => r.OptLong.HasValue) ? rows.Sum(r => (decimal)(r.OptLong ?? 0)).ToString(CultureInfo.InvariantCulture) : null, (string?)agg["sl"]);
            Assert.Equal(rows.Count(r => r.Flag), DuckDb.Long(agg["flags"]));
            Assert.Equal(rows.Sum(r => (long)r.Tokens.Length), agg["nt"] is null ? 0 : DuckDb.Long(agg["nt"]));
            Assert.Equal(rows.Sum(r => r.Tokens.Sum(x => (decimal)x)).ToString(CultureInfo.InvariantCulture), (string?)agg["st"] ?? "0");
            Assert.Equal(rows.Count(r => r.OptTokens is not null), DuckDb.Long(agg["cot"]));
            Assert.Equal(rows.Count(r => double.IsNaN(r.Double)), DuckDb.Long(agg["nans"]));
            Assert.Equal(rows.Count(r => r.Int > threshold), DuckDb.Long(agg["above"]));
            if (rows.Length > 0)
            {
                var ordered = rows.Select(r => r.Text).OrderBy(s => System.Text.Encoding.UTF8.GetBytes(s), Utf8Order.Instance).ToArray();
                Assert.Equal(ordered[0], (string?)agg["mn"]);
                Assert.Equal(ordered[^1], (string?)agg["mx"]);
            }

            // A pushed-down filter on a string and on a timestamp (row groups may be skipped by min/max).
            if (rows.Any(r => !r.Text.Contains('\0', StringComparison.Ordinal)))
            {
                // A SQL literal cannot hold U+0000: probe with a row whose text has none.
                var probe = rows.Skip(rng.Next(rows.Length)).Concat(rows).First(r => !r.Text.Contains('\0', StringComparison.Ordinal));
                var f = Db.Query(
                    $"SELECT count(*) FILTER (WHERE text = {DuckDb.Quote(probe.Text)}) AS eq, "
                    + $"count(*) FILTER (WHERE epoch_us(time) <= {Timestamps.ToMicros(probe.Time)}) AS before FROM read_parquet({DuckDb.Quote(path)})")[0]!;
                Assert.Equal(rows.Count(r => r.Text == probe.Text), DuckDb.Long(f["eq"]));
                Assert.Equal(rows.Count(r => r.Time <= probe.Time), DuckDb.Long(f["before"]));
                var direct = Db.Query($"SELECT count(*) AS n FROM read_parquet({DuckDb.Quote(path)}) WHERE int = {probe.Int}")[0]!;
                Assert.Equal(rows.Count(r => r.Int == probe.Int), DuckDb.Long(direct["n"]));
            }
        });

    /// <summary>Every table the Host writes (SPEC §9's four, the training curves and the claims), as DuckDB reads it: every row, every column, the same value.</summary>
    [Property(MaxTest = 12)]
    public Property DuckDB_reads_every_table_with_the_same_values() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            int groupRows = 1 + rng.Next(40);
            SameInDuckDb(RandomRows.Of<RunRow>(rng, rng.Next(1, 4)), Tables.Runs, groupRows);
            SameInDuckDb(RandomRows.Of<ExampleRow>(rng, rng.Next(0, 60)), Tables.Examples, groupRows);
            SameInDuckDb(RandomRows.Of<StepRow>(rng, rng.Next(0, 200)), Tables.Steps, groupRows);
            SameInDuckDb(RandomRows.Of<PopulationRow>(rng, rng.Next(0, 120)), Tables.Populations, groupRows);
            SameInDuckDb(RandomRows.Of<TrainingCurveRow>(rng, rng.Next(0, 90)), "curve_base", groupRows);
            SameInDuckDb(RandomRows.Of<ClaimRow>(rng, rng.Next(0, 30)), Tables.Claims, groupRows);
        });

    private void SameInDuckDb<TRow>(TRow[] rows, string table, int groupRows)
        where TRow : class
    {
        using (var w = Tables.Create<TRow>(_dir, table, "{\"table\":\"" + table + "\"}", new ParquetWriteOptions { RowGroupRows = groupRows }))
        {
            foreach (var r in rows)
            {
                w.Add(r);
            }

            w.Complete();
        }

        var path = Path.Combine(_dir, Tables.FileName(table));
        var columns = ParquetTable<TRow>.Schema.Columns;
        var select = string.Join(", ", columns.Select(c => c.Type == ColumnType.Timestamp ? $"epoch_us({c.Name})::VARCHAR AS {c.Name}" : c.Name));
        var got = Db.Query($"SELECT {select} FROM read_parquet({DuckDb.Quote(path)}, file_row_number = true) ORDER BY file_row_number");
        Assert.Equal(rows.Length, got.Count);
        var properties = typeof(TRow).GetProperties().Where(p => p.Name != "EqualityContract").ToDictionary(p => ParquetTable<TRow>.SnakeCase(p.Name));
        for (int i = 0; i < rows.Length; i++)
        {
            foreach (var c in columns)
            {
                var expected = properties[c.Name].GetValue(rows[i]);
                var cell = got[i]![c.Name];
                string where = $"{table} row {i} column {c.Name}";
                switch (expected)
                {
                    case null:
                        Assert.True(cell is null, $"{where}: expected null, DuckDB read {cell?.ToJsonString()}");
                        break;
                    case int x:
                        Assert.Equal(x, (int)cell!);
                        break;
                    case long x:
                        Assert.Equal(x, DuckDb.Long(cell));
                        break;
                    case double x:
                        Assert.True(BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(DuckDb.Double(cell)) || (double.IsNaN(x) && double.IsNaN(DuckDb.Double(cell))), $"{where}: {x:R} vs {cell?.ToJsonString()}");
                        break;
                    case bool x:
                        Assert.Equal(x, (bool)cell!);
                        break;
                    case string x:
                        Assert.Equal(x, (string?)cell);
                        break;
                    case DateTime x:
                        Assert.Equal(Timestamps.ToMicros(x), DuckDb.Long(cell));
                        break;
                    case int[] x:
                        Assert.Equal(x, cell!.AsArray().Select(v => (int)v!).ToArray());
                        break;
                    default:
                        Assert.Fail($"{where}: no comparison for {expected.GetType().Name}");
                        break;
                }
            }
        }

        var kv = Db.Query($"SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata({DuckDb.Quote(path)})");
        Assert.Equal(table, (string?)kv.Single(r => (string?)r!["k"] == Tables.TableKey)!["v"]);
        Assert.Equal("1", (string?)kv.Single(r => (string?)r!["k"] == Tables.SchemaVersionKey)!["v"]);
    }

    [Fact]
    public void DuckDB_reads_claims_parquet_and_finds_the_combined_verdicts_the_report_prints()
    {
        var model = Core.Report.Analysis.Build(Core.Report.SyntheticRun.Generate(new Core.Report.SyntheticSpec()), new Core.Report.ReportSettings { Resamples = 100 })
            .Match(m => m, e => throw new InvalidOperationException(e.ToString()));
        var path = Path.Combine(_dir, "claims.parquet");
        ParquetTable<ClaimRow>.Write(path, model.ClaimRows, Tables.Metadata(Tables.Claims, "{}"));
        var described = Db.Query($"DESCRIBE SELECT * FROM read_parquet({DuckDb.Quote(path)})");
        Assert.Equal(
            "claim VARCHAR, part VARCHAR, analysis VARCHAR, exposure VARCHAR, statistic VARCHAR, n_id INTEGER, n_ood INTEGER, effect DOUBLE, "
            + "ci_low DOUBLE, ci_high DOUBLE, p DOUBLE, verdict VARCHAR, seed VARCHAR, method VARCHAR",
            string.Join(", ", described.Select(r => $"{r!["column_name"]} {r["column_type"]}")));
        var combined = Db.Query($"SELECT claim, analysis, exposure, verdict FROM read_parquet({DuckDb.Quote(path)}) WHERE part = 'all' ORDER BY claim, exposure DESC")
            .Select(r => $"{r!["claim"]}/{r["analysis"]}/{r["exposure"]}/{r["verdict"]}").ToList();
        var expected = model.ClaimRows.Where(r => r.Part == "all").OrderBy(r => r.Claim, StringComparer.Ordinal)
            .Select(r => $"{r.Claim}/{r.Analysis}/{r.Exposure}/{r.Verdict}").ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), combined.Order(StringComparer.Ordinal));
        Assert.Equal(model.ClaimRows.Count, DuckDb.Long(Db.Query($"SELECT count(*) AS n FROM read_parquet({DuckDb.Quote(path)})")[0]!["n"]));
    }

    [Fact]
    public void DuckDB_sees_the_SPEC_column_names_and_the_metadata_of_every_table()
    {
        var config = "{\"seed\":7,\"preset\":\"tiny\"}";
        var started = new DateTime(2026, 11, 22, 6, 0, 0, DateTimeKind.Utc).AddTicks(1234560);
        ParquetTable<RunRow>.Write(Path.Combine(_dir, "runs.parquet"), [new RunRow
        {
            RunId = "r1", ConfigHash = "abc", Seed = 7, Preset = "tiny", ModelParameters = 123456, NLayer = 2, NEmbd = 64, NHead = 4,
            VocabSize = 4096, ExampleTokens = 64, TrainExamples = 1000, ForgetId = 8, ForgetOod = 8, PopulationSize = 256,
            StartedAt = started, Threads = 2, Engine = "managed", Device = "cpu", Precision = "fp32", Versions = "{}", Status = "running",
        }], Tables.Metadata(Tables.Runs, config));
        ParquetTable<ExampleRow>.Write(Path.Combine(_dir, "examples.parquet"), [new ExampleRow
        {
            ExampleId = "brown-1", Source = "brown", IsOod = false, Repeats = 1, Tokens = [1, 2, 3], Text = "the cat", BitsBase = 100.5, BitsRef = 120.25,
            ExposureBase = 3, ExposureRef = 1, ExposureExtBase = 3.5, ExposureExtRef = 1.25, ExcessExposure = 2, Memorized = true, Memorization = 0.3,
            Difficulty = 1.9, DifficultyPercentile = 40, StepsToUnlearn = null, Censored = true, Status = "ok",
        }], Tables.Metadata(Tables.Examples, config));

        var runs = Db.Query($"SELECT run_id, seed::VARCHAR AS seed, epoch_us(started_at)::VARCHAR AS started, finished_at, model_parameters::VARCHAR AS mp FROM read_parquet({DuckDb.Quote(Path.Combine(_dir, "runs.parquet"))})")[0]!;
        Assert.Equal("r1", (string?)runs["run_id"]);
        Assert.Equal("7", (string?)runs["seed"]);
        Assert.Equal(Timestamps.ToMicros(started).ToString(CultureInfo.InvariantCulture), (string?)runs["started"]);
        Assert.Null(runs["finished_at"]);
        Assert.Equal("123456", (string?)runs["mp"]);

        var ex = Db.Query($"SELECT example_id, is_ood, tokens, bits_base, bits_ref, steps_to_unlearn, censored, utility_cost_at_unlearn FROM read_parquet({DuckDb.Quote(Path.Combine(_dir, "examples.parquet"))})")[0]!;
        Assert.Equal("brown-1", (string?)ex["example_id"]);
        Assert.Equal([1, 2, 3], ex["tokens"]!.AsArray().Select(x => (int)x!));
        Assert.Equal(120.25, (double)ex["bits_ref"]!);
        Assert.Null(ex["steps_to_unlearn"]);
        Assert.True((bool)ex["censored"]!);

        var kv = Db.Query($"SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata({DuckDb.Quote(Path.Combine(_dir, "examples.parquet"))})");
        Assert.Equal(config, (string?)kv.Single(r => (string?)r!["k"] == Tables.ConfigKey)!["v"]);
        Assert.Equal("examples", (string?)kv.Single(r => (string?)r!["k"] == Tables.TableKey)!["v"]);
    }

    [Theory]
    [InlineData("(FORMAT parquet, ROW_GROUP_SIZE 700)")]
    [InlineData("(FORMAT parquet, ROW_GROUP_SIZE 1000, PARQUET_VERSION V2)")]
    [InlineData("(FORMAT parquet, COMPRESSION uncompressed)")]
    [InlineData("(FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 2048)")]
    public void Our_reader_reads_what_DuckDB_writes(string options)
    {
        const int N = 5000;
        var path = Path.Combine(_dir, $"duck-{Math.Abs(options.GetHashCode(StringComparison.Ordinal))}.parquet");
        Db.Exec(
            "COPY (SELECT i::INT AS a, CASE WHEN i % 3 = 0 THEN NULL ELSE (i * 7919)::BIGINT END AS b, "
            + "(i % 7)::FLOAT / 4 AS f, i::DOUBLE / 3 AS d, i % 2 = 0 AS flag, "
            + "CASE WHEN i % 5 = 0 THEN NULL ELSE 'x' || (i % 50)::VARCHAR END AS s, 'row ' || i::VARCHAR AS u, "
            + "TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(i * 1000003) AS t, "
            + "CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN []::INT[] ELSE [i, i + 1, i % 4]::INT[] END AS l "
            + $"FROM range({N}) r(i)) TO {DuckDb.Quote(path)} {options}");

        using var reader = ParquetFileReader.Open(path);
        Assert.Equal(N, reader.RowCount);
        Assert.Equal(
            "a: int32?, b: int64?, f: float?, d: double?, flag: boolean?, s: string?, u: string?, t: timestamp[us, UTC]?, l: list<int32>?",
            reader.Schema.ToString());
        int row = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            var cols = reader.ReadRowGroup(g);
            for (int k = 0; k < cols[0].Count; k++, row++)
            {
                long i = row;
                Assert.Equal((object)(int)i, cols[0].Get(k));
                Assert.Equal(i % 3 == 0 ? null : (object)(i * 7919), cols[1].Get(k));
                Assert.Equal((object)((float)(i % 7) / 4), cols[2].Get(k));
                Assert.Equal((object)(i / 3.0), cols[3].Get(k));
                Assert.Equal((object)(i % 2 == 0), cols[4].Get(k));
                Assert.Equal(i % 5 == 0 ? null : (object)("x" + (i % 50).ToString(CultureInfo.InvariantCulture)), cols[5].Get(k));
                Assert.Equal((object)("row " + i.ToString(CultureInfo.InvariantCulture)), cols[6].Get(k));
                Assert.Equal((object)(Timestamps.ToMicros(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)) + (i * 1000003)), cols[7].Get(k));
                int[]? expected = i % 11 == 0 ? null : i % 13 == 0 ? [] : [(int)i, (int)i + 1, (int)(i % 4)];
                Assert.Equal(expected, (int[]?)cols[8].Get(k));
            }
        }

        Assert.Equal(N, row);
    }

    internal static StepRow[] StepRows(int seed, int n)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(i => new StepRow
        {
            ExampleId = "ex-" + (i / 50).ToString(CultureInfo.InvariantCulture),
            Step = i % 50,
            Bits = rng.NextDouble() * 300,
            Exposure = rng.NextDouble() * 8,
            ExposureExt = rng.NextDouble() * 10,
            Quality = i % 4 == 0 ? null : rng.NextDouble(),
            UtilityCost = rng.NextDouble() - 0.1,
            DeltaLoss = rng.NextDouble(),
            LossId = rng.NextDouble() * 4,
            PerplexityId = 1 + (rng.NextDouble() * 50),
            AccuracyId = rng.NextDouble(),
            LossCode = rng.NextDouble(),
            PerplexityCode = rng.NextDouble(),
            AccuracyCode = rng.NextDouble(),
            LossSpam = null,
            PerplexitySpam = null,
            AccuracySpam = null,
            LossCanary = rng.NextDouble(),
            PerplexityCanary = rng.NextDouble(),
            AccuracyCanary = rng.NextDouble(),
            GradNorm = i % 50 == 0 ? null : rng.NextDouble() * 3,
            Drift = rng.NextDouble(),
        }).ToArray();
    }

    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
