using System.Buffers.Binary;
using System.Globalization;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace Unlearning.Storage.Parquet;

/// <summary>Statistics of one column chunk as the file records them (min/max decoded for our types).</summary>
public sealed record ColumnChunkSummary(string Column, long Values, long? NullCount, object? Min, object? Max, string Codec, IReadOnlyList<string> Encodings, long CompressedBytes, long UncompressedBytes);

/// <summary>
/// Reads the Parquet subset of <see cref="ColumnType"/> through Parquet.Net (what our writer produces,
/// and what DuckDB writes for those types). Opening checks the magic bytes at both ends and the footer
/// length before Parquet.Net parses the footer; reading checks the levels and counts of every chunk.
/// Any problem, and any exception Parquet.Net throws on a damaged file, is a
/// <see cref="StorageFormatException"/> naming the file (and the row group and column), never a crash.
/// A damaged file can still decode to other values (there are no page checksums): a finished run's
/// files are checked against the SHA-256 in its manifest (see <see cref="Manifest.Manifests.Verify"/>).
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly ParquetReader _reader;
    private readonly DataField[] _leaves;

    private ParquetFileReader(string path, FileStream stream, ParquetReader reader, TableSchema schema, DataField[] leaves)
    {
        Path = path;
        _stream = stream;
        _reader = reader;
        _leaves = leaves;
        Schema = schema;
        var meta = reader.Metadata!;
        Metadata = (meta.KeyValueMetadata ?? []).Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)).ToArray();
        RowGroupRows = meta.RowGroups.Select(g => g.NumRows).ToArray();
        RowCount = meta.NumRows;
        CreatedBy = meta.CreatedBy;
    }

    public string Path { get; }

    public TableSchema Schema { get; }

    public long RowCount { get; }

    public IReadOnlyList<long> RowGroupRows { get; }

    public int RowGroupCount => RowGroupRows.Count;

    public IReadOnlyList<KeyValuePair<string, string?>> Metadata { get; }

    public string? CreatedBy { get; }

    public string? MetadataValue(string key) => Metadata.LastOrDefault(kv => kv.Key == key).Value;

    public static ParquetFileReader Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageFormatException(path, "file", "a readable Parquet file", e.Message, e);
        }

        try
        {
            return Open(path, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static ParquetFileReader Open(string path, FileStream stream)
    {
        long length = stream.Length;
        if (length < 12)
        {
            throw new StorageFormatException(path, "length", "at least 12 bytes (PAR1 + footer length + PAR1)", $"{length} bytes (truncated?)");
        }

        Span<byte> head = stackalloc byte[4];
        stream.ReadExactly(head);
        if (!head.SequenceEqual("PAR1"u8))
        {
            throw new StorageFormatException(path, "magic", "\"PAR1\" at the start", Show(head));
        }

        Span<byte> tail = stackalloc byte[8];
        stream.Position = length - 8;
        stream.ReadExactly(tail);
        if (!tail[4..].SequenceEqual("PAR1"u8))
        {
            throw new StorageFormatException(path, "magic", "\"PAR1\" at the end", $"{Show(tail[4..])} (truncated or not Parquet)");
        }

        long footerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footerLength > length - 12 || footerLength == 0)
        {
            throw new StorageFormatException(path, "footer length", $"1..{length - 12} bytes", footerLength.ToString(CultureInfo.InvariantCulture));
        }

        stream.Position = 0;
        var view = new PaddedFooterStream(stream, footerLength);
        ParquetReader reader;
        try
        {
            reader = Blocking.Wait(() => ParquetReader.CreateAsync(view, new ParquetOptions(), leaveStreamOpen: true));
        }
        catch (Exception e) when (Damaged(e))
        {
            throw new StorageFormatException(path, "footer", "a Parquet FileMetaData Parquet.Net can read", e.Message, e);
        }

        return Check(path, stream, reader);
    }

    private static ParquetFileReader Check(string path, FileStream stream, ParquetReader reader)
    {
        var meta = reader.Metadata ?? throw new StorageFormatException(path, "footer", "FileMetaData", "none");
        var specs = new List<ColumnSpec>();
        var leaves = new List<DataField>();
        ParquetSchema schema;
        try
        {
            schema = reader.Schema;
        }
        catch (Exception e) when (Damaged(e))
        {
            throw new StorageFormatException(path, "schema", "a schema Parquet.Net can read", e.Message, e);
        }

        foreach (var field in schema.Fields)
        {
            try
            {
                var (spec, leaf) = Fields.Of(field);
                specs.Add(spec);
                leaves.Add(leaf);
            }
            catch (FormatException e)
            {
                throw new StorageFormatException(path, "schema", "a flat schema of supported types (one level of LIST<int32>)", e.Message, e);
            }
        }

        long sum = 0;
        for (int g = 0; g < meta.RowGroups.Count; g++)
        {
            var rg = meta.RowGroups[g];
            if (rg.NumRows < 0 || rg.NumRows > int.MaxValue)
            {
                throw new StorageFormatException(path, $"row group {g} num_rows", "0..2^31-1", rg.NumRows.ToString(CultureInfo.InvariantCulture));
            }

            if (rg.Columns.Count != leaves.Count)
            {
                throw new StorageFormatException(path, $"row group {g}", $"{leaves.Count} column chunks", rg.Columns.Count.ToString(CultureInfo.InvariantCulture));
            }

            for (int c = 0; c < rg.Columns.Count; c++)
            {
                var md = rg.Columns[c].MetaData;
                if (md is null)
                {
                    throw new StorageFormatException(path, $"row group {g}, column {specs[c].Name}", "column metadata in the footer", "none");
                }

                if (!md.PathInSchema.SequenceEqual(leaves[c].Path.ToList()))
                {
                    throw new StorageFormatException(path, $"row group {g}, column {specs[c].Name}", $"path {leaves[c].Path}", string.Join('.', md.PathInSchema));
                }

                if (rg.Columns[c].FilePath is { } other)
                {
                    throw new StorageFormatException(path, $"row group {g}, column {specs[c].Name}", "data in this file", $"a reference to {other}");
                }
            }

            sum += rg.NumRows;
        }

        if (sum != meta.NumRows)
        {
            throw new StorageFormatException(path, "num_rows", $"the sum of the row groups' rows ({sum})", meta.NumRows.ToString(CultureInfo.InvariantCulture));
        }

        return new ParquetFileReader(path, stream, reader, new TableSchema(specs), [.. leaves]);
    }

    /// <summary>Reads every column of one row group.</summary>
    public IReadOnlyList<ColumnValues> ReadRowGroup(int rowGroup) =>
        Enumerable.Range(0, _leaves.Length).Select(c => ReadColumn(rowGroup, c)).ToArray();

    /// <summary>Reads one column chunk into row-aligned values.</summary>
    public ColumnValues ReadColumn(int rowGroup, int column)
    {
        if ((uint)rowGroup >= (uint)RowGroupCount)
        {
            throw new ArgumentOutOfRangeException(nameof(rowGroup), $"{Path} has {RowGroupCount} row groups");
        }

        var spec = Schema.Columns[column];
        string field = $"row group {rowGroup}, column {spec.Name}";
        try
        {
            var group = _reader.OpenRowGroupReader(rowGroup);
            long entries = group.GetMetadata(_leaves[column])!.MetaData!.NumValues;
            return Blocking.Wait(() => ColumnParts.Read(group, _leaves[column], spec, (int)RowGroupRows[rowGroup], entries));
        }
        catch (Exception e) when (Damaged(e))
        {
            throw new StorageFormatException(Path, field, "a readable column chunk", e.Message, e);
        }
    }

    /// <summary>The recorded statistics and sizes of one column chunk (nothing is decoded but the footer).</summary>
    public ColumnChunkSummary Summary(int rowGroup, int column)
    {
        var spec = Schema.Columns[column];
        var group = _reader.OpenRowGroupReader(rowGroup);
        var leaf = _leaves[column];
        var md = group.GetMetadata(leaf)!.MetaData!;
        object? min = null, max = null;
        long? nulls = null;
        try
        {
            if (group.GetStatistics(leaf) is { } st)
            {
                nulls = st.NullCount;
                // Other writers (and Parquet.Net without ChunkStatistics) may record bounds for a chunk
                // with no values, or NaN as a bound: show neither as a bound.
                bool none = nulls is { } n && spec.Type != ColumnType.Int32List && n >= md.NumValues;
                min = none ? null : Stat(spec, st.MinValue);
                max = none ? null : Stat(spec, st.MaxValue);
            }
        }
        catch (Exception e) when (Damaged(e))
        {
            throw new StorageFormatException(Path, $"row group {rowGroup}, column {spec.Name}", "readable statistics", e.Message, e);
        }

        return new ColumnChunkSummary(
            spec.Name,
            md.NumValues,
            nulls,
            min,
            max,
            md.Codec.ToString().ToUpperInvariant(),
            md.Encodings.Select(e => e.ToString()).ToArray(),
            md.TotalCompressedSize,
            md.TotalUncompressedSize);
    }

    private static object? Stat(ColumnSpec spec, object? v) => v switch
    {
        double d when double.IsNaN(d) => null,
        float f when float.IsNaN(f) => null,
        DateTime t when spec.Type == ColumnType.Timestamp => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        ReadOnlyMemory<char> s => s.ToString(),
        _ => v,
    };

    // Parquet.Net's reader holds nothing of its own here (the stream is left open for us to close).
    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// What Parquet.Net throws on a damaged file (a Thrift or format error, an offset or size out of
    /// range, an allocation a corrupt count asked for). Cancellation is not damage.
    /// </summary>
    private static bool Damaged(Exception e) => e is not OperationCanceledException;

    private static string Show(ReadOnlySpan<byte> b) => "\"" + string.Concat(b.ToArray().Select(x => x is >= 32 and < 127 ? ((char)x).ToString() : $"\\x{x:x2}")) + "\"";
}

/// <summary>Microseconds since 1970-01-01 UTC ↔ <see cref="DateTime"/> (UTC; ticks are 100 ns, so sub-µs is truncated).</summary>
public static class Timestamps
{
    public static long ToMicros(DateTime t)
    {
        var utc = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t;
        long ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        return ticks >= 0 ? ticks / 10 : -((-ticks + 9) / 10);
    }

    public static DateTime FromMicros(long micros) => new(DateTime.UnixEpoch.Ticks + (micros * 10), DateTimeKind.Utc);
}
