using System.Reflection;
using Parquet.Schema;

namespace Unlearning.Storage.Parquet;

/// <summary>Our column specs as Parquet.Net fields, and back (the adapter's one place that knows both).</summary>
internal static class Fields
{
    // ListField's public constructors always make the list OPTIONAL, while a row record's int[] is a
    // required column. The setter exists (the schema reader uses it for a REQUIRED list group) but is
    // internal; the round-trip and DuckDB tests fail if a later version drops or renames it.
    private static readonly MethodInfo ListNullable = typeof(Field).GetProperty(nameof(Field.IsNullable))!.GetSetMethod(nonPublic: true)
        ?? throw new MissingMethodException("Parquet.Schema.Field.IsNullable has no setter (Parquet.Net changed?)");

    public static Field For(ColumnSpec c)
    {
        switch (c.Type)
        {
            case ColumnType.Int32:
                return new DataField<int>(c.Name, c.Optional);
            case ColumnType.Int64:
                return new DataField<long>(c.Name, c.Optional);
            case ColumnType.Float:
                return new DataField<float>(c.Name, c.Optional);
            case ColumnType.Double:
                return new DataField<double>(c.Name, c.Optional);
            case ColumnType.Boolean:
                return new DataField<bool>(c.Name, c.Optional);
            case ColumnType.String:
                return new DataField<string>(c.Name, c.Optional);
            case ColumnType.Timestamp:
                return new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: c.Optional);
            case ColumnType.Int32List:
                // Three-level LIST: group (LIST) / repeated group "list" / required int32 "element".
                var list = new ListField(c.Name, new DataField<int>(ListField.ElementName, false));
                ListNullable.Invoke(list, [c.Optional]);
                return list;
            default:
                throw new NotSupportedException(c.Type.ToString());
        }
    }

    /// <summary>
    /// The column a file's top-level field holds, and the leaf to read it by; a field outside the
    /// supported subset (nested groups, maps, other types, lists of other than int32) is a
    /// <see cref="FormatException"/> saying which.
    /// </summary>
    public static (ColumnSpec Spec, DataField Leaf) Of(Field field)
    {
        switch (field)
        {
            case DateTimeDataField t:
                bool micros = t.DateTimeFormat == DateTimeFormat.DateAndTimeMicros
                    || (t.DateTimeFormat == DateTimeFormat.Timestamp && t.Unit == DateTimeTimeUnit.Micros);
                return micros
                    ? (new ColumnSpec(t.Name, ColumnType.Timestamp, t.IsNullable), t)
                    : throw new FormatException($"column {t.Name}: a date or time other than a timestamp in microseconds ({t.DateTimeFormat}, {t.Unit})");
            case DataField d when !d.IsArray:
                return (new ColumnSpec(d.Name, Flat(d), d.IsNullable), d);
            case ListField { Item: DataField { IsArray: false } e } l when e.ClrType == typeof(int):
                // Levels: 0 = null list (optional lists only), then empty list, then a null element
                // (optional elements only), then an element.
                int empty = l.IsNullable ? 1 : 0;
                return e.MaxDefinitionLevel == empty + 1 + (e.IsNullable ? 1 : 0) && e.MaxRepetitionLevel == 1
                    ? (new ColumnSpec(l.Name, ColumnType.Int32List, l.IsNullable), e)
                    : throw new FormatException($"column {l.Name}: a LIST not in the three-level form (group / repeated group / element)");
            default:
                throw new FormatException($"column {field.Name}: a {field.SchemaType} field{(field is DataField x ? " of " + x.ClrType.Name : "")} (supported: int32, int64, float, double, boolean, string, timestamp[us], list<int32>)");
        }
    }

    private static ColumnType Flat(DataField d) =>
        d.ClrType == typeof(int) ? ColumnType.Int32
        : d.ClrType == typeof(long) ? ColumnType.Int64
        : d.ClrType == typeof(float) ? ColumnType.Float
        : d.ClrType == typeof(double) ? ColumnType.Double
        : d.ClrType == typeof(bool) ? ColumnType.Boolean
        : d.ClrType == typeof(ReadOnlyMemory<char>) ? ColumnType.String
        : throw new FormatException($"column {d.Name}: type {d.ClrType.Name} is not supported");
}
