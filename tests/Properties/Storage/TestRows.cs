using System.Globalization;
using System.Text;

namespace Unlearning.Properties.Storage;

/// <summary>A row with every column type, required and optional.</summary>
public sealed record AllTypesRow
{
    public required int Int { get; init; }
    public int? OptInt { get; init; }
    public required long Long { get; init; }
    public long? OptLong { get; init; }
    public required float Float { get; init; }
    public float? OptFloat { get; init; }
    public required double Double { get; init; }
    public double? OptDouble { get; init; }
    public required bool Flag { get; init; }
    public bool? OptFlag { get; init; }
    public required string Text { get; init; }
    public string? OptText { get; init; }
    public required DateTime Time { get; init; }
    public DateTime? OptTime { get; init; }
    public required int[] Tokens { get; init; }
    public int[]? OptTokens { get; init; }

    /// <summary>Every field exactly: floats by bit pattern (NaN payloads and −0 included), lists element by element.</summary>
    public string Canonical() => string.Join('|',
        Int, OptInt?.ToString(CultureInfo.InvariantCulture) ?? "null", Long, OptLong?.ToString(CultureInfo.InvariantCulture) ?? "null",
        BitConverter.SingleToInt32Bits(Float), OptFloat is { } f ? BitConverter.SingleToInt32Bits(f).ToString(CultureInfo.InvariantCulture) : "null",
        BitConverter.DoubleToInt64Bits(Double), OptDouble is { } d ? BitConverter.DoubleToInt64Bits(d).ToString(CultureInfo.InvariantCulture) : "null",
        Flag, OptFlag?.ToString() ?? "null", Text, OptText ?? "null",
        Time.Ticks, Time.Kind, OptTime?.Ticks.ToString(CultureInfo.InvariantCulture) ?? "null",
        "[" + string.Join(',', Tokens) + "]", OptTokens is null ? "null" : "[" + string.Join(',', OptTokens) + "]");
}

/// <summary>Random rows with the awkward cases: nulls, NaN, ±0, ±∞, extremes, empty and long strings, non-ASCII, empty lists.</summary>
public static class RowMaker
{
    private static readonly string[] Pieces = ["a", "é", "数", "😀", " ", "\n", "\0", "z", "ß", "\uFFFD", "\uE000", "Ω"];

    public static AllTypesRow[] Rows(int seed, int count, double nullRate = 0.2)
    {
        var rng = new Random(seed);
        var rows = new AllTypesRow[count];

        // A few distinct strings repeat, so some chunks are dictionary-encoded and some PLAIN.
        var common = Enumerable.Range(0, 1 + rng.Next(20)).Select(_ => MakeString(rng, 12)).ToArray();
        for (int i = 0; i < count; i++)
        {
            bool Null() => rng.NextDouble() < nullRate;
            rows[i] = new AllTypesRow
            {
                Int = MakeInt(rng),
                OptInt = Null() ? null : MakeInt(rng),
                Long = MakeLong(rng),
                OptLong = Null() ? null : MakeLong(rng),
                Float = MakeFloat(rng),
                OptFloat = Null() ? null : MakeFloat(rng),
                Double = MakeDouble(rng),
                OptDouble = Null() ? null : MakeDouble(rng),
                Flag = rng.Next(2) == 0,
                OptFlag = Null() ? null : rng.Next(2) == 0,
                Text = rng.Next(3) == 0 ? common[rng.Next(common.Length)] : MakeString(rng, rng.Next(10) == 0 ? 5000 : 30),
                OptText = Null() ? null : common[rng.Next(common.Length)],
                Time = MakeTime(rng),
                OptTime = Null() ? null : MakeTime(rng),
                Tokens = MakeList(rng),
                OptTokens = Null() ? null : MakeList(rng),
            };
        }

        return rows;
    }

    private static int MakeInt(Random rng) => rng.Next(8) switch
    {
        0 => int.MinValue,
        1 => int.MaxValue,
        2 => 0,
        3 => rng.Next(10),
        _ => rng.Next(int.MinValue, int.MaxValue),
    };

