using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// What the chunk encoder needs to know about one physical type: PLAIN encoding, Parquet's sort
/// order for statistics (signed for integers, IEEE with NaN excluded for floats, unsigned bytes for
/// strings), and equality for dictionary keys (floats by bit pattern, so NaN and −0 survive).
/// </summary>
internal interface IPhysical<T>
{
    static abstract PhysicalType Type { get; }

    static abstract bool Dictionary { get; }

    static abstract IEqualityComparer<T> Comparer { get; }

    static abstract void Plain(ReadOnlySpan<T> values, IBufferWriter<byte> output);

    /// <summary>False for values excluded from min/max (NaN).</summary>
    static abstract bool Orderable(T value);

    static abstract int Compare(T a, T b);

    static abstract byte[] MinBytes(T value);

    static abstract byte[] MaxBytes(T value);
}

internal readonly struct Int32Physical : IPhysical<int>
{
    public static PhysicalType Type => PhysicalType.Int32;

    public static bool Dictionary => true;

    public static IEqualityComparer<int> Comparer => EqualityComparer<int>.Default;

    public static void Plain(ReadOnlySpan<int> values, IBufferWriter<byte> output) => PlainCodec.WriteRaw(values, output);

    public static bool Orderable(int value) => true;

    public static int Compare(int a, int b) => a.CompareTo(b);

    public static byte[] MinBytes(int value) => BitConverter.GetBytes(value);

    public static byte[] MaxBytes(int value) => BitConverter.GetBytes(value);
}

internal readonly struct Int64Physical : IPhysical<long>
{
    public static PhysicalType Type => PhysicalType.Int64;

    public static bool Dictionary => true;

    public static IEqualityComparer<long> Comparer => EqualityComparer<long>.Default;

    public static void Plain(ReadOnlySpan<long> values, IBufferWriter<byte> output) => PlainCodec.WriteRaw(values, output);

    public static bool Orderable(long value) => true;

    public static int Compare(long a, long b) => a.CompareTo(b);

    public static byte[] MinBytes(long value) => BitConverter.GetBytes(value);

    public static byte[] MaxBytes(long value) => BitConverter.GetBytes(value);
}

internal readonly struct FloatPhysical : IPhysical<float>
{
    public static PhysicalType Type => PhysicalType.Float;

    public static bool Dictionary => true;

    public static IEqualityComparer<float> Comparer { get; } = new BitComparer();

    public static void Plain(ReadOnlySpan<float> values, IBufferWriter<byte> output) => PlainCodec.WriteRaw(values, output);

    public static bool Orderable(float value) => !float.IsNaN(value);

    public static int Compare(float a, float b) => a.CompareTo(b);

    // Parquet: a zero min is written as −0 and a zero max as +0, so readers never exclude a zero.
    public static byte[] MinBytes(float value) => BitConverter.GetBytes(value == 0 ? -0.0f : value);

    public static byte[] MaxBytes(float value) => BitConverter.GetBytes(value == 0 ? 0.0f : value);

    private sealed class BitComparer : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y);

        public int GetHashCode(float obj) => BitConverter.SingleToInt32Bits(obj);
    }
}

internal readonly struct DoublePhysical : IPhysical<double>
{
    public static PhysicalType Type => PhysicalType.Double;

    public static bool Dictionary => true;

    public static IEqualityComparer<double> Comparer { get; } = new BitComparer();

    public static void Plain(ReadOnlySpan<double> values, IBufferWriter<byte> output) => PlainCodec.WriteRaw(values, output);

    public static bool Orderable(double value) => !double.IsNaN(value);

    public static int Compare(double a, double b) => a.CompareTo(b);

    public static byte[] MinBytes(double value) => BitConverter.GetBytes(value == 0 ? -0.0 : value);

    public static byte[] MaxBytes(double value) => BitConverter.GetBytes(value == 0 ? 0.0 : value);

    private sealed class BitComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y);

        public int GetHashCode(double obj) => BitConverter.DoubleToInt64Bits(obj).GetHashCode();
    }
}

