using System.Text.Json.Nodes;
using Unlearning.Core.Results;
using Unlearning.Host;
using Unlearning.Storage;
using Unlearning.Storage.Manifest;
using Unlearning.Storage.Parquet;

namespace Unlearning.Properties.Storage;

/// <summary>Truncated, bit-flipped and mislabelled files give a <see cref="StorageFormatException"/> naming the file, never a crash or wrong rows.</summary>
public sealed class ParquetCorruptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unlearning-corrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Path, byte[] Bytes, string[] Expected) Original(bool snappy)
    {
        var rows = RowMaker.Rows(snappy ? 11 : 12, 120);
        var path = Path.Combine(_dir, $"original-{snappy}.parquet");
        ParquetTable<AllTypesRow>.Write(path, rows, [new("unlearning.config", "{\"a\":1}")], new ParquetWriteOptions
        {
            RowGroupRows = 50,
            Compression = snappy ? ParquetCompression.Snappy : ParquetCompression.Uncompressed,
        });
        return (path, File.ReadAllBytes(path), rows.Select(r => r.Canonical()).ToArray());
    }

    /// <summary>Reads the file completely: rows and metadata, as one comparable list of strings.</summary>
    private static string[] ReadAll(string path)
    {
        var rows = ParquetTable<AllTypesRow>.ReadAll(path).Select(r => r.Canonical()).ToList();
        using var file = ParquetFileReader.Open(path);
        rows.AddRange(file.Metadata.Select(kv => kv.Key + "=" + kv.Value));
        return [.. rows];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_truncation_is_an_error_naming_the_file(bool snappy)
    {
        var (_, bytes, _) = Original(snappy);
        var path = Path.Combine(_dir, "truncated.parquet");
        var rng = new Random(5);
        var lengths = Enumerable.Range(0, 60).Select(_ => rng.Next(bytes.Length)).Concat([0, 3, 4, 11, 12, bytes.Length - 1, bytes.Length - 4, bytes.Length - 8]);
        foreach (int length in lengths)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var e = Assert.Throws<StorageFormatException>(() => ReadAll(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_flipped_byte_in_a_bare_file_is_an_error_naming_the_file_or_a_read_never_a_crash(bool snappy)
    {
        // Parquet.Net writes no page checksums, so a flip in a file outside a run folder may go
        // unnoticed (a run's files are checked against its manifest, below); it must still never be
        // anything but a StorageFormatException naming the file.
        var (_, bytes, expected) = Original(snappy);
        var original = ReadAll(Original(snappy).Path);
        Assert.Equal(expected, original.Take(expected.Length));
        var path = Path.Combine(_dir, "flipped.parquet");
        var rng = new Random(snappy ? 7 : 8);
        int errors = 0;
        var positions = Enumerable.Range(Math.Max(0, bytes.Length - 600), Math.Min(600, bytes.Length))
            .Concat(Enumerable.Range(0, 400).Select(_ => rng.Next(bytes.Length)));
        foreach (int at in positions)
        {
            var copy = (byte[])bytes.Clone();
            copy[at] ^= (byte)rng.Next(1, 256);
            File.WriteAllBytes(path, copy);
            try
            {
                ReadAll(path);
            }
            catch (StorageFormatException e)
            {
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
                errors++;
            }
        }

        Assert.True(errors > 100, $"only {errors} flips were detected");
    }

    [Fact]
    public async Task A_damaged_end_of_footer_never_hangs_the_reader()
    {
        // Parquet.Net's Thrift reader spins for ever past the end of a footer whose last byte (the
        // closing STOP) is damaged; the reader hands it the footer followed by zeros (PaddedFooterStream).
        var (_, bytes, _) = Original(true);
        var path = Path.Combine(_dir, "footer-end.parquet");
        int stop = bytes.Length - 9;
        Assert.Equal(0, bytes[stop]);
        for (int x = 1; x < 256; x++)
        {
            var copy = (byte[])bytes.Clone();
            copy[stop] ^= (byte)x;
            File.WriteAllBytes(path, copy);
            var read = Task.Run(() =>
            {
                try
                {
                    ReadAll(path);
                }
                catch (StorageFormatException e) when (e.Message.Contains(path, StringComparison.Ordinal))
                {
                }
            });
            Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(60))) == read, $"reading with footer byte {stop} XOR {x} did not finish");
            await read;
        }
    }

    /// <summary>A run folder: the four tables, written as the Host writes them, and its manifest.</summary>
    private string RunFolder()
    {
        var run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(run);
        var tables = Unlearning.Core.Report.SyntheticRun.Generate(new Unlearning.Core.Report.SyntheticSpec());
        ParquetTable<RunRow>.Write(Path.Combine(run, "runs.parquet"), tables.Runs, Tables.Metadata(Tables.Runs, "{}"));
        ParquetTable<ExampleRow>.Write(Path.Combine(run, "examples.parquet"), tables.Examples, Tables.Metadata(Tables.Examples, "{}"));
        ParquetTable<StepRow>.Write(Path.Combine(run, "steps.parquet"), tables.Steps, Tables.Metadata(Tables.Steps, "{}"));
        ParquetTable<PopulationRow>.Write(Path.Combine(run, "populations.parquet"), tables.Populations, Tables.Metadata(Tables.Populations, "{}"));
        var files = new[] { "runs.parquet", "examples.parquet", "steps.parquet", "populations.parquet" };
        Manifests.Write(Path.Combine(run, RunManifest.FileName), Manifests.Create("r1", new JsonObject { ["seed"] = 1 }, new Dictionary<string, string>(), run, files, DateTime.UtcNow));
        return run;
    }

    [Theory]
    [InlineData("steps.parquet")]
    [InlineData("examples.parquet")]
    [InlineData("populations.parquet")]
    [InlineData("runs.parquet")]
    public void Damage_to_a_finished_table_is_an_error_naming_it_from_inspect_and_report(string table)
    {
        var run = RunFolder();
        var path = Path.Combine(run, table);
        var (code, output, error) = Cli.Capture("inspect", path);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains($"SHA-256 matches {Path.Combine(run, RunManifest.FileName)}", output, StringComparison.Ordinal);
        Assert.Equal("", error);

        var bytes = File.ReadAllBytes(path);
        var rng = new Random(table.Length);
        var damaged = new List<(string What, byte[] Bytes)>
        {
            ("truncated", bytes[..(bytes.Length - 1 - rng.Next(bytes.Length / 2))]),
            ("wrong magic", [.. "PAR2"u8, .. bytes[4..]]),
        };
        foreach (int at in new[] { 4, bytes.Length / 3, bytes.Length / 2, bytes.Length - 9, rng.Next(bytes.Length) })
        {
            var copy = (byte[])bytes.Clone();
            copy[at] ^= (byte)(1 << rng.Next(8));
            damaged.Add(($"byte {at} flipped", copy));
        }

        foreach (var (what, content) in damaged)
        {
            File.WriteAllBytes(path, content);
            (code, _, error) = Cli.Capture("inspect", path);
            Assert.True(code == ExitCodes.BadInput && error.StartsWith($"{path}: sha256: expected ", StringComparison.Ordinal), $"inspect of {table} {what}: exit {code}, {error}");

            (code, _, error) = Cli.Capture("report", run);
            Assert.True(code == ExitCodes.BadInput && error.Contains($"{path}: sha256: expected ", StringComparison.Ordinal), $"report with {table} {what}: exit {code}, {error}");
        }
    }

    [Fact]
    public void Wrong_magic_at_either_end_says_so()
    {
        var (_, bytes, _) = Original(true);
        var path = Path.Combine(_dir, "magic.parquet");
        var head = (byte[])bytes.Clone();
        head[0] = (byte)'Q';
        File.WriteAllBytes(path, head);
        var e = Assert.Throws<StorageFormatException>(() => ParquetFileReader.Open(path));
        Assert.Equal($"{path}: magic: expected \"PAR1\" at the start, found \"QAR1\"", e.Message);

        var tail = (byte[])bytes.Clone();
        tail[^1] = (byte)'2';
        File.WriteAllBytes(path, tail);
        e = Assert.Throws<StorageFormatException>(() => ParquetFileReader.Open(path));
        Assert.Contains("\"PAR1\" at the end", e.Message, StringComparison.Ordinal);

        File.WriteAllText(path, "this is a CSV file,\n1,2\n");
        e = Assert.Throws<StorageFormatException>(() => ParquetFileReader.Open(path));
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flipped_bytes_in_a_DuckDB_file_never_crash_the_reader()
    {
        // DuckDB writes no checksums, so a flip may go unnoticed; it must still never be anything
        // but a StorageFormatException (no out-of-range reads, no runaway allocation, no hang).
        var path = Path.Combine(_dir, "duck.parquet");
        DuckDb.Instance.Exec(
            "COPY (SELECT i::INT AS a, CASE WHEN i % 3 = 0 THEN NULL ELSE 'v' || (i % 9)::VARCHAR END AS s, i::DOUBLE / 7 AS d, "
            + $"[i, i % 5]::INT[] AS l FROM range(300) r(i)) TO {DuckDb.Quote(path)} (FORMAT parquet, ROW_GROUP_SIZE 100)");
        var bytes = File.ReadAllBytes(path);
        var flipped = Path.Combine(_dir, "duck-flipped.parquet");
        var rng = new Random(3);
        for (int k = 0; k < 1500; k++)
        {
            var copy = (byte[])bytes.Clone();
            copy[k < bytes.Length ? k : rng.Next(bytes.Length)] ^= (byte)rng.Next(1, 256);
            File.WriteAllBytes(flipped, copy);
            try
            {
                using var reader = ParquetFileReader.Open(flipped);
                for (int g = 0; g < reader.RowGroupCount; g++)
                {
                    reader.ReadRowGroup(g);
                }
            }
            catch (StorageFormatException)
            {
            }
        }
    }
}
