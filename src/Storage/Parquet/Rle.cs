using System.Buffers;
using System.Numerics;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// The RLE / bit-packed hybrid encoding (Parquet Encodings.md) used for definition and repetition
/// levels and dictionary indices: a sequence of runs, each headed by a ULEB128 varint h.
/// h &amp; 1 = 0: an RLE run of h &gt;&gt; 1 copies of one value stored in ceil(bitWidth / 8) bytes.
/// h &amp; 1 = 1: (h &gt;&gt; 1) groups of 8 values bit-packed LSB first, bitWidth bits each.
/// </summary>
internal static class Rle
{
    public static int BitWidth(int maxValue) => maxValue == 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)maxValue);

    /// <summary>Encodes values (each &lt; 2^bitWidth) as runs: repeats of 8 or more become RLE runs.</summary>
    public static void Encode(ReadOnlySpan<int> values, int bitWidth, IBufferWriter<byte> output)
    {
        if (bitWidth == 0)
        {
            // Every value is 0: one RLE run with a zero-byte value.
            if (values.Length > 0)
            {
                WriteVarint(output, (ulong)values.Length << 1);
            }

            return;
        }

        int i = 0;
        int literalStart = 0;
        while (i < values.Length)
        {
            int v = values[i];
            int j = i + 1;
            while (j < values.Length && values[j] == v)
            {
                j++;
            }

            int run = j - i;
            if (run >= 8)
            {
                // Literals before the run must fill whole groups of 8: borrow the run's first values.
                int pending = i - literalStart;
                int borrow = (8 - (pending % 8)) % 8;
                if (run - borrow >= 8)
                {
                    i += borrow;
                    WriteBitPacked(values[literalStart..i], bitWidth, output);
                    WriteRle(v, j - i, bitWidth, output);
                    literalStart = j;
                }
            }

            i = j;
        }

        WriteBitPacked(values[literalStart..], bitWidth, output);
    }

    private static void WriteRle(int value, int count, int bitWidth, IBufferWriter<byte> output)
    {
        WriteVarint(output, (ulong)count << 1);
        int bytes = (bitWidth + 7) / 8;
        var span = output.GetSpan(bytes);
        for (int b = 0; b < bytes; b++)
        {
            span[b] = (byte)(value >> (8 * b));
        }

        output.Advance(bytes);
    }

    /// <summary>Bit-packs values in groups of 8, the last group padded with zeros.</summary>
    private static void WriteBitPacked(ReadOnlySpan<int> values, int bitWidth, IBufferWriter<byte> output)
    {
        if (values.Length == 0)
        {
            return;
        }

        int groups = (values.Length + 7) / 8;
        WriteVarint(output, ((ulong)groups << 1) | 1);
        int bytes = groups * bitWidth;
        var span = output.GetSpan(bytes)[..bytes];
        span.Clear();
        ulong acc = 0;
        int bits = 0;
        int pos = 0;
        for (int k = 0; k < groups * 8; k++)
        {
            ulong v = k < values.Length ? (uint)values[k] : 0u;
            acc |= v << bits;
            bits += bitWidth;
            while (bits >= 8)
            {
                span[pos++] = (byte)acc;
                acc >>= 8;
                bits -= 8;
            }
        }

        output.Advance(bytes);
    }

    /// <summary>
    /// Decodes exactly <paramref name="output"/>.Length values; returns the bytes consumed. Throws
    /// <see cref="FormatException"/> when the data ends early or a value needs more than bitWidth bits.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> output)
    {
        if (bitWidth is < 0 or > 32)
        {
            throw new FormatException($"bit width {bitWidth} is outside 0..32");
        }

        int pos = 0;
        int n = 0;
        int valueBytes = (bitWidth + 7) / 8;
        while (n < output.Length)
        {
            ulong h = ReadVarint(data, ref pos);
            if ((h & 1) == 0)
            {
                ulong count = h >> 1;
                if (count == 0)
                {
                    throw new FormatException("empty RLE run");
                }

                if (pos + valueBytes > data.Length)
                {
                    throw new FormatException("RLE run value runs past the end of the data");
                }

                uint v = 0;
                for (int b = 0; b < valueBytes; b++)
                {
                    v |= (uint)data[pos + b] << (8 * b);
                }

                pos += valueBytes;
                if (bitWidth < 32 && v >> bitWidth != 0)
                {
                    throw new FormatException($"RLE value {v} needs more than {bitWidth} bits");
                }

                int take = (int)Math.Min(count, (ulong)(output.Length - n));
                output.Slice(n, take).Fill((int)v);
                n += take;
            }
            else
            {
                ulong groups = h >> 1;
                ulong bytes = groups * (ulong)bitWidth;
                if (groups == 0 || bytes > (ulong)(data.Length - pos))
                {
                    throw new FormatException("bit-packed run runs past the end of the data");
                }

                int values = (int)Math.Min(groups * 8, (ulong)(output.Length - n));
                Unpack(data.Slice(pos, (int)bytes), bitWidth, output.Slice(n, values));
                n += values;
                pos += (int)bytes;
            }
        }

        return pos;
    }

    /// <summary>Unpacks output.Length values of bitWidth bits, LSB first.</summary>
    public static void Unpack(ReadOnlySpan<byte> data, int bitWidth, Span<int> output)
    {
        if (bitWidth == 0)
        {
            output.Clear();
            return;
        }

        ulong mask = bitWidth == 64 ? ulong.MaxValue : (1UL << bitWidth) - 1;
        ulong acc = 0;
        int bits = 0;
        int pos = 0;
        for (int k = 0; k < output.Length; k++)
        {
            while (bits < bitWidth)
            {
                acc |= (ulong)data[pos++] << bits;
                bits += 8;
            }

            output[k] = (int)(acc & mask);
            acc >>= bitWidth;
            bits -= bitWidth;
        }
    }

    public static void WriteVarint(IBufferWriter<byte> output, ulong v)
    {
        var span = output.GetSpan(10);
        int n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[n++] = (byte)v;
        output.Advance(n);
    }

    public static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length)
            {
                throw new FormatException("varint runs past the end of the data");
            }

            byte b = data[pos++];
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return v;
            }
        }

        throw new FormatException("varint longer than 10 bytes");
    }
}
