namespace Unlearning.Storage.Parquet;

/// <summary>The column types this project writes and reads.</summary>
public enum ColumnType
{
    /// <summary>INT32.</summary>
    Int32,

    /// <summary>INT64.</summary>
    Int64,

    /// <summary>FLOAT (IEEE 754 binary32).</summary>
    Float,

    /// <summary>DOUBLE (IEEE 754 binary64).</summary>
    Double,

    /// <summary>BOOLEAN.</summary>
    Boolean,

    /// <summary>BYTE_ARRAY annotated STRING (UTF-8).</summary>
    String,

    /// <summary>INT64 annotated TIMESTAMP(isAdjustedToUTC = true, MICROS): microseconds since 1970-01-01 UTC.</summary>
    Timestamp,

    /// <summary>LIST of required INT32 (three-level list: group LIST / repeated group list / element).</summary>
    Int32List,
}

/// <summary>One column: its name in the file, its type, and whether it may hold nulls.</summary>
public sealed record ColumnSpec(string Name, ColumnType Type, bool Optional)
{
    public override string ToString() => $"{Name}: {TypeName(Type)}{(Optional ? "?" : "")}";

    public static string TypeName(ColumnType t) => t switch
    {
        ColumnType.Int32 => "int32",
        ColumnType.Int64 => "int64",
        ColumnType.Float => "float",
        ColumnType.Double => "double",
        ColumnType.Boolean => "boolean",
        ColumnType.String => "string",
        ColumnType.Timestamp => "timestamp[us, UTC]",
        ColumnType.Int32List => "list<int32>",
        _ => t.ToString(),
    };
}

/// <summary>A flat schema (plus one level of LIST): the columns of a table in file order.</summary>
public sealed record TableSchema(IReadOnlyList<ColumnSpec> Columns)
{
    public bool SameAs(TableSchema other) => Columns.SequenceEqual(other.Columns);

    public override string ToString() => string.Join(", ", Columns);
}

/// <summary>
/// The values of one column for a run of rows, one slot per row. Value types carry an optional
/// <see cref="Defined"/> mask (null = every row defined); strings and lists use null for a null.
/// Timestamps are microseconds since the Unix epoch, UTC.
/// </summary>
public abstract class ColumnValues
{
    public abstract int Count { get; }

    public abstract bool IsNull(int row);

    /// <summary>The value of a row as an object (null for a null): for summaries and tests, not hot loops.</summary>
    public abstract object? Get(int row);
}

/// <summary>Column values of element type <typeparamref name="T"/>.</summary>
public sealed class ColumnValues<T> : ColumnValues
{
    public ColumnValues(T[] values, bool[]? defined, int count)
    {
        if (count < 0 || count > values.Length || (defined is not null && defined.Length < count))
        {
            throw new ArgumentException($"count {count} exceeds the buffers ({values.Length} values)");
        }

        Values = values;
        Defined = defined;
        CountValue = count;
    }

    public T[] Values { get; }

    /// <summary>For value types: false where the row is null; null when every row is defined.</summary>
    public bool[]? Defined { get; }

    public override int Count => CountValue;

    private int CountValue { get; }

    public override bool IsNull(int row) => Defined is { } d ? !d[row] : Values[row] is null;

    public override object? Get(int row) => IsNull(row) ? null : Values[row];
}
