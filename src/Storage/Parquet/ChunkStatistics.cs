using System.Reflection;
using Parquet;
using Parquet.Meta;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// Corrects the min/max Parquet.Net 6.1.0 records for a column chunk it has just written, before its
/// footer is written. It orders strings by UTF-16 code unit where the format prescribes UTF-8 bytes
/// (code points), so a column mixing characters above U+FFFF with U+E000..U+FFFF gets a maximum below
/// some of its values, and DuckDB, trusting it, skips row groups that hold rows a filter wants
/// (tests/Properties/Storage/DuckDbFilterTests.cs). It also lets a leading NaN stand as both bounds
/// of a float column (a chunk holding a NaN gets no bounds here), and records 0 as both bounds of a
/// chunk with no values (none here). The row group's chunks
/// are private to Parquet.Net's row group writer: read through reflection, and a later version
/// without the field fails every write loudly here rather than writing wrong bounds.
/// </summary>
internal static class ChunkStatistics
{
    private static readonly FieldInfo RowGroupField = typeof(ParquetRowGroupWriter).GetField("_owGroup", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException("ParquetRowGroupWriter._owGroup (Parquet.Net changed?)");

    /// <summary>Sets the bounds of the chunk last written to <paramref name="group"/>: the values' min and max, or none when there are no values.</summary>
    public static void Correct<T>(ParquetRowGroupWriter group, ReadOnlySpan<T> present)
    {
        var chunk = ((RowGroup)RowGroupField.GetValue(group)!).Columns[^1];
        if (chunk.MetaData?.Statistics is not { } st)
        {
            return;
        }

        (byte[]? min, byte[]? max) = present switch
        {
            _ when typeof(T) == typeof(double) => Bounds(MemoryCast<T, double>(present), double.IsNaN, BitConverter.GetBytes),
            _ when typeof(T) == typeof(float) => Bounds(MemoryCast<T, float>(present), float.IsNaN, BitConverter.GetBytes),
            _ when typeof(T) == typeof(ReadOnlyMemory<char>) => Strings(MemoryCast<T, ReadOnlyMemory<char>>(present)),
            _ when present.IsEmpty => (null, null),
            _ => (st.MinValue, st.MaxValue),
        };
        st.Min = st.MinValue = min;
        st.Max = st.MaxValue = max;
    }

    private static ReadOnlySpan<TTo> MemoryCast<TFrom, TTo>(ReadOnlySpan<TFrom> span) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(
            ref System.Runtime.CompilerServices.Unsafe.As<TFrom, TTo>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span)), span.Length);

    private static (byte[]?, byte[]?) Bounds<T>(ReadOnlySpan<T> values, Func<T, bool> isNaN, Func<T, byte[]> bytes)
        where T : struct, IComparable<T>
    {
        bool any = false;
        T min = default, max = default;
        foreach (var v in values)
        {
            if (isNaN(v))
            {
                // DuckDB takes bounds to cover every value and, with NaN above all, would let NaN
                // pass `x < c` unevaluated: no bounds at all for a chunk holding a NaN.
                return (null, null);
            }

            if (!any || v.CompareTo(min) < 0)
            {
                min = v;
            }

            if (!any || v.CompareTo(max) > 0)
            {
                max = v;
            }

            any = true;
        }

        return any ? (bytes(min), bytes(max)) : (null, null);
    }

    private static (byte[]?, byte[]?) Strings(ReadOnlySpan<ReadOnlyMemory<char>> values)
    {
        if (values.IsEmpty)
        {
            return (null, null);
        }

        var min = values[0];
        var max = values[0];
        foreach (var v in values)
        {
            if (CodePointOrder(v.Span, min.Span) < 0)
            {
                min = v;
            }

            if (CodePointOrder(v.Span, max.Span) > 0)
            {
                max = v;
            }
        }

        return (System.Text.Encoding.UTF8.GetBytes(min.Span.ToArray()), System.Text.Encoding.UTF8.GetBytes(max.Span.ToArray()));
    }

    /// <summary>
    /// UTF-16 strings compared by code point, which is the order of their UTF-8 bytes: as by code unit,
    /// except that a surrogate (part of a code point above U+FFFF) ranks above U+E000..U+FFFF.
    /// </summary>
    internal static int CodePointOrder(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return Rank(a[i]).CompareTo(Rank(b[i]));
            }
        }

        return a.Length.CompareTo(b.Length);

        static int Rank(char c) => char.IsSurrogate(c) ? c + 0x10000 : c;
    }
}