internal readonly struct BooleanPhysical : IPhysical<bool>
{
    public static PhysicalType Type => PhysicalType.Boolean;

    public static bool Dictionary => false;

    public static IEqualityComparer<bool> Comparer => EqualityComparer<bool>.Default;

    /// <summary>PLAIN booleans: one bit each, LSB first.</summary>
    public static void Plain(ReadOnlySpan<bool> values, IBufferWriter<byte> output)
    {
        int bytes = (values.Length + 7) / 8;
        var span = output.GetSpan(bytes)[..bytes];
        span.Clear();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i])
            {
                span[i >> 3] |= (byte)(1 << (i & 7));
            }
        }

        output.Advance(bytes);
    }

    public static bool Orderable(bool value) => true;

    public static int Compare(bool a, bool b) => a.CompareTo(b);

    public static byte[] MinBytes(bool value) => [value ? (byte)1 : (byte)0];

    public static byte[] MaxBytes(bool value) => [value ? (byte)1 : (byte)0];
}

internal readonly struct StringPhysical : IPhysical<string>
{
    public static PhysicalType Type => PhysicalType.ByteArray;

    public static bool Dictionary => true;

    public static IEqualityComparer<string> Comparer => StringComparer.Ordinal;

    /// <summary>PLAIN byte arrays: a 4-byte little-endian length, then the UTF-8 bytes.</summary>
    public static void Plain(ReadOnlySpan<string> values, IBufferWriter<byte> output)
    {
        foreach (var s in values)
        {
            int max = PlainCodec.Utf8.GetMaxByteCount(s.Length);
            var span = output.GetSpan(4 + max);
            int n = PlainCodec.Utf8.GetBytes(s, span[4..]);
            BinaryPrimitives.WriteInt32LittleEndian(span, n);
            output.Advance(4 + n);
        }
    }

    public static bool Orderable(string value) => true;

    /// <summary>
    /// Unsigned byte order of the UTF-8 encodings, which is code point order: UTF-16 ordinal order
    /// differs only where a surrogate (U+D800–U+DFFF) meets U+E000–U+FFFF, so those are remapped.
    /// </summary>
    public static int Compare(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x != y)
            {
                return Key(x).CompareTo(Key(y));
            }
        }

        return a.Length.CompareTo(b.Length);

        static int Key(char c) => c < 0xD800 ? c : c <= 0xDFFF ? c + 0x2000 : c - 0x800;
    }

    public static byte[] MinBytes(string value) => PlainCodec.Utf8.GetBytes(value);

    public static byte[] MaxBytes(string value) => PlainCodec.Utf8.GetBytes(value);
}

internal static class PlainCodec
{
    /// <summary>UTF-8 that throws on invalid bytes rather than inventing U+FFFD.</summary>
    public static readonly UTF8Encoding Utf8 = new(false, true);

    /// <summary>Fixed-width little-endian values: the in-memory layout on the little-endian machines .NET runs on.</summary>
    public static void WriteRaw<T>(ReadOnlySpan<T> values, IBufferWriter<byte> output)
        where T : unmanaged => output.Write(MemoryMarshal.AsBytes(values));

    public static void ReadRaw<T>(ReadOnlySpan<byte> data, Span<T> output)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(output);
        if (data.Length < bytes.Length)
        {
            throw new FormatException($"PLAIN values need {bytes.Length} bytes, the page holds {data.Length}");
        }

        data[..bytes.Length].CopyTo(bytes);
    }

    public static int ReadBooleans(ReadOnlySpan<byte> data, Span<bool> output)
    {
        int bytes = (output.Length + 7) / 8;
        if (data.Length < bytes)
        {
            throw new FormatException($"PLAIN booleans need {bytes} bytes, the page holds {data.Length}");
        }

        for (int i = 0; i < output.Length; i++)
        {
            output[i] = (data[i >> 3] & (1 << (i & 7))) != 0;
        }

        return bytes;
    }

    public static int ReadStrings(ReadOnlySpan<byte> data, Span<string> output)
    {
        int pos = 0;
        for (int i = 0; i < output.Length; i++)
        {
            if (data.Length - pos < 4)
            {
                throw new FormatException($"string {i} of {output.Length}: length runs past the end of the page");
            }

            int len = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
            pos += 4;
            if (len < 0 || len > data.Length - pos)
            {
                throw new FormatException($"string {i} of {output.Length}: length {len} runs past the end of the page");
            }

            output[i] = Utf8.GetString(data.Slice(pos, len));
            pos += len;
        }

        return pos;
    }
}
