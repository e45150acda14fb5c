using Parquet;
using Parquet.Schema;

namespace Unlearning.Storage.Parquet;

/// <summary>Compression codecs the writer offers.</summary>
public enum ParquetCompression
{
    Uncompressed,
    Snappy,
}

/// <summary>How a file is written. The defaults suit the experiment tables.</summary>
public sealed record ParquetWriteOptions
{
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>Rows a table writer buffers before it writes a row group.</summary>
    public int RowGroupRows { get; init; } = 128 * 1024;
}

/// <summary>
/// Streams a Parquet file one row group at a time through Parquet.Net. Everything goes to a temporary
/// file beside the target; <see cref="Complete"/> writes the footer, flushes to disk and renames it into
/// place, so a crash or an exception never leaves a file under the target's name that looks complete
/// but is not. Disposing without <see cref="Complete"/> deletes the temporary file. The integrity of a
/// finished file rests on the run manifest's SHA-256 (Parquet.Net writes no page checksums).
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly string _temporary;
    private readonly ParquetWriter _writer;
    private readonly DataField[] _leaves;
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

        var o = options ?? new ParquetWriteOptions();
        Path = System.IO.Path.GetFullPath(path);
        Schema = schema;
        var fields = schema.Columns.Select(Fields.For).ToArray();
        var parquetSchema = new ParquetSchema(fields);
        _leaves = fields.Select(f => f is ListField l ? (DataField)l.Item : (DataField)f).ToArray();
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        _temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.partial");
        _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        try
        {
            var parquetOptions = new ParquetOptions
            {
                CompressionMethod = o.Compression == ParquetCompression.Snappy ? CompressionMethod.Snappy : CompressionMethod.None,
            };

            // Parquet.Net dictionary-encodes a string column only when asked; ids, sources and
            // statuses repeat, so ask for every string column (it still writes PLAIN when values
            // are mostly distinct).
            foreach (var c in schema.Columns.Where(c => c.Type == ColumnType.String))
            {
                parquetOptions.ColumnEncodingHints[c.Name] = EncodingHint.Dictionary;
            }
            _writer = Blocking.Wait(() => ParquetWriter.CreateAsync(parquetSchema, _stream, parquetOptions));
            var kv = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in metadata ?? [])
            {
                kv[key] = value;
            }

            _writer.CustomMetadata = kv;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Path { get; }

    public TableSchema Schema { get; }

    public long RowCount { get; private set; }

    public int RowGroupCount { get; private set; }

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
            var spec = Schema.Columns[c];
            if (columns[c].Count != rows)
            {
                throw new ArgumentException($"column {spec.Name} has {columns[c].Count} rows, column {Schema.Columns[0].Name} has {rows}");
            }

            if (!Fits(spec.Type, columns[c]))
            {
                throw new ArgumentException($"column {spec.Name} ({ColumnSpec.TypeName(spec.Type)}) was given {columns[c].GetType().Name}");
            }

            if (!spec.Optional)
            {
                for (int r = 0; r < rows; r++)
                {
                    if (columns[c].IsNull(r))
                    {
                        throw new ArgumentException($"column {spec.Name} is required but row {r} is null");
                    }
                }
            }
        }

        if (rows == 0)
        {
            return;
        }

        using (var group = _writer.CreateRowGroup())
        {
            for (int c = 0; c < columns.Count; c++)
            {
                var field = _leaves[c];
                var column = columns[c];
                Blocking.Wait(() => ColumnParts.Write(group, field, Schema.Columns[c], column));
            }

            group.CompleteValidate();
        }

        RowCount += rows;
        RowGroupCount++;
    }

    /// <summary>Writes the footer, flushes to disk and renames the file into place (replacing an older one).</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        Blocking.Wait(() => _writer.DisposeAsync());
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
}
