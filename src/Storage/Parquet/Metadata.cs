namespace Unlearning.Storage.Parquet;

// The subset of parquet.thrift (apache/parquet-format) this project reads and writes, with the
// Thrift field ids of the specification. Fields other writers add are skipped when reading.

internal enum PhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Int96 = 3,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
}

internal enum Repetition
{
    Required = 0,
    Optional = 1,
    Repeated = 2,
}

internal enum ConvertedType
{
    Utf8 = 0,
    List = 3,
    TimestampMillis = 9,
    TimestampMicros = 10,
    Int32 = 17,
    Int64 = 18,
}

internal enum Encoding
{
    Plain = 0,
    PlainDictionary = 2,
    Rle = 3,
    BitPacked = 4,
    DeltaBinaryPacked = 5,
    DeltaLengthByteArray = 6,
    DeltaByteArray = 7,
    RleDictionary = 8,
    ByteStreamSplit = 9,
}

internal enum Codec
{
    Uncompressed = 0,
    Snappy = 1,
    Gzip = 2,
    Lzo = 3,
    Brotli = 4,
    Lz4 = 5,
    Zstd = 6,
    Lz4Raw = 7,
}

internal enum PageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}

/// <summary>The logical types this project uses; anything else keeps its union field id.</summary>
internal sealed record LogicalType(int UnionId, bool TimestampUtc = false, int TimestampUnit = 0, int IntBits = 0, bool IntSigned = true)
{
    public const int StringId = 1;
    public const int ListId = 3;
    public const int TimestampId = 8;
    public const int IntegerId = 10;

    /// <summary>TimeUnit union ids: 1 MILLIS, 2 MICROS, 3 NANOS.</summary>
    public const int Micros = 2;

    public static readonly LogicalType String = new(StringId);
    public static readonly LogicalType List = new(ListId);
    public static readonly LogicalType TimestampMicrosUtc = new(TimestampId, TimestampUtc: true, TimestampUnit: Micros);
}

internal sealed class SchemaElement
{
    public PhysicalType? Type { get; set; }
    public int? TypeLength { get; set; }
    public Repetition? Repetition { get; set; }
    public string Name { get; set; } = "";
    public int? NumChildren { get; set; }
    public int? ConvertedType { get; set; }
    public LogicalType? Logical { get; set; }
}

internal sealed class Statistics
{
    public byte[]? Max { get; set; }
    public byte[]? Min { get; set; }
    public long? NullCount { get; set; }
    public long? DistinctCount { get; set; }
    public byte[]? MaxValue { get; set; }
    public byte[]? MinValue { get; set; }
}

internal sealed class ColumnMetaData
{
    public PhysicalType Type { get; set; }
    public List<int> Encodings { get; set; } = [];
    public List<string> Path { get; set; } = [];
    public Codec Codec { get; set; }
    public long NumValues { get; set; }
    public long TotalUncompressedSize { get; set; }
    public long TotalCompressedSize { get; set; }
    public long DataPageOffset { get; set; }
    public long? DictionaryPageOffset { get; set; }
    public Statistics? Statistics { get; set; }
}

internal sealed class ColumnChunk
{
    public string? FilePath { get; set; }
    public long FileOffset { get; set; }
    public ColumnMetaData? MetaData { get; set; }
}

internal sealed class RowGroup
{
    public List<ColumnChunk> Columns { get; set; } = [];
    public long TotalByteSize { get; set; }
    public long NumRows { get; set; }
    public long? FileOffset { get; set; }
    public long? TotalCompressedSize { get; set; }
    public short? Ordinal { get; set; }
}

internal sealed class FileMetaData
{
    public int Version { get; set; }
    public List<SchemaElement> Schema { get; set; } = [];
    public long NumRows { get; set; }
    public List<RowGroup> RowGroups { get; set; } = [];
    public List<KeyValuePair<string, string?>> KeyValueMetadata { get; set; } = [];
    public string? CreatedBy { get; set; }
    public int ColumnOrders { get; set; }
}

internal sealed class PageHeader
{
    public PageType Type { get; set; }
    public int UncompressedPageSize { get; set; }
    public int CompressedPageSize { get; set; }
    public int? Crc { get; set; }

    // DATA_PAGE (v1) and DATA_PAGE_V2 share these.
    public int NumValues { get; set; }
    public Encoding Encoding { get; set; }
    public Encoding DefinitionLevelEncoding { get; set; } = Encoding.Rle;
    public Encoding RepetitionLevelEncoding { get; set; } = Encoding.Rle;

