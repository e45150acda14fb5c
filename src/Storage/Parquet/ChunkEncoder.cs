using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Unlearning.Storage.Parquet;

/// <summary>Compression codecs the writer offers.</summary>
public enum ParquetCompression
{
    Uncompressed,
    Snappy,
}

/// <summary>How a file is written. The defaults suit the experiment tables.</summary>
public sealed record ParquetWriteOptions
{
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>Dictionary-encode a column chunk when its values repeat enough (see <see cref="ChunkEncoder"/>).</summary>
    public bool Dictionary { get; init; } = true;

    /// <summary>A data page ends once it holds this many levels (values, nulls and empty lists); rows are never split.</summary>
    public int PageValues { get; init; } = 128 * 1024;

    /// <summary>Rows a table writer buffers before it writes a row group.</summary>
    public int RowGroupRows { get; init; } = 128 * 1024;

    /// <summary>Encode the columns of a row group on several threads.</summary>
    public bool Parallel { get; init; } = true;

    /// <summary>Write a CRC-32 of every page (the page header's <c>crc</c>), which the reader checks.</summary>
    public bool PageChecksums { get; init; } = true;
}

/// <summary>One column chunk, encoded: its bytes and its metadata with offsets relative to the chunk's start.</summary>
internal sealed record EncodedChunk(ByteBuffer Bytes, ColumnMetaData MetaData, long UncompressedBytes);

/// <summary>
/// Encodes one column of a row group as a column chunk: an optional dictionary page (PLAIN) and
/// v1 data pages of [repetition levels][definition levels][values], levels RLE-hybrid with a 4-byte
/// length prefix, values PLAIN or RLE_DICTIONARY (a bit-width byte, then RLE-hybrid indices).
/// Levels: a flat optional column has max definition 1; LIST&lt;int32&gt; has repetition 1 and
/// definition 1 (required list) or 2 (optional list): 0 = null list, 1 = empty list, 2 = element.
/// </summary>
internal static class ChunkEncoder
{
    /// <summary>Dictionary encoding is abandoned past this many distinct values or bytes of dictionary.</summary>
    private const int MaxDictionaryEntries = 1 << 16;
    private const int MaxDictionaryBytes = 4 << 20;

    /// <summary>After this many values, dictionary encoding goes on only if fewer than half are distinct.</summary>
    private const int DictionaryProbe = 4096;

    private readonly record struct PageSlice(int LevelStart, int LevelEnd, int ValueStart, int ValueEnd);

    public static EncodedChunk Encode(ColumnSpec spec, ColumnValues column, ParquetWriteOptions options)
    {
        return spec.Type switch
        {
            ColumnType.Int32 => Flat<int, Int32Physical>(spec, (ColumnValues<int>)column, options),
            ColumnType.Int64 or ColumnType.Timestamp => Flat<long, Int64Physical>(spec, (ColumnValues<long>)column, options),
            ColumnType.Float => Flat<float, FloatPhysical>(spec, (ColumnValues<float>)column, options),
            ColumnType.Double => Flat<double, DoublePhysical>(spec, (ColumnValues<double>)column, options),
            ColumnType.Boolean => Flat<bool, BooleanPhysical>(spec, (ColumnValues<bool>)column, options),
            ColumnType.String => Strings(spec, (ColumnValues<string?>)column, options),
            ColumnType.Int32List => Lists(spec, (ColumnValues<int[]?>)column, options),
            _ => throw new NotSupportedException(spec.Type.ToString()),
        };
    }

