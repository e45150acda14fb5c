using Unlearning.Storage;
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
            PageValues = 40,
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
    public void A_flipped_byte_anywhere_is_an_error_or_changes_nothing(bool snappy)
    {
        var (_, bytes, expected) = Original(snappy);
        var original = ReadAll(Original(snappy).Path);
        Assert.Equal(expected, original.Take(expected.Length));
        var path = Path.Combine(_dir, "flipped.parquet");
        var rng = new Random(snappy ? 7 : 8);
        int errors = 0;

        // Every byte of the footer region and a sample of the data, each with a random non-zero XOR.
        var positions = Enumerable.Range(Math.Max(0, bytes.Length - 1200), Math.Min(1200, bytes.Length))
            .Concat(Enumerable.Range(0, 600).Select(_ => rng.Next(bytes.Length)));
        foreach (int at in positions)
        {
            var copy = (byte[])bytes.Clone();
            copy[at] ^= (byte)rng.Next(1, 256);
            File.WriteAllBytes(path, copy);
            try
            {
                var got = ReadAll(path);
                Assert.True(original.SequenceEqual(got), $"flipping byte {at} of {bytes.Length} changed the data without an error");
            }
            catch (StorageFormatException e)
            {
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
                errors++;
            }
        }

        Assert.True(errors > 1000, $"only {errors} flips were detected");
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