    // DATA_PAGE_V2 only.
    public int NumNulls { get; set; }
    public int NumRows { get; set; }
    public int DefinitionLevelsByteLength { get; set; }
    public int RepetitionLevelsByteLength { get; set; }
    public bool IsCompressed { get; set; } = true;
    public bool HasDataPageHeader { get; set; }
}

/// <summary>Thrift compact (de)serialisation of the structures above.</summary>
internal static class MetadataCodec
{
    public static void Write(CompactWriter w, FileMetaData m)
    {
        w.BeginStruct();
        w.I32(1, m.Version);
        w.ListHeader(2, CompactType.Struct, m.Schema.Count);
        foreach (var s in m.Schema)
        {
            Write(w, s);
        }

        w.I64(3, m.NumRows);
        w.ListHeader(4, CompactType.Struct, m.RowGroups.Count);
        foreach (var rg in m.RowGroups)
        {
            Write(w, rg);
        }

        if (m.KeyValueMetadata.Count > 0)
        {
            w.ListHeader(5, CompactType.Struct, m.KeyValueMetadata.Count);
            foreach (var kv in m.KeyValueMetadata)
            {
                w.BeginStruct();
                w.String(1, kv.Key);
                if (kv.Value is not null)
                {
                    w.String(2, kv.Value);
                }

                w.EndStruct();
            }
        }

        if (m.CreatedBy is not null)
        {
            w.String(6, m.CreatedBy);
        }

        if (m.ColumnOrders > 0)
        {
            // ColumnOrder is a union whose field 1 is TYPE_ORDER (an empty struct): min/max by type.
            w.ListHeader(7, CompactType.Struct, m.ColumnOrders);
            for (int i = 0; i < m.ColumnOrders; i++)
            {
                w.BeginStruct();
                w.StructField(1);
                w.EndStruct();
                w.EndStruct();
            }
        }

        w.EndStruct();
    }

    private static void Write(CompactWriter w, SchemaElement s)
    {
        w.BeginStruct();
        if (s.Type is { } t)
        {
            w.I32(1, (int)t);
        }

        if (s.TypeLength is { } tl)
        {
            w.I32(2, tl);
        }

        if (s.Repetition is { } r)
        {
            w.I32(3, (int)r);
        }

        w.String(4, s.Name);
        if (s.NumChildren is { } nc)
        {
            w.I32(5, nc);
        }

        if (s.ConvertedType is { } ct)
        {
            w.I32(6, ct);
        }

        if (s.Logical is { } lt)
        {
            w.StructField(10);
            w.StructField((short)lt.UnionId);
            if (lt.UnionId == LogicalType.TimestampId)
            {
                w.Bool(1, lt.TimestampUtc);
                w.StructField(2);
                w.StructField((short)lt.TimestampUnit);
                w.EndStruct();
                w.EndStruct();
            }

            w.EndStruct();
            w.EndStruct();
        }

        w.EndStruct();
    }

    private static void Write(CompactWriter w, RowGroup rg)
    {
        w.BeginStruct();
        w.ListHeader(1, CompactType.Struct, rg.Columns.Count);
        foreach (var c in rg.Columns)
        {
            w.BeginStruct();
            if (c.FilePath is not null)
            {
                w.String(1, c.FilePath);
            }

            w.I64(2, c.FileOffset);
            if (c.MetaData is { } md)
            {
                w.StructField(3);
                Write(w, md);
                w.EndStruct();
            }

            w.EndStruct();
        }

        w.I64(2, rg.TotalByteSize);
        w.I64(3, rg.NumRows);
        if (rg.FileOffset is { } fo)
        {
            w.I64(5, fo);
        }

        if (rg.TotalCompressedSize is { } tcs)
        {
            w.I64(6, tcs);
        }

        if (rg.Ordinal is { } o)
        {
            w.I16(7, o);
        }

        w.EndStruct();
    }

