using Parquet;
using Parquet.Schema;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// One column chunk as Parquet.Net's raw parts (the defined values, definition levels, repetition
/// levels) and back into row-aligned <see cref="ColumnValues"/>. Levels: a flat optional column has
/// definition 1 for a value and 0 for a null; LIST&lt;int32&gt; has repetition 0 at the start of a row and 1
/// after, and definition 0 = null list (optional lists only), then empty list, then element (one more
/// level between them, a null element, when the file's elements are optional).
/// </summary>
internal static class ColumnParts
{
    /// <summary>A column chunk holding more list entries than this is refused rather than allocated.</summary>
    public const long MaxListEntries = 1L << 28;

    public static Task Write(ParquetRowGroupWriter group, DataField field, ColumnSpec spec, ColumnValues column) => column switch
    {
        ColumnValues<int> c => Flat<int>(group, field, spec.Optional, c.Values.AsMemory(0, c.Count), c.Defined),
        ColumnValues<long> c when spec.Type == ColumnType.Timestamp =>
            Flat<DateTime>(group, field, spec.Optional, c.Values.Take(c.Count).Select(Timestamps.FromMicros).ToArray(), c.Defined),
        ColumnValues<long> c => Flat<long>(group, field, spec.Optional, c.Values.AsMemory(0, c.Count), c.Defined),
        ColumnValues<float> c => Flat<float>(group, field, spec.Optional, c.Values.AsMemory(0, c.Count), c.Defined),
        ColumnValues<double> c => Flat<double>(group, field, spec.Optional, c.Values.AsMemory(0, c.Count), c.Defined),
        ColumnValues<bool> c => Flat<bool>(group, field, spec.Optional, c.Values.AsMemory(0, c.Count), c.Defined),
        ColumnValues<string?> c => Flat<ReadOnlyMemory<char>>(
            group, field, spec.Optional, c.Values.Take(c.Count).Select(s => s.AsMemory()).ToArray(), c.Values.Take(c.Count).Select(s => s is not null).ToArray()),
        ColumnValues<int[]?> c => Lists(group, field, spec.Optional, c),
        _ => throw new ArgumentException($"column {spec.Name}: no writer for {column.GetType().Name}"),
    };

    private static async Task Flat<T>(ParquetRowGroupWriter group, DataField field, bool optional, ReadOnlyMemory<T> values, bool[]? defined)
        where T : struct
    {
        if (!optional)
        {
            await group.WriteAsync(field, values).ConfigureAwait(false);
            ChunkStatistics.Correct(group, values.Span);
            return;
        }

        var span = values.Span;
        var levels = new int[span.Length];
        var present = new T[span.Length];
        int k = 0;
        for (int r = 0; r < span.Length; r++)
        {
            if (defined is null || defined[r])
            {
                levels[r] = 1;
                present[k++] = span[r];
            }
        }

        await group.WriteAllPartsAsync<T>(field, present.AsMemory(0, k), (ReadOnlyMemory<int>)levels, null, default).ConfigureAwait(false);
        ChunkStatistics.Correct<T>(group, present.AsSpan(0, k));
    }

    private static async Task Lists(ParquetRowGroupWriter group, DataField field, bool optional, ColumnValues<int[]?> c)
    {
        int empty = optional ? 1 : 0;
        long total = 0, entries = 0;
        for (int r = 0; r < c.Count; r++)
        {
            int n = c.Values[r]?.Length ?? 0;
            total += n;
            entries += Math.Max(n, 1);
        }

        var values = new int[total];
        var definition = new int[entries];
        var repetition = new int[entries];
        int v = 0, e = 0;
        for (int r = 0; r < c.Count; r++)
        {
            var list = c.Values[r];
            if (list is null || list.Length == 0)
            {
                definition[e++] = list is null ? 0 : empty;
                continue;
            }

            for (int i = 0; i < list.Length; i++)
            {
                repetition[e] = i == 0 ? 0 : 1;
                definition[e++] = empty + 1;
                values[v++] = list[i];
            }
        }

        await group.WriteAllPartsAsync<int>(field, values, (ReadOnlyMemory<int>)definition, (ReadOnlyMemory<int>)repetition, default).ConfigureAwait(false);
        ChunkStatistics.Correct<int>(group, values);
    }

