using System.Buffers;

namespace Unlearning.Storage.Parquet;

/// <summary>Thrift compact protocol type codes (thrift/doc/specs/thrift-compact-protocol.md).</summary>
internal enum CompactType : byte
{
    Stop = 0,
    BooleanTrue = 1,
    BooleanFalse = 2,
    Byte = 3,
    I16 = 4,
    I32 = 5,
    I64 = 6,
    Double = 7,
    Binary = 8,
    List = 9,
    Set = 10,
    Map = 11,
    Struct = 12,
}

/// <summary>
/// Writes the Thrift compact protocol: field headers as (delta &lt;&lt; 4 | type) when the field id grows
/// by 1..15, integers as zigzag ULEB128 varints, binaries as varint length + bytes, lists as
/// (size &lt;&lt; 4 | element type) or 0xF0 | type + varint size, structs ending in a 0 byte.
/// </summary>
internal sealed class CompactWriter
{
    private readonly IBufferWriter<byte> _out;
    private readonly Stack<short> _lastIds = new();
    private short _lastId;

    public CompactWriter(IBufferWriter<byte> output) => _out = output;

    public void BeginStruct()
    {
        _lastIds.Push(_lastId);
        _lastId = 0;
    }

    public void EndStruct()
    {
        WriteByte(0);
        _lastId = _lastIds.Pop();
    }

    public void FieldHeader(short id, CompactType type)
    {
        int delta = id - _lastId;
        if (delta is > 0 and <= 15)
        {
            WriteByte((byte)((delta << 4) | (byte)type));
        }
        else
        {
            WriteByte((byte)type);
            WriteVarint(ZigZag(id));
        }

        _lastId = id;
    }

    public void Bool(short id, bool value) => FieldHeader(id, value ? CompactType.BooleanTrue : CompactType.BooleanFalse);

    public void I32(short id, int value)
    {
        FieldHeader(id, CompactType.I32);
        WriteVarint(ZigZag(value));
    }

    public void I16(short id, short value)
    {
        FieldHeader(id, CompactType.I16);
        WriteVarint(ZigZag(value));
    }

    public void I64(short id, long value)
    {
        FieldHeader(id, CompactType.I64);
        WriteVarint(ZigZag(value));
    }

    public void Binary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, CompactType.Binary);
        WriteVarint((ulong)value.Length);
        _out.Write(value);
    }

    public void String(short id, string value) => Binary(id, System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>Starts a struct-valued field; close it with <see cref="EndStruct"/>.</summary>
    public void StructField(short id)
    {
        FieldHeader(id, CompactType.Struct);
        BeginStruct();
    }

    public void ListHeader(short id, CompactType elementType, int size)
    {
        FieldHeader(id, CompactType.List);
        if (size < 15)
        {
            WriteByte((byte)((size << 4) | (byte)elementType));
        }
        else
        {
            WriteByte((byte)(0xF0 | (byte)elementType));
            WriteVarint((ulong)size);
        }
    }

    /// <summary>An i32 list element (no field header).</summary>
    public void ElementI32(int value) => WriteVarint(ZigZag(value));

    public void ElementString(string value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        WriteVarint((ulong)bytes.Length);
        _out.Write(bytes);
    }

    public void Stop() => WriteByte(0);

    private void WriteByte(byte b)
    {
        var span = _out.GetSpan(1);
        span[0] = b;
        _out.Advance(1);
    }

    private void WriteVarint(ulong v)
    {
        var span = _out.GetSpan(10);
        int n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[n++] = (byte)v;
        _out.Advance(n);
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));
}