    /// <summary>Writes the fields of ColumnMetaData into a struct already begun.</summary>
    private static void Write(CompactWriter w, ColumnMetaData md)
    {
        w.I32(1, (int)md.Type);
        w.ListHeader(2, CompactType.I32, md.Encodings.Count);
        foreach (var e in md.Encodings)
        {
            w.ElementI32(e);
        }

        w.ListHeader(3, CompactType.Binary, md.Path.Count);
        foreach (var p in md.Path)
        {
            w.ElementString(p);
        }

        w.I32(4, (int)md.Codec);
        w.I64(5, md.NumValues);
        w.I64(6, md.TotalUncompressedSize);
        w.I64(7, md.TotalCompressedSize);
        w.I64(9, md.DataPageOffset);
        if (md.DictionaryPageOffset is { } dpo)
        {
            w.I64(11, dpo);
        }

        if (md.Statistics is { } st)
        {
            w.StructField(12);
            if (st.Max is not null)
            {
                w.Binary(1, st.Max);
            }

            if (st.Min is not null)
            {
                w.Binary(2, st.Min);
            }

            if (st.NullCount is { } nc)
            {
                w.I64(3, nc);
            }

            if (st.DistinctCount is { } dc)
            {
                w.I64(4, dc);
            }

            if (st.MaxValue is not null)
            {
                w.Binary(5, st.MaxValue);
            }

            if (st.MinValue is not null)
            {
                w.Binary(6, st.MinValue);
            }

            w.EndStruct();
        }
    }

    public static void Write(CompactWriter w, PageHeader h)
    {
        w.BeginStruct();
        w.I32(1, (int)h.Type);
        w.I32(2, h.UncompressedPageSize);
        w.I32(3, h.CompressedPageSize);
        if (h.Crc is { } crc)
        {
            w.I32(4, crc);
        }

        if (h.Type == PageType.DataPage)
        {
            w.StructField(5);
            w.I32(1, h.NumValues);
            w.I32(2, (int)h.Encoding);
            w.I32(3, (int)h.DefinitionLevelEncoding);
            w.I32(4, (int)h.RepetitionLevelEncoding);
            w.EndStruct();
        }
        else if (h.Type == PageType.DictionaryPage)
        {
            w.StructField(7);
            w.I32(1, h.NumValues);
            w.I32(2, (int)h.Encoding);
            w.EndStruct();
        }
        else
        {
            throw new NotSupportedException($"writing page type {h.Type}");
        }

        w.EndStruct();
    }