    /// <summary>Reads one column chunk of <paramref name="rows"/> rows holding <paramref name="entries"/> level entries (the chunk's num_values).</summary>
    public static async Task<ColumnValues> Read(ParquetRowGroupReader group, DataField field, ColumnSpec spec, int rows, long entries)
    {
        if (spec.Type == ColumnType.Int32List)
        {
            return await List(group, field, spec, rows, entries).ConfigureAwait(false);
        }

        if (entries != rows)
        {
            throw new FormatException($"{entries} values in a chunk of {rows} rows");
        }

        return spec.Type switch
        {
            ColumnType.Int32 => await Flat<int>(group, field, spec.Optional, rows).ConfigureAwait(false),
            ColumnType.Int64 => await Flat<long>(group, field, spec.Optional, rows).ConfigureAwait(false),
            ColumnType.Float => await Flat<float>(group, field, spec.Optional, rows).ConfigureAwait(false),
            ColumnType.Double => await Flat<double>(group, field, spec.Optional, rows).ConfigureAwait(false),
            ColumnType.Boolean => await Flat<bool>(group, field, spec.Optional, rows).ConfigureAwait(false),
            // The stored int64 microseconds as they are: Parquet.Net cannot read DateTime from
            // DELTA_BINARY_PACKED (DuckDB's V2 files), and its conversion would round-trip anyway.
            ColumnType.Timestamp => await Flat<long>(group, Int64View(field, spec.Optional), spec.Optional, rows).ConfigureAwait(false),
            ColumnType.String => Strings(await Flat<ReadOnlyMemory<char>>(group, field, spec.Optional, rows).ConfigureAwait(false)),
            _ => throw new NotSupportedException(spec.Type.ToString()),
        };
    }

    private static async Task<ColumnValues<T>> Flat<T>(ParquetRowGroupReader group, DataField field, bool optional, int rows)
        where T : struct
    {
        var values = new T[rows];
        if (!optional)
        {
            await group.ReadRawAsync<T>(field, values, null, null).ConfigureAwait(false);
            return new ColumnValues<T>(values, null, rows);
        }

        var levels = new int[rows];
        await group.ReadRawAsync<T>(field, values, levels, null).ConfigureAwait(false);

        // The defined values come first, in order: spread them to their rows from the end.
        int present = 0;
        foreach (int level in levels)
        {
            present += level switch
            {
                0 => 0,
                1 => 1,
                _ => throw new FormatException($"definition level {level} in a flat column (0 or 1 expected)"),
            };
        }

        var defined = new bool[rows];
        for (int r = rows - 1; r >= 0; r--)
        {
            if (levels[r] == 1)
            {
                values[r] = values[--present];
                defined[r] = true;
            }
            else
            {
                values[r] = default;
            }
        }

        return new ColumnValues<T>(values, defined, rows);
    }

    /// <summary>A flat timestamp column seen as the int64 it is stored as (same path, same levels).</summary>
    private static DataField Int64View(DataField timestamp, bool optional)
    {
        var view = new DataField<long>(timestamp.Name, optional);
        _ = new ParquetSchema(view);
        return view;
    }

    private static ColumnValues<string?> Strings(ColumnValues<ReadOnlyMemory<char>> c)
    {
        var strings = new string?[c.Count];
        for (int r = 0; r < c.Count; r++)
        {
            strings[r] = c.Defined is null || c.Defined[r] ? new string(c.Values[r].Span) : null;
        }

        return new ColumnValues<string?>(strings, null, c.Count);
    }

    private static async Task<ColumnValues> List(ParquetRowGroupReader group, DataField element, ColumnSpec spec, int rows, long entries)
    {
        if (entries < rows || entries > MaxListEntries)
        {
            throw new FormatException($"{entries} list entries in a chunk of {rows} rows (at least one a row, at most {MaxListEntries})");
        }

        var values = new int[entries];
        var definition = new int[entries];
        var repetition = new int[entries];
        await group.ReadRawAsync<int>(element, values, definition, repetition).ConfigureAwait(false);

        int empty = spec.Optional ? 1 : 0;
        int present = element.MaxDefinitionLevel;
        var lists = new int[]?[rows];
        var current = new List<int>();
        int row = -1, v = 0;
        bool open = false;
        for (long e = 0; e < entries; e++)
        {
            int rep = repetition[e], def = definition[e];
            if (rep is < 0 or > 1 || def < 0 || def > present)
            {
                throw new FormatException($"list entry {e}: repetition {rep}, definition {def} (0..1 and 0..{present} expected)");
            }

            if (rep == 0)
            {
                Close();
                if (++row >= rows)
                {
                    throw new FormatException($"more than {rows} lists in a chunk of {rows} rows");
                }

                if (def < empty)
                {
                    lists[row] = null;
                    continue;
                }

                if (def == empty)
                {
                    lists[row] = [];
                    continue;
                }

                open = true;
            }
            else if (!open)
            {
                throw new FormatException($"list entry {e} continues a row that is null, empty or not started");
            }

            if (def != present)
            {
                throw new FormatException($"a null element in the list of row {row} (list<int32> holds no nulls)");
            }

            current.Add(values[v++]);
        }

        Close();
        if (row + 1 != rows)
        {
            throw new FormatException($"{row + 1} lists in a chunk of {rows} rows");
        }

        return new ColumnValues<int[]?>(lists, null, rows);

        void Close()
        {
            if (open)
            {
                lists[row] = [.. current];
                current.Clear();
                open = false;
            }
        }
    }
}