    private static EncodedChunk Flat<T, TP>(ColumnSpec spec, ColumnValues<T> column, ParquetWriteOptions options)
        where T : notnull
        where TP : IPhysical<T>
    {
        int rows = column.Count;
        var defined = column.Defined;
        if (defined is null)
        {
            return Leaf<T, TP>(spec, [spec.Name], column.Values.AsSpan(0, rows), null, null, 0, 0, rows, rows, options);
        }

        if (!spec.Optional)
        {
            int bad = Array.IndexOf(defined, false, 0, rows);
            if (bad >= 0)
            {
                throw new ArgumentException($"column {spec.Name} is required but row {bad} is null");
            }

            return Leaf<T, TP>(spec, [spec.Name], column.Values.AsSpan(0, rows), null, null, 0, 0, rows, rows, options);
        }

        var def = ArrayPool<int>.Shared.Rent(rows);
        var values = ArrayPool<T>.Shared.Rent(rows);
        try
        {
            int n = 0;
            for (int r = 0; r < rows; r++)
            {
                bool d = defined[r];
                def[r] = d ? 1 : 0;
                if (d)
                {
                    values[n++] = column.Values[r];
                }
            }

            return Leaf<T, TP>(spec, [spec.Name], values.AsSpan(0, n), def, null, 1, 0, rows, rows, options);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(def);
            ArrayPool<T>.Shared.Return(values, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
    }

    private static EncodedChunk Strings(ColumnSpec spec, ColumnValues<string?> column, ParquetWriteOptions options)
    {
        int rows = column.Count;
        var def = spec.Optional ? new int[rows] : null;
        var values = new string[rows];
        int n = 0;
        for (int r = 0; r < rows; r++)
        {
            var s = column.Values[r];
            if (s is null)
            {
                if (def is null)
                {
                    throw new ArgumentException($"column {spec.Name} is required but row {r} is null");
                }

                continue;
            }

            if (def is not null)
            {
                def[r] = 1;
            }

            values[n++] = s;
        }

        return Leaf<string, StringPhysical>(spec, [spec.Name], values.AsSpan(0, n), def, null, spec.Optional ? 1 : 0, 0, rows, rows, options);
    }

    private static EncodedChunk Lists(ColumnSpec spec, ColumnValues<int[]?> column, ParquetWriteOptions options)
    {
        int rows = column.Count;
        int maxDef = spec.Optional ? 2 : 1;
        int levels = 0, count = 0;
        for (int r = 0; r < rows; r++)
        {
            var a = column.Values[r];
            if (a is null && !spec.Optional)
            {
                throw new ArgumentException($"column {spec.Name} is required but row {r} is null");
            }

            levels += a is null || a.Length == 0 ? 1 : a.Length;
            count += a?.Length ?? 0;
        }

        var def = new int[levels];
        var rep = new int[levels];
        var values = new int[count];
        int l = 0, v = 0;
        for (int r = 0; r < rows; r++)
        {
            var a = column.Values[r];
            if (a is null || a.Length == 0)
            {
                // rep 0 starts a row; def says how far the path is defined (null list < empty list).
                def[l] = a is null ? 0 : maxDef - 1;
                l++;
                continue;
            }

            def.AsSpan(l, a.Length).Fill(maxDef);
            rep.AsSpan(l + 1, a.Length - 1).Fill(1);
            a.CopyTo(values, v);
            l += a.Length;
            v += a.Length;
        }

        return Leaf<int, Int32Physical>(spec, [spec.Name, "list", "element"], values, def, rep, maxDef, 1, rows, levels, options);
    }

    private static EncodedChunk Leaf<T, TP>(
        ColumnSpec spec,
        List<string> path,
        ReadOnlySpan<T> values,
        int[]? def,
        int[]? rep,
        int maxDef,
        int maxRep,
        int rows,
        int levelCount,
        ParquetWriteOptions options)
        where T : notnull
        where TP : IPhysical<T>
    {
        var pages = SlicePages(values.Length, def, rep, maxDef, levelCount, options.PageValues);
        int width = typeof(T) == typeof(long) || typeof(T) == typeof(double) ? 8 : 4;
        var output = new ByteBuffer((values.Length * width) + levelCount + 4096);
        long uncompressed = 0;
        var codec = options.Compression == ParquetCompression.Snappy ? Codec.Snappy : Codec.Uncompressed;
        bool codecDecided = codec == Codec.Uncompressed;

        // Statistics over the non-null values, in Parquet's order for the type.
        bool any = false;
        T min = default!, max = default!;
        foreach (var x in values)
        {
            if (!TP.Orderable(x))
            {
                continue;
            }

            if (!any)
            {
                min = max = x;
                any = true;
            }
            else if (TP.Compare(x, min) < 0)
            {
                min = x;
            }
            else if (TP.Compare(x, max) > 0)
            {
                max = x;
            }
        }

        long nullCount = 0;
        if (def is not null)
        {
            foreach (int d in def.AsSpan(0, levelCount))
            {
                if (d < maxDef)
                {
                    nullCount++;
                }
            }
        }

        var dictionary = options.Dictionary && TP.Dictionary ? BuildDictionary<T, TP>(values) : null;
        long? dictionaryOffset = null;
        using var scratch = new ByteBuffer(Math.Min((values.Length * width) + levelCount, (options.PageValues * 8) + 4096) + 4096);
        if (dictionary is not null)
        {
            dictionaryOffset = 0;
            TP.Plain(CollectionsMarshal.AsSpan(dictionary.Value.Entries), scratch);
            uncompressed += WritePage(output, scratch.WrittenSpan, ref codec, ref codecDecided, options.PageChecksums, PageType.DictionaryPage, dictionary.Value.Entries.Count, Encoding.Plain);
        }

        long dataOffset = output.WrittenCount;
        var valueEncoding = dictionary is null ? Encoding.Plain : Encoding.RleDictionary;
        int bitWidth = dictionary is null ? 0 : Rle.BitWidth(Math.Max(0, dictionary.Value.Entries.Count - 1));
        foreach (var p in pages)
        {
            scratch.Reset();
            if (maxRep > 0)
            {
                WriteLevels(scratch, rep.AsSpan(p.LevelStart, p.LevelEnd - p.LevelStart), maxRep);
            }

            if (maxDef > 0)
            {
                WriteLevels(scratch, def.AsSpan(p.LevelStart, p.LevelEnd - p.LevelStart), maxDef);
            }

            if (dictionary is { } d)
            {
                var span = scratch.GetSpan(1);
                span[0] = (byte)bitWidth;
                scratch.Advance(1);
                Rle.Encode(d.Indices.AsSpan(p.ValueStart, p.ValueEnd - p.ValueStart), bitWidth, scratch);
            }
            else
            {
                TP.Plain(values[p.ValueStart..p.ValueEnd], scratch);
            }

            uncompressed += WritePage(output, scratch.WrittenSpan, ref codec, ref codecDecided, options.PageChecksums, PageType.DataPage, p.LevelEnd - p.LevelStart, valueEncoding);
        }

        var stats = new Statistics { NullCount = nullCount };
        if (any)
        {
            stats.MinValue = TP.MinBytes(min);
            stats.MaxValue = TP.MaxBytes(max);
        }

        var meta = new ColumnMetaData
        {
            Type = TP.Type,
            Encodings = dictionary is null
                ? [(int)Encoding.Plain, (int)Encoding.Rle]
                : [(int)Encoding.Plain, (int)Encoding.Rle, (int)Encoding.RleDictionary],
            Path = path,
            Codec = codec,
            NumValues = levelCount,
            TotalUncompressedSize = uncompressed,
            TotalCompressedSize = output.WrittenCount,
            DataPageOffset = dataOffset,
            DictionaryPageOffset = dictionaryOffset,
            Statistics = stats,
        };
        return new EncodedChunk(output, meta, uncompressed);
    }

    private static List<PageSlice> SlicePages(int valueCount, int[]? def, int[]? rep, int maxDef, int levelCount, int pageValues)
    {
        var pages = new List<PageSlice>();
        pageValues = Math.Max(1, pageValues);
        int levelStart = 0, valueStart = 0, value = 0;
        for (int l = 0; l < levelCount; l++)
        {
            // A page may end before level l only where l starts a row (repetition level 0).
            bool rowStart = rep is null || rep[l] == 0;
            if (rowStart && l - levelStart >= pageValues)
            {
                pages.Add(new(levelStart, l, valueStart, value));
                levelStart = l;
                valueStart = value;
            }

            if (def is null || def[l] == maxDef)
            {
                value++;
            }
        }

        if (levelCount > levelStart || pages.Count == 0)
        {
            pages.Add(new(levelStart, levelCount, valueStart, value));
        }

        if (value != valueCount)
        {
            throw new InvalidOperationException($"levels define {value} values, {valueCount} given");
        }

        return pages;
    }

    /// <summary>v1 data page levels: a 4-byte little-endian length, then the RLE-hybrid runs.</summary>
    private static void WriteLevels(ByteBuffer output, ReadOnlySpan<int> levels, int maxLevel)
    {
        output.GetSpan(4);
        output.Advance(4);
        int start = output.WrittenCount;
        Rle.Encode(levels, Rle.BitWidth(maxLevel), output);
        int length = output.WrittenCount - start;

        // The buffer keeps earlier bytes in place, so the reserved length can be patched afterwards.
        BinaryPrimitives.WriteInt32LittleEndian(output.WrittenSpan.Slice(start - 4, 4), length);
    }

    /// <summary>
    /// Writes one page. The codec is chosen per column chunk at its first page: when Snappy saves
    /// less than a tenth (random doubles save nothing), the chunk is stored uncompressed, which
    /// spares every reader the decompression.
    /// </summary>
    private static long WritePage(ByteBuffer output, ReadOnlySpan<byte> page, ref Codec codec, ref bool codecDecided, bool checksum, PageType type, int numValues, Encoding encoding)
    {
        ReadOnlySpan<byte> body = codec == Codec.Snappy ? IronSnappy.Snappy.Encode(page) : page;
        if (!codecDecided)
        {
            codecDecided = true;
            if (body.Length > page.Length * 0.9)
            {
                codec = Codec.Uncompressed;
                body = page;
            }
        }

        var header = new PageHeader
        {
            Type = type,
            UncompressedPageSize = page.Length,
            CompressedPageSize = body.Length,
            Crc = checksum ? unchecked((int)Crc32.Compute(body)) : null,
            NumValues = numValues,
            Encoding = encoding,
        };
        var w = new CompactWriter(output);
        MetadataCodec.Write(w, header);
        output.Write(body);
        return page.Length;
    }

    private readonly record struct DictionaryEncoding<T>(List<T> Entries, int[] Indices);

    private static DictionaryEncoding<T>? BuildDictionary<T, TP>(ReadOnlySpan<T> values)
        where T : notnull
        where TP : IPhysical<T>
    {
        if (values.Length == 0)
        {
            return null;
        }

        var map = new Dictionary<T, int>(TP.Comparer);
        var entries = new List<T>();
        var indices = new int[values.Length];
        long bytes = 0;
        for (int i = 0; i < values.Length; i++)
        {
            var x = values[i];
            ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(map, x, out bool exists);
            if (!exists)
            {
                slot = entries.Count;
                entries.Add(x);
                bytes += x is string s ? s.Length + 4 : 8;
                if (entries.Count > MaxDictionaryEntries || bytes > MaxDictionaryBytes)
                {
                    return null;
                }
            }

            if (i + 1 == DictionaryProbe && entries.Count * 2 > DictionaryProbe)
            {
                return null;
            }

            indices[i] = slot;
        }

        // Fewer than half repeated: PLAIN is smaller and faster to read.
        return entries.Count * 2 > values.Length && values.Length > 16 ? null : new DictionaryEncoding<T>(entries, indices);
    }
}
