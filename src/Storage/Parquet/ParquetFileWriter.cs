using System.Buffers;
using System.Buffers.Binary;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// Streams a Parquet file one row group at a time. Everything goes to a temporary file beside the
/// target; <see cref="Complete"/> writes the footer, flushes to disk and renames it into place, so
/// a crash or an exception never leaves a file under the target's name that looks complete but is
/// not. Disposing without <see cref="Complete"/> deletes the temporary file.
/// </summary>
/// <remarks>
/// Layout: "PAR1", column chunks, then "ULCK" + CRC-32 of the footer (ignored by other readers:
/// nothing points at those 8 bytes), the Thrift compact FileMetaData, its length (4 bytes, little
/// endian) and "PAR1".
/// </remarks>
public sealed class ParquetFileWriter : IDisposable
{
    public const string CreatedBy = "unlearning parquet writer 1";

    private readonly FileStream _stream;
    private readonly string _temporary;
    private readonly FileMetaData _meta;
    private readonly ParquetWriteOptions _options;
    private long _position;
    private bool _completed;
    private bool _disposed;

    public ParquetFileWriter(string path, TableSchema schema, IEnumerable<KeyValuePair<string, string>>? metadata = null, ParquetWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema.Columns.Count == 0)
        {
            throw new ArgumentException("a Parquet file needs at least one column", nameof(schema));
        }

