using System.Reflection;

namespace Unlearning.Storage.Parquet;

/// <summary>One column's values for the rows of the row group being filled.</summary>
internal interface IColumnBuffer<in TRow>
{
    void Add(TRow row, int index);

    ColumnValues Values(int count);
}

internal static class ColumnBuffers
{
    public static IColumnBuffer<TRow> For<TRow>(Binding binding, int capacity)
    {
        var p = binding.Property;
        var t = p.PropertyType;
        var under = Nullable.GetUnderlyingType(t);
        Type buffer = t == typeof(DateTime) ? typeof(TimeBuffer<>).MakeGenericType(typeof(TRow))
            : t == typeof(DateTime?) ? typeof(OptionalTimeBuffer<>).MakeGenericType(typeof(TRow))
            : under is not null ? typeof(OptionalBuffer<,>).MakeGenericType(typeof(TRow), under)
            : typeof(ValueBuffer<,>).MakeGenericType(typeof(TRow), t);
        var getter = p.GetMethod!.CreateDelegate(typeof(Func<,>).MakeGenericType(typeof(TRow), t));
        return (IColumnBuffer<TRow>)Activator.CreateInstance(buffer, BindingFlags.Public | BindingFlags.Instance, null, [getter, capacity, binding.Spec.Name], null)!;
    }
}

internal sealed class ValueBuffer<TRow, T>(Func<TRow, T> getter, int capacity, string name) : IColumnBuffer<TRow>
{
    private readonly T[] _values = new T[capacity];

    public string Name { get; } = name;

    public void Add(TRow row, int index) => _values[index] = getter(row);

    public ColumnValues Values(int count) => new ColumnValues<T>(_values, null, count);
}

internal sealed class OptionalBuffer<TRow, T>(Func<TRow, T?> getter, int capacity, string name) : IColumnBuffer<TRow>
    where T : struct
{
    private readonly T[] _values = new T[capacity];
    private readonly bool[] _defined = new bool[capacity];

    public string Name { get; } = name;

    public void Add(TRow row, int index)
    {
        var v = getter(row);
        _defined[index] = v.HasValue;
        _values[index] = v.GetValueOrDefault();
    }

    public ColumnValues Values(int count) => new ColumnValues<T>(_values, _defined, count);
}

internal sealed class TimeBuffer<TRow>(Func<TRow, DateTime> getter, int capacity, string name) : IColumnBuffer<TRow>
{
    private readonly long[] _values = new long[capacity];

    public string Name { get; } = name;

    public void Add(TRow row, int index) => _values[index] = Timestamps.ToMicros(getter(row));

    public ColumnValues Values(int count) => new ColumnValues<long>(_values, null, count);
}

internal sealed class OptionalTimeBuffer<TRow>(Func<TRow, DateTime?> getter, int capacity, string name) : IColumnBuffer<TRow>
{
    private readonly long[] _values = new long[capacity];
    private readonly bool[] _defined = new bool[capacity];

    public string Name { get; } = name;

    public void Add(TRow row, int index)
    {
        var v = getter(row);
        _defined[index] = v.HasValue;
        _values[index] = v.HasValue ? Timestamps.ToMicros(v.Value) : 0;
    }

    public ColumnValues Values(int count) => new ColumnValues<long>(_values, _defined, count);
}