    public static FileMetaData ReadFileMetaData(ReadOnlySpan<byte> data)
    {
        var r = new CompactReader(data, CompactReader.NewStack());
        var m = new FileMetaData();
        bool hasSchema = false, hasRows = false, hasGroups = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1:
                    m.Version = r.ReadI32(t);
                    break;
                case 2:
                {
                    int n = r.ReadListHeader(t, out _);
                    for (int i = 0; i < n; i++)
                    {
                        m.Schema.Add(ReadSchemaElement(ref r));
                    }

                    hasSchema = true;
                    break;
                }

                case 3:
                    m.NumRows = r.ReadI64(t);
                    hasRows = true;
                    break;
                case 4:
                {
                    int n = r.ReadListHeader(t, out _);
                    for (int i = 0; i < n; i++)
                    {
                        m.RowGroups.Add(ReadRowGroup(ref r));
                    }

                    hasGroups = true;
                    break;
                }

                case 5:
                {
                    int n = r.ReadListHeader(t, out _);
                    for (int i = 0; i < n; i++)
                    {
                        string key = "";
                        string? value = null;
                        r.BeginStruct();
                        while (r.NextField(out var kid, out var kt))
                        {
                            if (kid == 1)
                            {
                                key = r.ReadString(kt);
                            }
                            else if (kid == 2)
                            {
                                value = r.ReadString(kt);
                            }
                            else
                            {
                                r.Skip(kt);
                            }
                        }

                        r.EndStruct();
                        m.KeyValueMetadata.Add(new(key, value));
                    }

                    break;
                }

                case 6:
                    m.CreatedBy = r.ReadString(t);
                    break;
                case 7:
                {
                    int n = r.ReadListHeader(t, out _);
                    for (int i = 0; i < n; i++)
                    {
                        r.Skip(CompactType.Struct);
                    }

                    m.ColumnOrders = n;
                    break;
                }

                default:
                    r.Skip(t);
                    break;
            }
        }

        r.EndStruct();
        if (!hasSchema || !hasRows || !hasGroups)
        {
            throw new FormatException("FileMetaData lacks schema, num_rows or row_groups");
        }

        return m;
    }

    private static SchemaElement ReadSchemaElement(ref CompactReader r)
    {
        var s = new SchemaElement();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1:
                    s.Type = (PhysicalType)r.ReadI32(t);
                    break;
                case 2:
                    s.TypeLength = r.ReadI32(t);
                    break;
                case 3:
                    s.Repetition = (Repetition)r.ReadI32(t);
                    break;
                case 4:
                    s.Name = r.ReadString(t);
                    break;
                case 5:
                    s.NumChildren = r.ReadI32(t);
                    break;
                case 6:
                    s.ConvertedType = r.ReadI32(t);
                    break;
                case 10:
                    s.Logical = ReadLogicalType(ref r, t);
                    break;
                default:
                    r.Skip(t);
                    break;
            }
        }

        r.EndStruct();
        return s;
    }

    private static LogicalType? ReadLogicalType(ref CompactReader r, CompactType t)
    {
        if (t != CompactType.Struct)
        {
            throw new FormatException("logicalType is not a struct");
        }

        LogicalType? result = null;
        r.BeginStruct();
        while (r.NextField(out var id, out var ft))
        {
            if (id == LogicalType.TimestampId && ft == CompactType.Struct)
            {
                bool utc = false;
                int unit = 0;
                r.BeginStruct();
                while (r.NextField(out var tid, out var tt))
                {
                    if (tid == 1)
                    {
                        utc = r.ReadBool(tt);
                    }
                    else if (tid == 2 && tt == CompactType.Struct)
                    {
                        r.BeginStruct();
                        while (r.NextField(out var uid, out var ut))
                        {
                            unit = uid;
                            r.Skip(ut);
                        }

                        r.EndStruct();
                    }
                    else
                    {
                        r.Skip(tt);
                    }
                }

                r.EndStruct();
                result = new LogicalType(LogicalType.TimestampId, utc, unit);
            }
            else
            {
                r.Skip(ft);
                result = new LogicalType(id);
            }
        }

        r.EndStruct();
        return result;
    }

    private static RowGroup ReadRowGroup(ref CompactReader r)
    {
        var rg = new RowGroup();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1:
                {
                    int n = r.ReadListHeader(t, out _);
                    for (int i = 0; i < n; i++)
                    {
                        rg.Columns.Add(ReadColumnChunk(ref r));
                    }

                    break;
                }

                case 2:
                    rg.TotalByteSize = r.ReadI64(t);
                    break;
                case 3:
                    rg.NumRows = r.ReadI64(t);
                    break;
                case 5:
                    rg.FileOffset = r.ReadI64(t);
                    break;
                case 6:
                    rg.TotalCompressedSize = r.ReadI64(t);
                    break;
                default:
                    r.Skip(t);
                    break;
            }
        }

        r.EndStruct();
        return rg;
    }

    private static ColumnChunk ReadColumnChunk(ref CompactReader r)
    {
        var c = new ColumnChunk();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1:
                    c.FilePath = r.ReadString(t);
                    break;
                case 2:
                    c.FileOffset = r.ReadI64(t);
                    break;
                case 3:
                    c.MetaData = ReadColumnMetaData(ref r, t);
                    break;
                default:
                    r.Skip(t);
                    break;
            }
        }

        r.EndStruct();
        return c;
    }

    private static ColumnMetaData ReadColumnMetaData(ref CompactReader r, CompactType t)
    {
        if (t != CompactType.Struct)
        {
            throw new FormatException("meta_data is not a struct");
        }

        var md = new ColumnMetaData();
        r.BeginStruct();
        while (r.NextField(out var id, out var ft))
        {
            switch (id)
            {
                case 1:
                    md.Type = (PhysicalType)r.ReadI32(ft);
                    break;
                case 2:
                {
                    int n = r.ReadListHeader(ft, out _);
                    for (int i = 0; i < n; i++)
                    {
                        md.Encodings.Add(r.ReadElementI32());
                    }

                    break;
                }

                case 3:
                {
                    int n = r.ReadListHeader(ft, out _);
                    for (int i = 0; i < n; i++)
                    {
                        md.Path.Add(r.ReadStringElement());
                    }

                    break;
                }

                case 4:
                    md.Codec = (Codec)r.ReadI32(ft);
                    break;
                case 5:
                    md.NumValues = r.ReadI64(ft);
                    break;
                case 6:
                    md.TotalUncompressedSize = r.ReadI64(ft);
                    break;
                case 7:
                    md.TotalCompressedSize = r.ReadI64(ft);
                    break;
                case 9:
                    md.DataPageOffset = r.ReadI64(ft);
                    break;
                case 11:
                    md.DictionaryPageOffset = r.ReadI64(ft);
                    break;
                case 12:
                    md.Statistics = ReadStatistics(ref r, ft);
                    break;
                default:
                    r.Skip(ft);
                    break;
            }
        }

        r.EndStruct();
        return md;
    }

    private static Statistics ReadStatistics(ref CompactReader r, CompactType t)
    {
        if (t != CompactType.Struct)
        {
            throw new FormatException("statistics is not a struct");
        }

        var s = new Statistics();
        r.BeginStruct();
        while (r.NextField(out var id, out var ft))
        {
            switch (id)
            {
                case 1:
                    s.Max = r.ReadBinary(ft).ToArray();
                    break;
                case 2:
                    s.Min = r.ReadBinary(ft).ToArray();
                    break;
                case 3:
                    s.NullCount = r.ReadI64(ft);
                    break;
                case 4:
                    s.DistinctCount = r.ReadI64(ft);
                    break;
                case 5:
                    s.MaxValue = r.ReadBinary(ft).ToArray();
                    break;
                case 6:
                    s.MinValue = r.ReadBinary(ft).ToArray();
                    break;
                default:
                    r.Skip(ft);
                    break;
            }
        }

        r.EndStruct();
        return s;
    }

    /// <summary>Reads a page header at the start of <paramref name="data"/>; returns its length in bytes.</summary>
    public static PageHeader ReadPageHeader(ReadOnlySpan<byte> data, out int headerLength)
    {
        var r = new CompactReader(data, stackalloc short[8]);
        var h = new PageHeader();
        bool hasType = false, hasSizes = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1:
                    h.Type = (PageType)r.ReadI32(t);
                    hasType = true;
                    break;
                case 2:
                    h.UncompressedPageSize = r.ReadI32(t);
                    break;
                case 3:
                    h.CompressedPageSize = r.ReadI32(t);
                    hasSizes = true;
                    break;
                case 4:
                    h.Crc = r.ReadI32(t);
                    break;
                case 5:
                    ExpectStruct(t);
                    h.HasDataPageHeader = true;
                    r.BeginStruct();
                    while (r.NextField(out var did, out var dt))
                    {
                        switch (did)
                        {
                            case 1: h.NumValues = r.ReadI32(dt); break;
                            case 2: h.Encoding = (Encoding)r.ReadI32(dt); break;
                            case 3: h.DefinitionLevelEncoding = (Encoding)r.ReadI32(dt); break;
                            case 4: h.RepetitionLevelEncoding = (Encoding)r.ReadI32(dt); break;
                            default: r.Skip(dt); break;
                        }
                    }

                    r.EndStruct();
                    break;
                case 7:
                    ExpectStruct(t);
                    h.HasDataPageHeader = true;
                    r.BeginStruct();
                    while (r.NextField(out var did, out var dt))
                    {
                        switch (did)
                        {
                            case 1: h.NumValues = r.ReadI32(dt); break;
                            case 2: h.Encoding = (Encoding)r.ReadI32(dt); break;
                            default: r.Skip(dt); break;
                        }
                    }

                    r.EndStruct();
                    break;
                case 8:
                    ExpectStruct(t);
                    h.HasDataPageHeader = true;
                    r.BeginStruct();
                    while (r.NextField(out var did, out var dt))
                    {
                        switch (did)
                        {
                            case 1: h.NumValues = r.ReadI32(dt); break;
                            case 2: h.NumNulls = r.ReadI32(dt); break;
                            case 3: h.NumRows = r.ReadI32(dt); break;
                            case 4: h.Encoding = (Encoding)r.ReadI32(dt); break;
                            case 5: h.DefinitionLevelsByteLength = r.ReadI32(dt); break;
                            case 6: h.RepetitionLevelsByteLength = r.ReadI32(dt); break;
                            case 7: h.IsCompressed = r.ReadBool(dt); break;
                            default: r.Skip(dt); break;
                        }
                    }

                    r.EndStruct();
                    break;
                default:
                    r.Skip(t);
                    break;
            }
        }

        r.EndStruct();
        if (!hasType || !hasSizes)
        {
            throw new FormatException("page header lacks type or sizes");
        }

        headerLength = r.Position;
        return h;
    }

    private static void ExpectStruct(CompactType t)
    {
        if (t != CompactType.Struct)
        {
            throw new FormatException("page sub-header is not a struct");
        }
    }
}