        var duplicate = schema.Columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"column name {duplicate.Key} appears twice", nameof(schema));
        }

        Path = System.IO.Path.GetFullPath(path);
        Schema = schema;
        _options = options ?? new ParquetWriteOptions();
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        _temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.partial");
        _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        _stream.Write("PAR1"u8);
        _position = 4;
        _meta = new FileMetaData
        {
            Version = 1,
            Schema = SchemaElements(schema),
            CreatedBy = CreatedBy,
            ColumnOrders = schema.Columns.Count,
            KeyValueMetadata = (metadata ?? []).Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)).ToList(),
        };
    }

    public string Path { get; }

    public TableSchema Schema { get; }

    public long RowCount => _meta.NumRows;

    public int RowGroupCount => _meta.RowGroups.Count;

    /// <summary>Writes one row group: one <see cref="ColumnValues"/> per schema column, all of the same length.</summary>
    public void WriteRowGroup(IReadOnlyList<ColumnValues> columns)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException($"{Path} is complete; no more row groups");
        }

        if (columns.Count != Schema.Columns.Count)
        {
            throw new ArgumentException($"{columns.Count} columns given, the schema has {Schema.Columns.Count}");
        }

        int rows = columns[0].Count;
        for (int c = 0; c < columns.Count; c++)
        {
            if (columns[c].Count != rows)
            {
                throw new ArgumentException($"column {Schema.Columns[c].Name} has {columns[c].Count} rows, column {Schema.Columns[0].Name} has {rows}");
            }

            if (!Fits(Schema.Columns[c].Type, columns[c]))
            {
                throw new ArgumentException($"column {Schema.Columns[c].Name} ({ColumnSpec.TypeName(Schema.Columns[c].Type)}) was given {columns[c].GetType().Name}");
            }
        }

        if (rows == 0)
        {
            return;
        }

        var encoded = new EncodedChunk[columns.Count];
        if (_options.Parallel && columns.Count > 1)
        {
            ParallelColumns.For(columns.Count, c => encoded[c] = ChunkEncoder.Encode(Schema.Columns[c], columns[c], _options));
        }
        else
        {
            for (int c = 0; c < columns.Count; c++)
            {
                encoded[c] = ChunkEncoder.Encode(Schema.Columns[c], columns[c], _options);
            }
        }

        long groupStart = _position;
        var group = new RowGroup { NumRows = rows, FileOffset = groupStart, Ordinal = (short)Math.Min(_meta.RowGroups.Count, short.MaxValue) };
        foreach (var chunk in encoded)
        {
            long start = _position;
            var md = chunk.MetaData;
            md.DataPageOffset += start;
            if (md.DictionaryPageOffset is { } d)
            {
                md.DictionaryPageOffset = d + start;
            }

            _stream.Write(chunk.Bytes.WrittenSpan);
            _position += chunk.Bytes.WrittenCount;
            chunk.Bytes.Dispose();
            group.Columns.Add(new ColumnChunk { FileOffset = start, MetaData = md });
            group.TotalByteSize += chunk.UncompressedBytes;
        }

        group.TotalCompressedSize = _position - groupStart;
        _meta.RowGroups.Add(group);
        _meta.NumRows += rows;
    }

    /// <summary>Writes the footer, flushes to disk and renames the file into place (replacing an older one).</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        var footer = new ArrayBufferWriter<byte>();
        MetadataCodec.Write(new CompactWriter(footer), _meta);
        Span<byte> check = stackalloc byte[8];
        "ULCK"u8.CopyTo(check);
        BinaryPrimitives.WriteUInt32LittleEndian(check[4..], Crc32.Compute(footer.WrittenSpan));
        _stream.Write(check);
        _stream.Write(footer.WrittenSpan);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, footer.WrittenCount);
        "PAR1"u8.CopyTo(tail[4..]);
        _stream.Write(tail);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temporary, Path, overwrite: true);
        _completed = true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_completed)
        {
            _stream.Dispose();
            try
            {
                File.Delete(_temporary);
            }
            catch (IOException)
            {
                // Best effort: a leftover ".partial" file never looks like a finished table.
            }
        }
    }

    private static bool Fits(ColumnType type, ColumnValues values) => type switch
    {
        ColumnType.Int32 => values is ColumnValues<int>,
        ColumnType.Int64 or ColumnType.Timestamp => values is ColumnValues<long>,
        ColumnType.Float => values is ColumnValues<float>,
        ColumnType.Double => values is ColumnValues<double>,
        ColumnType.Boolean => values is ColumnValues<bool>,
        ColumnType.String => values is ColumnValues<string?>,
        ColumnType.Int32List => values is ColumnValues<int[]?>,
        _ => false,
    };

    internal static List<SchemaElement> SchemaElements(TableSchema schema)
    {
        var list = new List<SchemaElement>
        {
            new() { Name = "schema", NumChildren = schema.Columns.Count },
        };
        foreach (var c in schema.Columns)
        {
            var repetition = c.Optional ? Repetition.Optional : Repetition.Required;
            switch (c.Type)
            {
                case ColumnType.Int32List:
                    list.Add(new() { Name = c.Name, Repetition = repetition, NumChildren = 1, ConvertedType = (int)ConvertedType.List, Logical = LogicalType.List });
                    list.Add(new() { Name = "list", Repetition = Repetition.Repeated, NumChildren = 1 });
                    list.Add(new() { Name = "element", Repetition = Repetition.Required, Type = PhysicalType.Int32 });
                    break;
                case ColumnType.String:
                    list.Add(new() { Name = c.Name, Repetition = repetition, Type = PhysicalType.ByteArray, ConvertedType = (int)ConvertedType.Utf8, Logical = LogicalType.String });
                    break;
                case ColumnType.Timestamp:
                    list.Add(new() { Name = c.Name, Repetition = repetition, Type = PhysicalType.Int64, ConvertedType = (int)ConvertedType.TimestampMicros, Logical = LogicalType.TimestampMicrosUtc });
                    break;
                default:
                    list.Add(new() { Name = c.Name, Repetition = repetition, Type = Physical(c.Type) });
                    break;
            }
        }

        return list;
    }

    private static PhysicalType Physical(ColumnType t) => t switch
    {
        ColumnType.Int32 => PhysicalType.Int32,
        ColumnType.Int64 => PhysicalType.Int64,
        ColumnType.Float => PhysicalType.Float,
        ColumnType.Double => PhysicalType.Double,
        ColumnType.Boolean => PhysicalType.Boolean,
        _ => throw new NotSupportedException(t.ToString()),
    };
}