/// <summary>
/// Reads the Thrift compact protocol from a byte span with every length checked against what is left,
/// so a corrupt footer or page header fails with <see cref="FormatException"/> rather than an
/// out-of-range read or a huge allocation. Unknown fields are skipped (other writers add fields).
/// </summary>
internal ref struct CompactReader
{
    private const int MaxDepth = 32;
    private readonly ReadOnlySpan<byte> _data;
    private short _lastId;
    private int _depth;
    private Span<short> _stack;

    public CompactReader(ReadOnlySpan<byte> data, Span<short> stack)
    {
        _data = data;
        _stack = stack;
        Position = 0;
        _lastId = 0;
        _depth = 0;
    }

    public int Position { get; private set; }

    /// <summary>A stack for nested field ids; 32 levels is far more than Parquet's metadata uses.</summary>
    public static short[] NewStack() => new short[MaxDepth];

    public void BeginStruct()
    {
        if (_depth >= _stack.Length)
        {
            throw new FormatException("Thrift structures nested too deeply");
        }

        _stack[_depth++] = _lastId;
        _lastId = 0;
    }

    public void EndStruct() => _lastId = _stack[--_depth];

    /// <summary>Reads the next field header; returns false at the struct's stop byte.</summary>
    public bool NextField(out short id, out CompactType type)
    {
        byte b = ReadByte();
        if (b == 0)
        {
            id = 0;
            type = CompactType.Stop;
            return false;
        }

        type = (CompactType)(b & 0x0F);
        int delta = b >> 4;
        id = delta != 0 ? (short)(_lastId + delta) : checked((short)ReadZigZag());
        if (type is > CompactType.Struct)
        {
            throw new FormatException($"unknown Thrift type {(int)type} for field {id}");
        }

        _lastId = id;
        return true;
    }

    public bool ReadBool(CompactType type) => type switch
    {
        CompactType.BooleanTrue => true,
        CompactType.BooleanFalse => false,
        _ => throw new FormatException($"expected a boolean field, found Thrift type {type}"),
    };

    public int ReadI32(CompactType type)
    {
        Expect(type, CompactType.I32);
        return checked((int)ReadZigZag());
    }

    /// <summary>An i32 list element.</summary>
    public int ReadElementI32() => checked((int)ReadZigZag());

    public long ReadI64(CompactType type)
    {
        Expect(type, CompactType.I64);
        return ReadZigZag();
    }

    public ReadOnlySpan<byte> ReadBinary(CompactType type)
    {
        Expect(type, CompactType.Binary);
        return ReadBinaryElement();
    }

    public ReadOnlySpan<byte> ReadBinaryElement()
    {
        ulong len = ReadVarint();
        if (len > (ulong)(_data.Length - Position))
        {
            throw new FormatException($"binary of {len} bytes runs past the end ({_data.Length - Position} left)");
        }

        var s = _data.Slice(Position, (int)len);
        Position += (int)len;
        return s;
    }

    public string ReadString(CompactType type) => DecodeUtf8(ReadBinary(type));

    public string ReadStringElement() => DecodeUtf8(ReadBinaryElement());

    public int ReadListHeader(CompactType type, out CompactType elementType)
    {
        Expect(type, CompactType.List);
        byte b = ReadByte();
        elementType = (CompactType)(b & 0x0F);
        ulong size = (ulong)(b >> 4);
        if (size == 15)
        {
            size = ReadVarint();
        }

        // Every element takes at least one byte: a larger count is corrupt, not a reason to allocate.
        if (size > (ulong)(_data.Length - Position))
        {
            throw new FormatException($"list of {size} elements cannot fit in {_data.Length - Position} bytes");
        }

        return (int)size;
    }

    public void Skip(CompactType type)
    {
        switch (type)
        {
            case CompactType.BooleanTrue:
            case CompactType.BooleanFalse:
                return;
            case CompactType.Byte:
                ReadByte();
                return;
            case CompactType.I16:
            case CompactType.I32:
            case CompactType.I64:
                ReadVarint();
                return;
            case CompactType.Double:
                Advance(8);
                return;
            case CompactType.Binary:
                ReadBinaryElement();
                return;
            case CompactType.List:
            case CompactType.Set:
            {
                int n = ReadListHeader(CompactType.List, out var et);
                for (int i = 0; i < n; i++)
                {
                    SkipElement(et);
                }

                return;
            }

            case CompactType.Map:
            {
                ulong n = ReadVarint();
                if (n == 0)
                {
                    return;
                }

                if (n > (ulong)(_data.Length - Position))
                {
                    throw new FormatException("map too large");
                }

                byte kv = ReadByte();
                for (ulong i = 0; i < n; i++)
                {
                    SkipElement((CompactType)(kv >> 4));
                    SkipElement((CompactType)(kv & 0x0F));
                }

                return;
            }

            case CompactType.Struct:
                BeginStruct();
                while (NextField(out _, out var t))
                {
                    Skip(t);
                }

                EndStruct();
                return;
            default:
                throw new FormatException($"cannot skip Thrift type {(int)type}");
        }
    }

    private void SkipElement(CompactType type)
    {
        // Booleans inside containers take one byte each.
        if (type is CompactType.BooleanTrue or CompactType.BooleanFalse)
        {
            ReadByte();
            return;
        }

        Skip(type);
    }

    private static void Expect(CompactType found, CompactType expected)
    {
        if (found != expected)
        {
            throw new FormatException($"expected Thrift type {expected}, found {found}");
        }
    }

    private byte ReadByte()
    {
        if (Position >= _data.Length)
        {
            throw new FormatException("Thrift data ends early");
        }

        return _data[Position++];
    }

    private void Advance(int n)
    {
        if (n > _data.Length - Position)
        {
            throw new FormatException("Thrift data ends early");
        }

        Position += n;
    }

    private ulong ReadVarint()
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = ReadByte();
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return v;
            }
        }

        throw new FormatException("varint longer than 10 bytes");
    }

    private long ReadZigZag()
    {
        ulong v = ReadVarint();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes) => Utf8Strict.GetString(bytes);

    private static readonly System.Text.UTF8Encoding Utf8Strict = new(false, true);
}
