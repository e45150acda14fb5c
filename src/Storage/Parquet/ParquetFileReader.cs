using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Unlearning.Storage.Parquet;

/// <summary>Statistics of one column chunk as the file records them (min/max decoded for our types).</summary>
public sealed record ColumnChunkSummary(string Column, long Values, long? NullCount, object? Min, object? Max, string Codec, IReadOnlyList<string> Encodings, long CompressedBytes, long UncompressedBytes);

/// <summary>
/// Reads the Parquet subset of <see cref="ColumnType"/> (what our writer produces, and what DuckDB
/// writes for those types). Opening checks the magic bytes at both ends, the footer length and,
/// for our files, the footer's CRC; reading a column chunk checks its offsets, every page size and
/// page CRC. Any problem is a <see cref="StorageFormatException"/> naming the file (and the row
/// group and column), never an out-of-range crash or silently wrong values.
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly FileMetaData _meta;
    private readonly Leaf[] _leaves;
    private readonly long _dataEnd;

    private ParquetFileReader(string path, SafeFileHandle handle, FileMetaData meta, Leaf[] leaves, long dataEnd, bool footerChecked)
    {
        Path = path;
        _handle = handle;
        _meta = meta;
        _leaves = leaves;
        _dataEnd = dataEnd;
        FooterChecked = footerChecked;
        Schema = new TableSchema(leaves.Select(l => l.Spec).ToArray());
        Metadata = meta.KeyValueMetadata;
        RowGroupRows = meta.RowGroups.Select(g => g.NumRows).ToArray();
    }

    public string Path { get; }

    public TableSchema Schema { get; }

    public long RowCount => _meta.NumRows;

    public IReadOnlyList<long> RowGroupRows { get; }

    public int RowGroupCount => RowGroupRows.Count;

    public IReadOnlyList<KeyValuePair<string, string?>> Metadata { get; }

    public string? CreatedBy => _meta.CreatedBy;

    /// <summary>True when the file carries our footer checksum and it matched.</summary>
    public bool FooterChecked { get; }

    public string? MetadataValue(string key) => Metadata.LastOrDefault(kv => kv.Key == key).Value;

    public static ParquetFileReader Open(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageFormatException(path, "file", "a readable Parquet file", e.Message, e);
        }

        try
        {
            return Open(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static ParquetFileReader Open(string path, SafeFileHandle handle)
    {
        long length = RandomAccess.GetLength(handle);
        if (length < 12)
        {
            throw new StorageFormatException(path, "length", "at least 12 bytes (PAR1 + footer length + PAR1)", $"{length} bytes (truncated?)");
        }

        Span<byte> head = stackalloc byte[4];
        RandomAccess.Read(handle, head, 0);
        if (!head.SequenceEqual("PAR1"u8))
        {
            throw new StorageFormatException(path, "magic", "\"PAR1\" at the start", Show(head));
        }

        Span<byte> tail = stackalloc byte[8];
        RandomAccess.Read(handle, tail, length - 8);
        if (!tail[4..].SequenceEqual("PAR1"u8))
        {
            throw new StorageFormatException(path, "magic", "\"PAR1\" at the end", $"{Show(tail[4..])} (truncated or not Parquet)");
        }

        long footerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footerLength > length - 12 || footerLength == 0)
        {
            throw new StorageFormatException(path, "footer length", $"1..{length - 12} bytes", footerLength.ToString(CultureInfo.InvariantCulture));
        }

        long footerStart = length - 8 - footerLength;
        var footer = new byte[footerLength];
        RandomAccess.Read(handle, footer, footerStart);

        long dataEnd = footerStart;
        bool footerChecked = false;
        if (footerStart >= 12)
        {
            Span<byte> check = stackalloc byte[8];
            RandomAccess.Read(handle, check, footerStart - 8);
            if (check[..4].SequenceEqual("ULCK"u8))
            {
                uint expected = BinaryPrimitives.ReadUInt32LittleEndian(check[4..]);
                uint found = Crc32.Compute(footer);
                if (expected != found)
                {
                    throw new StorageFormatException(path, "footer", $"CRC-32 {expected:x8}", $"{found:x8} (the footer is corrupt)");
                }

                dataEnd = footerStart - 8;
                footerChecked = true;
            }
        }

        FileMetaData meta;
        try
        {
            meta = MetadataCodec.ReadFileMetaData(footer);
        }
        catch (Exception e) when (e is FormatException or OverflowException or System.Text.DecoderFallbackException)
        {
            throw new StorageFormatException(path, "footer", "Thrift compact FileMetaData", e.Message, e);
        }

        if (!footerChecked && meta.CreatedBy == ParquetFileWriter.CreatedBy)
        {
            throw new StorageFormatException(path, "footer checksum", "the ULCK checksum our writer puts before the footer", "none (the file is corrupt)");
        }

        Leaf[] leaves;
        try
        {
            leaves = SchemaReader.Leaves(meta.Schema);
        }
        catch (FormatException e)
        {
            throw new StorageFormatException(path, "schema", "a flat schema of supported types (one level of LIST<int32>)", e.Message, e);
        }

        long sum = 0;
        for (int g = 0; g < meta.RowGroups.Count; g++)
        {
            var rg = meta.RowGroups[g];
            if (rg.NumRows < 0 || rg.NumRows > int.MaxValue)
            {
                throw new StorageFormatException(path, $"row group {g} num_rows", "0..2^31-1", rg.NumRows.ToString(CultureInfo.InvariantCulture));
            }

            if (rg.Columns.Count != leaves.Length)
            {
                throw new StorageFormatException(path, $"row group {g}", $"{leaves.Length} column chunks", rg.Columns.Count.ToString(CultureInfo.InvariantCulture));
            }

            for (int c = 0; c < rg.Columns.Count; c++)
            {
                if (rg.Columns[c].MetaData is null)
                {
                    throw new StorageFormatException(path, $"row group {g}, column {leaves[c].Spec.Name}", "column metadata in the footer", "none");
                }
            }

            sum += rg.NumRows;
        }

        if (sum != meta.NumRows)
        {
            throw new StorageFormatException(path, "num_rows", $"the sum of the row groups' rows ({sum})", meta.NumRows.ToString(CultureInfo.InvariantCulture));
        }

        return new ParquetFileReader(path, handle, meta, leaves, dataEnd, footerChecked);
    }

    /// <summary>Reads every column of one row group.</summary>
    public IReadOnlyList<ColumnValues> ReadRowGroup(int rowGroup)
    {
        var result = new ColumnValues[_leaves.Length];
        for (int c = 0; c < _leaves.Length; c++)
        {
            result[c] = ReadColumn(rowGroup, c);
        }

        return result;
    }

    /// <summary>Reads one column chunk into row-aligned values.</summary>
    public ColumnValues ReadColumn(int rowGroup, int column)
    {
        if ((uint)rowGroup >= (uint)_meta.RowGroups.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(rowGroup), $"{Path} has {_meta.RowGroups.Count} row groups");
        }

        var leaf = _leaves[column];
        string field = $"row group {rowGroup}, column {leaf.Spec.Name}";
        var rg = _meta.RowGroups[rowGroup];
        var chunk = rg.Columns[column];
        var md = chunk.MetaData ?? throw new StorageFormatException(Path, field, "column metadata", "none");
        if (chunk.FilePath is not null)
        {
            throw new StorageFormatException(Path, field, "data in this file", $"a reference to {chunk.FilePath}");
        }

        if (!md.Path.SequenceEqual(leaf.Path) || md.Type != leaf.Physical)
        {
            throw new StorageFormatException(Path, field, $"path {string.Join('.', leaf.Path)} of type {leaf.Physical}", $"{string.Join('.', md.Path)} of type {md.Type}");
        }

        long start = md.DictionaryPageOffset is { } d && d > 0 && d < md.DataPageOffset ? d : md.DataPageOffset;
        long size = md.TotalCompressedSize;
        if (start < 4 || size < 0 || size > int.MaxValue || start + size > _dataEnd)
        {
            throw new StorageFormatException(Path, field, $"a byte range inside 4..{_dataEnd}", $"{start}..{start + size}");
        }

        // The chunk's bytes are scratch (decoding copies every value out), so they come from the pool.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent((int)size);
        try
        {
            var bytes = rented.AsSpan(0, (int)size);
            int read = RandomAccess.Read(_handle, bytes, start);
            if (read != size)
            {
                throw new StorageFormatException(Path, field, $"{size} bytes at {start}", $"{read} bytes (truncated)");
            }

            return ChunkDecoder.Decode(bytes, leaf, md, (int)rg.NumRows);
        }
        catch (Exception e) when (e is FormatException or OverflowException or System.Text.DecoderFallbackException or IndexOutOfRangeException or ArgumentException)
        {
            throw new StorageFormatException(Path, field, "a readable column chunk", e.Message, e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The recorded statistics and sizes of one column chunk (nothing is decoded but the footer).</summary>
    public ColumnChunkSummary Summary(int rowGroup, int column)
    {
        var leaf = _leaves[column];
        var md = _meta.RowGroups[rowGroup].Columns[column].MetaData!;
        var st = md.Statistics;
        object? min = null, max = null;
        if (st is not null)
        {
            min = Stat(leaf, st.MinValue ?? (leaf.Spec.Type is ColumnType.String ? null : st.Min));
            max = Stat(leaf, st.MaxValue ?? (leaf.Spec.Type is ColumnType.String ? null : st.Max));
        }

        return new ColumnChunkSummary(
            leaf.Spec.Name,
            md.NumValues,
            st?.NullCount,
            min,
            max,
            md.Codec.ToString().ToUpperInvariant(),
            md.Encodings.Select(e => ((Encoding)e).ToString()).ToArray(),
            md.TotalCompressedSize,
            md.TotalUncompressedSize);
    }

    private static object? Stat(Leaf leaf, byte[]? b)
    {
        if (b is null)
        {
            return null;
        }

        return (leaf.Physical, b.Length) switch
        {
            (PhysicalType.Int32, 4) => BinaryPrimitives.ReadInt32LittleEndian(b),
            (PhysicalType.Int64, 8) when leaf.Spec.Type == ColumnType.Timestamp => Timestamps.FromMicros(BinaryPrimitives.ReadInt64LittleEndian(b)),
            (PhysicalType.Int64, 8) => BinaryPrimitives.ReadInt64LittleEndian(b),
            (PhysicalType.Float, 4) => BinaryPrimitives.ReadSingleLittleEndian(b),
            (PhysicalType.Double, 8) => BinaryPrimitives.ReadDoubleLittleEndian(b),
            (PhysicalType.Boolean, 1) => b[0] != 0,
            (PhysicalType.ByteArray, _) => System.Text.Encoding.UTF8.GetString(b),
            _ => null,
        };
    }

    public void Dispose() => _handle.Dispose();

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
