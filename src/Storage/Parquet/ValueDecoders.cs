using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Unlearning.Storage.Parquet;

/// <summary>Decodes a page's non-null values of one physical type in any encoding the reader accepts.</summary>
internal interface IValueDecoder<T>
{
    /// <summary>Bytes one value takes at least in PLAIN form: bounds a dictionary's entry count by its size.</summary>
    static abstract int MinPlainBytes { get; }

    static abstract void Decode(Encoding encoding, ReadOnlySpan<byte> data, Span<T> output);
}

internal readonly struct Int32Decoder : IValueDecoder<int>
{
    public static int MinPlainBytes => 4;

    public static void Decode(Encoding encoding, ReadOnlySpan<byte> data, Span<int> output)
    {
        switch (encoding)
        {
            case Encoding.Plain:
                PlainCodec.ReadRaw(data, output);
                return;
            case Encoding.DeltaBinaryPacked:
            {
                var wide = new long[output.Length];
                DeltaDecoding.DecodeBinaryPacked(data, wide);
                for (int i = 0; i < wide.Length; i++)
                {
                    output[i] = unchecked((int)wide[i]);
                }

                return;
            }

            case Encoding.ByteStreamSplit:
                DeltaDecoding.ByteStreamSplit(data, 4, MemoryMarshal.AsBytes(output));
                return;
            default:
                throw Unsupported(encoding, "INT32");
        }
    }

    internal static FormatException Unsupported(Encoding e, string type) => new($"encoding {e} is not supported for {type}");
}

internal readonly struct Int64Decoder : IValueDecoder<long>
{
    public static int MinPlainBytes => 8;

    public static void Decode(Encoding encoding, ReadOnlySpan<byte> data, Span<long> output)
    {
        switch (encoding)
        {
            case Encoding.Plain:
                PlainCodec.ReadRaw(data, output);
                return;
            case Encoding.DeltaBinaryPacked:
                DeltaDecoding.DecodeBinaryPacked(data, output);
                return;
            case Encoding.ByteStreamSplit:
                DeltaDecoding.ByteStreamSplit(data, 8, MemoryMarshal.AsBytes(output));
                return;
            default:
                throw Int32Decoder.Unsupported(encoding, "INT64");
        }
    }
}

internal readonly struct FloatDecoder : IValueDecoder<float>
{
    public static int MinPlainBytes => 4;

    public static void Decode(Encoding encoding, ReadOnlySpan<byte> data, Span<float> output)
    {
        switch (encoding)
        {
            case Encoding.Plain:
                PlainCodec.ReadRaw(data, output);
                return;
            case Encoding.ByteStreamSplit:
                DeltaDecoding.ByteStreamSplit(data, 4, MemoryMarshal.AsBytes(output));
                return;
            default:
                throw Int32Decoder.Unsupported(encoding, "FLOAT");
        }
    }
}

internal readonly struct DoubleDecoder : IValueDecoder<double>
{
    public static int MinPlainBytes => 8;

    public static void Decode(Encoding encoding, ReadOnlySpan<byte> data, Span<double> output)
    {
        switch (encoding)
        {
            case Encoding.Plain:
                PlainCodec.ReadRaw(data, output);
                return;
            case Encoding.ByteStreamSplit:
                DeltaDecoding.ByteStreamSplit(data, 8, MemoryMarshal.AsBytes(output));
                return;
            default:
                throw Int32Decoder.Unsupported(encoding, "DOUBLE");
        }
    }
}

internal readonly struct BooleanDecoder : IValueDecoder<bool>
{
    public static int MinPlainBytes => 1;

    public static void Decode(Encoding encoding, ReadOnlySpan<byte> data, Span<bool> output)
    {
        switch (encoding)
        {
            case Encoding.Plain:
                PlainCodec.ReadBooleans(data, output);
                return;
            case Encoding.Rle:
            {
                // RLE booleans carry a 4-byte length prefix, then bit width 1 runs.
                if (data.Length < 4)
                {
                    throw new FormatException("RLE booleans lack their length prefix");
                }

                int len = BinaryPrimitives.ReadInt32LittleEndian(data);
                if (len < 0 || len > data.Length - 4)
                {
                    throw new FormatException($"RLE booleans length {len} runs past the end of the page");
                }

                var bits = new int[output.Length];
                Rle.Decode(data.Slice(4, len), 1, bits);
                for (int i = 0; i < bits.Length; i++)
                {
                    output[i] = bits[i] != 0;
                }

                return;
            }

            default:
                throw Int32Decoder.Unsupported(encoding, "BOOLEAN");
        }
    }
}

internal readonly struct StringDecoder : IValueDecoder<string>
{
    public static int MinPlainBytes => 4;

    public static void Decode(Encoding encoding, ReadOnlySpan<byte> data, Span<string> output)
    {
        switch (encoding)
        {
            case Encoding.Plain:
                PlainCodec.ReadStrings(data, output);
                return;
            case Encoding.DeltaLengthByteArray:
                DeltaDecoding.DecodeLengthByteArray(data, output);
                return;
            case Encoding.DeltaByteArray:
                DeltaDecoding.DecodeByteArray(data, output);
                return;
            default:
                throw Int32Decoder.Unsupported(encoding, "BYTE_ARRAY");
        }
    }
}
