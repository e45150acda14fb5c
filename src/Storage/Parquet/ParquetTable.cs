using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// The Parquet schema of a row record, derived once from its public properties in declaration
/// order: the column name is the property name in snake_case (<c>BitsBase</c> → <c>bits_base</c>);
/// <c>int</c> → int32, <c>long</c> → int64, <c>float</c>, <c>double</c>, <c>bool</c>, <c>string</c>,
/// <c>DateTime</c> → timestamp (µs, UTC), <c>int[]</c> → list&lt;int32&gt;. Nullable members
/// (<c>int?</c>, <c>string?</c>, ...) are optional columns; everything else is required.
/// </summary>
public static class ParquetTable<TRow>
    where TRow : class
{
    private static readonly Binding[] Bindings = Bind();

    public static TableSchema Schema { get; } = new(Bindings.Select(b => b.Spec).ToArray());

    /// <summary>Opens a streaming writer (see <see cref="ParquetTableWriter{TRow}"/>).</summary>
    public static ParquetTableWriter<TRow> Create(string path, IEnumerable<KeyValuePair<string, string>>? metadata = null, ParquetWriteOptions? options = null) =>
        new(path, Bindings, Schema, metadata, options);

    /// <summary>Writes all rows to <paramref name="path"/> (atomically: temporary name, then rename).</summary>
    public static void Write(string path, IEnumerable<TRow> rows, IEnumerable<KeyValuePair<string, string>>? metadata = null, ParquetWriteOptions? options = null)
    {
        using var writer = Create(path, metadata, options);
        foreach (var row in rows)
        {
            writer.Add(row);
        }

        writer.Complete();
    }

    /// <summary>Reads every row, one row group at a time (see <see cref="ParquetTableReader{TRow}"/>).</summary>
    public static IReadOnlyList<TRow> ReadAll(string path)
    {
        using var reader = OpenRead(path);
        var rows = new List<TRow>((int)Math.Min(reader.File.RowCount, int.MaxValue));
        for (int g = 0; g < reader.File.RowGroupCount; g++)
        {
            rows.AddRange(reader.ReadRowGroup(g));
        }

        return rows;
    }

    public static ParquetTableReader<TRow> OpenRead(string path) => new(ParquetFileReader.Open(path), Bindings);

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                // A new word starts at an upper-case letter after a lower-case letter or digit, or
                // before a lower-case letter within an acronym ("HTTPServer" → http_server).
                bool boundary = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                    || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])));
                if (boundary)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static Binding[] Bind()
    {
        var nullability = new NullabilityInfoContext();
        var bindings = new List<Binding>();
        foreach (var p in typeof(TRow).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (p.GetMethod is null || p.SetMethod is null || p.GetIndexParameters().Length > 0 || p.Name == "EqualityContract")
            {
                continue;
            }

            var t = p.PropertyType;
            var under = Nullable.GetUnderlyingType(t);
            bool optional = under is not null || (!t.IsValueType && nullability.Create(p).ReadState == NullabilityState.Nullable);
            var core = under ?? t;
            ColumnType type = core == typeof(int) ? ColumnType.Int32
                : core == typeof(long) ? ColumnType.Int64
                : core == typeof(float) ? ColumnType.Float
                : core == typeof(double) ? ColumnType.Double
                : core == typeof(bool) ? ColumnType.Boolean
                : core == typeof(string) ? ColumnType.String
                : core == typeof(DateTime) ? ColumnType.Timestamp
                : core == typeof(int[]) ? ColumnType.Int32List
                : throw new NotSupportedException($"{typeof(TRow).Name}.{p.Name}: type {t.Name} has no Parquet column type");
            bindings.Add(new Binding(new ColumnSpec(SnakeCase(p.Name), type, optional), p));
        }

        return [.. bindings];
    }
}

/// <summary>A row member and its column.</summary>
internal sealed record Binding(ColumnSpec Spec, PropertyInfo Property);

