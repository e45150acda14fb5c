namespace Unlearning.Storage.Parquet;

/// <summary>
/// Decoders for the encodings other writers choose (DuckDB with PARQUET_VERSION V2, Arrow):
/// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
/// Our writer emits PLAIN and RLE_DICTIONARY only.
/// </summary>
internal static class DeltaDecoding
{
    /// <summary>
    /// DELTA_BINARY_PACKED: header (block size, miniblocks per block, total count, zigzag first value),
    /// then blocks of (zigzag min delta, one bit width per miniblock, bit-packed deltas − min delta).
    /// Returns the bytes consumed.
    /// </summary>
    public static int DecodeBinaryPacked(ReadOnlySpan<byte> data, Span<long> output)
    {
        int pos = 0;
        ulong blockSize = Rle.ReadVarint(data, ref pos);
        ulong miniblocks = Rle.ReadVarint(data, ref pos);
        ulong total = Rle.ReadVarint(data, ref pos);
        long first = ZigZag(Rle.ReadVarint(data, ref pos));
        if (blockSize == 0 || blockSize % 128 != 0 || miniblocks == 0 || blockSize % miniblocks != 0
            || (blockSize / miniblocks) % 32 != 0 || blockSize > 1 << 20)
        {
            throw new FormatException($"DELTA_BINARY_PACKED header invalid (block {blockSize}, miniblocks {miniblocks})");
        }

        if (total < (ulong)output.Length)
        {
            throw new FormatException($"DELTA_BINARY_PACKED holds {total} values, {output.Length} expected");
        }

        if (output.Length == 0)
        {
            // The header is all there is, plus blocks for values we do not need: we cannot know their end
            // without decoding, but an empty output needs none.
            return pos;
        }

        int perMini = (int)(blockSize / miniblocks);
        output[0] = first;
        int n = 1;
        long prev = first;
        long[] mini = new long[perMini];
        while (n < output.Length)
        {
            long minDelta = ZigZag(Rle.ReadVarint(data, ref pos));
            if (pos + (int)miniblocks > data.Length)
            {
                throw new FormatException("DELTA_BINARY_PACKED bit widths run past the end");
            }

            var widths = data.Slice(pos, (int)miniblocks);
            pos += (int)miniblocks;
            for (int m = 0; m < (int)miniblocks && n < output.Length; m++)
            {
                int w = widths[m];
                if (w > 64)
                {
                    throw new FormatException($"DELTA_BINARY_PACKED bit width {w} > 64");
                }

                int bytes = perMini * w / 8;
                if (pos + bytes > data.Length)
                {
                    throw new FormatException("DELTA_BINARY_PACKED miniblock runs past the end");
                }

                UnpackLong(data.Slice(pos, bytes), w, mini);
                pos += bytes;
                for (int k = 0; k < perMini && n < output.Length; k++)
                {
                    prev = unchecked(prev + minDelta + mini[k]);
                    output[n++] = prev;
                }
            }
        }

        return pos;
    }

    /// <summary>BYTE_STREAM_SPLIT: byte k of value i is at data[k·count + i].</summary>
    public static void ByteStreamSplit(ReadOnlySpan<byte> data, int width, Span<byte> output)
    {
        int count = output.Length / width;
        if (data.Length < count * width)
        {
            throw new FormatException($"BYTE_STREAM_SPLIT holds {data.Length} bytes, {count * width} expected");
        }

        for (int k = 0; k < width; k++)
        {
            var stream = data.Slice(k * count, count);
            for (int i = 0; i < count; i++)
            {
                output[(i * width) + k] = stream[i];
            }
        }
    }

    /// <summary>DELTA_LENGTH_BYTE_ARRAY: lengths as DELTA_BINARY_PACKED, then the bytes one after another.</summary>
    public static int DecodeLengthByteArray(ReadOnlySpan<byte> data, Span<string> output)
    {
        var lengths = new long[output.Length];
        int pos = DecodeBinaryPacked(data, lengths);
        for (int i = 0; i < output.Length; i++)
        {
            long len = lengths[i];
            if (len < 0 || len > data.Length - pos)
            {
                throw new FormatException($"string length {len} runs past the end of the page");
            }

            output[i] = PlainCodec.Utf8.GetString(data.Slice(pos, (int)len));
            pos += (int)len;
        }

        return pos;
    }

    /// <summary>DELTA_BYTE_ARRAY: prefix lengths (DELTA_BINARY_PACKED), then suffixes (DELTA_LENGTH_BYTE_ARRAY).</summary>
    public static void DecodeByteArray(ReadOnlySpan<byte> data, Span<string> output)
    {
        var prefixes = new long[output.Length];
        int pos = DecodeBinaryPacked(data, prefixes);
        var suffixLengths = new long[output.Length];
        pos += DecodeBinaryPacked(data[pos..], suffixLengths);
        byte[] previous = [];
        for (int i = 0; i < output.Length; i++)
        {
            long p = prefixes[i];
            long s = suffixLengths[i];
            if (p < 0 || p > previous.Length || s < 0 || s > data.Length - pos)
            {
                throw new FormatException($"DELTA_BYTE_ARRAY prefix {p} or suffix {s} out of range");
            }

            var value = new byte[p + s];
            previous.AsSpan(0, (int)p).CopyTo(value);
            data.Slice(pos, (int)s).CopyTo(value.AsSpan((int)p));
            pos += (int)s;
            output[i] = PlainCodec.Utf8.GetString(value);
            previous = value;
        }
    }

    private static void UnpackLong(ReadOnlySpan<byte> data, int bitWidth, Span<long> output)
    {
        if (bitWidth == 0)
        {
            output.Clear();
            return;
        }

        // Accumulate in a 128-bit window: a 64-bit value may straddle 9 bytes.
        UInt128 acc = 0;
        int bits = 0;
        int pos = 0;
        UInt128 mask = bitWidth == 64 ? ulong.MaxValue : (UInt128)((1UL << bitWidth) - 1);
        for (int k = 0; k < output.Length; k++)
        {
            while (bits < bitWidth)
            {
                acc |= (UInt128)data[pos++] << bits;
                bits += 8;
            }

            output[k] = (long)(ulong)(acc & mask);
            acc >>= bitWidth;
            bits -= bitWidth;
        }
    }

    private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);
}