    private static long MakeLong(Random rng) => rng.Next(8) switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        2 => rng.Next(5),
        _ => rng.NextInt64(long.MinValue, long.MaxValue),
    };

    private static float MakeFloat(Random rng) => rng.Next(12) switch
    {
        0 => float.NaN,
        1 => float.PositiveInfinity,
        2 => float.NegativeInfinity,
        3 => -0.0f,
        4 => 0.0f,
        5 => float.Epsilon,
        6 => float.MaxValue,
        _ => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-10, 10))),
    };

    private static double MakeDouble(Random rng) => rng.Next(12) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => -0.0,
        4 => 0.0,
        5 => double.Epsilon,
        6 => double.MinValue,
        _ => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-300, 300)),
    };

    private static DateTime MakeTime(Random rng)
    {
        // Whole microseconds between years 1 and 9999: what a µs timestamp can hold exactly.
        long micros = rng.NextInt64(0, DateTime.MaxValue.Ticks / 10);
        return new DateTime(micros * 10, DateTimeKind.Utc);
    }

    private static int[] MakeList(Random rng)
    {
        int n = rng.Next(6) switch
        {
            0 => 0,
            1 => 1,
            2 => 64,
            _ => rng.Next(20),
        };
        var a = new int[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = rng.Next(3) == 0 ? rng.Next(int.MinValue, int.MaxValue) : rng.Next(50257);
        }

        return a;
    }

    private static string MakeString(Random rng, int maxLength)
    {
        int n = rng.Next(4) == 0 ? 0 : rng.Next(maxLength + 1);
        var sb = new StringBuilder();
        for (int i = 0; i < n; i++)
        {
            sb.Append(rng.Next(3) == 0 ? Pieces[rng.Next(Pieces.Length)] : (char)('a' + rng.Next(26)));
        }

        return sb.ToString();
    }
}

/// <summary>
/// Random rows of any row record, filled member by member through reflection: nulls in a fifth of the
/// optional members, NaN and ±∞ among the doubles, non-ASCII text, empty and long token lists.
/// </summary>
public static class RandomRows
{
    public static TRow[] Of<TRow>(Random rng, int count)
        where TRow : class
    {
        var nullability = new System.Reflection.NullabilityInfoContext();
        var properties = typeof(TRow).GetProperties().Where(p => p.SetMethod is not null && p.Name != "EqualityContract").ToArray();
        var rows = new TRow[count];
        for (int i = 0; i < count; i++)
        {
            var row = (TRow)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(TRow));
            foreach (var p in properties)
            {
                var under = Nullable.GetUnderlyingType(p.PropertyType);
                bool optional = under is not null || (!p.PropertyType.IsValueType && nullability.Create(p).ReadState == System.Reflection.NullabilityState.Nullable);
                p.SetValue(row, optional && rng.Next(5) == 0 ? null : Value(rng, under ?? p.PropertyType));
            }

            rows[i] = row;
        }

        return rows;
    }

    private static object Value(Random rng, Type t) =>
        t == typeof(int) ? rng.Next(4) == 0 ? rng.Next(int.MinValue, int.MaxValue) : rng.Next(100)
        : t == typeof(long) ? rng.NextInt64(long.MinValue, long.MaxValue)
        : t == typeof(double) ? rng.Next(10) switch
        {
            0 => double.NaN,
            1 => double.PositiveInfinity,
            2 => double.NegativeInfinity,
            3 => -0.0,
            _ => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-30, 30)),
        }
        : t == typeof(bool) ? rng.Next(2) == 0
        : t == typeof(string) ? string.Concat(Enumerable.Range(0, rng.Next(3) == 0 ? 0 : rng.Next(40)).Select(_ => rng.Next(4) == 0 ? "é数 \nß" : ((char)('a' + rng.Next(26))).ToString()))
        : t == typeof(DateTime) ? new DateTime(rng.NextInt64(0, DateTime.MaxValue.Ticks / 10) * 10, DateTimeKind.Utc)
        : t == typeof(int[]) ? Enumerable.Range(0, rng.Next(3) == 0 ? 0 : rng.Next(300)).Select(_ => rng.Next(50257)).ToArray()
        : throw new NotSupportedException($"no random {t.Name}");
}