/// <summary>
/// Buffers rows column by column and writes a row group every <see cref="ParquetWriteOptions.RowGroupRows"/>
/// rows (or on <see cref="Flush"/>). The file appears under its name only on <see cref="Complete"/>.
/// </summary>
public sealed class ParquetTableWriter<TRow> : IDisposable
    where TRow : class
{
    private readonly ParquetFileWriter _file;
    private readonly IColumnBuffer<TRow>[] _buffers;
    private readonly int _groupRows;
    private int _count;

    internal ParquetTableWriter(string path, Binding[] bindings, TableSchema schema, IEnumerable<KeyValuePair<string, string>>? metadata, ParquetWriteOptions? options)
    {
        var o = options ?? new ParquetWriteOptions();
        _groupRows = Math.Max(1, o.RowGroupRows);
        _file = new ParquetFileWriter(path, schema, metadata, o);
        _buffers = bindings.Select(b => ColumnBuffers.For<TRow>(b, _groupRows)).ToArray();
    }

    public string Path => _file.Path;

    /// <summary>Rows written to row groups so far (not counting the buffer).</summary>
    public long RowsWritten => _file.RowCount;

    public void Add(TRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        foreach (var b in _buffers)
        {
            b.Add(row, _count);
        }

        if (++_count == _groupRows)
        {
            Flush();
        }
    }

    /// <summary>Writes the buffered rows as a row group now.</summary>
    public void Flush()
    {
        if (_count == 0)
        {
            return;
        }

        var columns = _buffers.Select(b => b.Values(_count)).ToArray();
        _file.WriteRowGroup(columns);
        _count = 0;
    }

    public void Complete()
    {
        Flush();
        _file.Complete();
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>Reads a table file row group by row group into row records, checking its schema against the record's.</summary>
public sealed class ParquetTableReader<TRow> : IDisposable
    where TRow : class
{
    private readonly int[] _fileColumn;
    private readonly Binding[] _bindings;
    private readonly Action<object?[], TRow[], int> _make;

    internal ParquetTableReader(ParquetFileReader file, Binding[] bindings)
    {
        File = file;
        _bindings = bindings;
        try
        {
            _fileColumn = new int[bindings.Length];
            for (int i = 0; i < bindings.Length; i++)
            {
                var want = bindings[i].Spec;
                int c = -1;
                for (int k = 0; k < file.Schema.Columns.Count; k++)
                {
                    if (file.Schema.Columns[k].Name == want.Name)
                    {
                        c = k;
                        break;
                    }
                }

                if (c < 0)
                {
                    throw new StorageFormatException(file.Path, $"column {want.Name}", $"a {ColumnSpec.TypeName(want.Type)} column (table {typeof(TRow).Name})", "no such column");
                }

                var found = file.Schema.Columns[c];
                if (found.Type != want.Type)
                {
                    throw new StorageFormatException(file.Path, $"column {want.Name}", ColumnSpec.TypeName(want.Type), ColumnSpec.TypeName(found.Type));
                }

                _fileColumn[i] = c;
            }

            _make = RowFactory.Build<TRow>(bindings);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public ParquetFileReader File { get; }

    public TRow[] ReadRowGroup(int rowGroup)
    {
        int rows = (int)File.RowGroupRows[rowGroup];
        // Two slots per member: the values array and the defined mask (or null).
        var arrays = new object?[_bindings.Length * 2];
        // One file stream under Parquet.Net's reader: the columns are read one after another.
        var columns = new ColumnValues[_bindings.Length];
        for (int i = 0; i < _bindings.Length; i++)
        {
            columns[i] = File.ReadColumn(rowGroup, _fileColumn[i]);
        }
        for (int i = 0; i < _bindings.Length; i++)
        {
            var spec = _bindings[i].Spec;
            var column = columns[i];
            bool maybeNull = column switch
            {
                ColumnValues<string?> or ColumnValues<int[]?> => true,
                ColumnValues<int> c => c.Defined is not null,
                ColumnValues<long> c => c.Defined is not null,
                ColumnValues<float> c => c.Defined is not null,
                ColumnValues<double> c => c.Defined is not null,
                ColumnValues<bool> c => c.Defined is not null,
                _ => true,
            };
            if (!spec.Optional && maybeNull)
            {
                for (int r = 0; r < rows; r++)
                {
                    if (column.IsNull(r))
                    {
                        throw new StorageFormatException(File.Path, $"row group {rowGroup}, column {spec.Name}", "a value in every row (the column is required)", $"null in row {r}");
                    }
                }
            }

            (arrays[2 * i], arrays[(2 * i) + 1]) = column switch
            {
                ColumnValues<int> c => ((object?)c.Values, (object?)c.Defined),
                ColumnValues<long> c => (c.Values, c.Defined),
                ColumnValues<float> c => (c.Values, c.Defined),
                ColumnValues<double> c => (c.Values, c.Defined),
                ColumnValues<bool> c => (c.Values, c.Defined),
                ColumnValues<string?> c => (c.Values, null),
                ColumnValues<int[]?> c => (c.Values, null),
                _ => throw new InvalidOperationException(column.GetType().Name),
            };

            if (spec.Type == ColumnType.Timestamp)
            {
                var micros = (long[])arrays[2 * i]!;
                var defined = (bool[]?)arrays[(2 * i) + 1];
                var times = new DateTime[rows];
                for (int r = 0; r < rows; r++)
                {
                    if (defined is null || defined[r])
                    {
                        long m = micros[r];
                        if (m < MinMicros || m > MaxMicros)
                        {
                            throw new StorageFormatException(File.Path, $"row group {rowGroup}, column {spec.Name}", "a timestamp within years 1..9999", m.ToString(CultureInfo.InvariantCulture) + " µs");
                        }

                        times[r] = Timestamps.FromMicros(m);
                    }
                }

                arrays[2 * i] = times;
            }
        }

        var result = new TRow[rows];
        _make(arrays, result, rows);
        return result;
    }

    /// <summary>All rows, row group by row group.</summary>
    public IEnumerable<TRow> Rows()
    {
        for (int g = 0; g < File.RowGroupCount; g++)
        {
            foreach (var row in ReadRowGroup(g))
            {
                yield return row;
            }
        }
    }

    public void Dispose() => File.Dispose();

    private static readonly long MinMicros = Timestamps.ToMicros(DateTime.MinValue);
    private static readonly long MaxMicros = Timestamps.ToMicros(DateTime.MaxValue);
}

/// <summary>Compiles, once per record type, a function that builds a row from column arrays.</summary>
internal static class RowFactory
{
    /// <summary>
    /// Compiles <c>(arrays, result, rows) =&gt; { var v0 = (T0[])arrays[0]; var d0 = (bool[])arrays[1]; ...
    /// for (r = 0; r &lt; rows; r++) result[r] = new TRow { M0 = v0[r], M1 = d1 == null || d1[r] ? v1[r] : null, ... }; }</c>:
    /// the casts happen once per row group, not once per cell.
    /// </summary>
    public static Action<object?[], TRow[], int> Build<TRow>(Binding[] bindings)
    {
        var arrays = Expression.Parameter(typeof(object[]), "arrays");
        var result = Expression.Parameter(typeof(TRow[]), "result");
        var rows = Expression.Parameter(typeof(int), "rows");
        var row = Expression.Variable(typeof(int), "r");
        var locals = new List<ParameterExpression> { row };
        var setup = new List<Expression>();
        var members = new List<MemberBinding>();
        for (int i = 0; i < bindings.Length; i++)
        {
            var p = bindings[i].Property;
            var t = p.PropertyType;
            var under = Nullable.GetUnderlyingType(t);
            var element = under ?? t;
            var values = Expression.Variable(element.MakeArrayType(), "v" + i);
            locals.Add(values);
            setup.Add(Expression.Assign(values, Expression.Convert(Expression.ArrayIndex(arrays, Expression.Constant(2 * i)), values.Type)));
            Expression value = Expression.ArrayIndex(values, row);
            if (under is not null)
            {
                var defined = Expression.Variable(typeof(bool[]), "d" + i);
                locals.Add(defined);
                setup.Add(Expression.Assign(defined, Expression.Convert(Expression.ArrayIndex(arrays, Expression.Constant((2 * i) + 1)), typeof(bool[]))));
                var isDefined = Expression.OrElse(
                    Expression.Equal(defined, Expression.Constant(null, typeof(bool[]))),
                    Expression.ArrayIndex(defined, row));
                value = Expression.Condition(isDefined, Expression.Convert(value, t), Expression.Constant(null, t));
            }

            members.Add(Expression.Bind(p, value));
        }

        var make = Expression.MemberInit(Expression.New(typeof(TRow)), members);
        var exit = Expression.Label("exit");
        var loop = Expression.Loop(
            Expression.IfThenElse(
                Expression.LessThan(row, rows),
                Expression.Block(
                    Expression.Assign(Expression.ArrayAccess(result, row), make),
                    Expression.PreIncrementAssign(row)),
                Expression.Break(exit)),
            exit);
        setup.Add(Expression.Assign(row, Expression.Constant(0)));
        setup.Add(loop);
        var body = Expression.Block(locals, setup);
        return Expression.Lambda<Action<object?[], TRow[], int>>(body, arrays, result, rows).Compile();
    }
}
