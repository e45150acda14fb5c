using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.IO.Compression;

namespace Unlearning.Storage.Parquet;

/// <summary>A leaf column as the file's schema describes it, with its level bounds.</summary>
/// <param name="EmptyListLevel">For lists: the definition level of an empty list (a null list is below it).</param>
internal sealed record Leaf(ColumnSpec Spec, string[] Path, PhysicalType Physical, int MaxDef, int MaxRep, bool ElementOptional, int EmptyListLevel);

/// <summary>
/// Decodes one column chunk (dictionary page, v1 and v2 data pages; PLAIN, dictionary, RLE and the
/// delta / byte-stream-split encodings; uncompressed, Snappy or GZIP) into row-aligned values.
/// Every size is checked before use; a page CRC, when present, is verified. Problems surface as
/// <see cref="FormatException"/> for the reader to wrap with the file, row group and column.
/// </summary>
internal static class ChunkDecoder
{
    /// <summary>Snappy expands at most ~21× (a 3-byte tag copies 64 bytes); a larger claim is corrupt.</summary>
    private const int MaxSnappyRatio = 32;

    /// <summary>Levels per column chunk the reader will allocate for (a 1 GiB int array).</summary>
    private const long MaxLevels = 1L << 28;

    public static ColumnValues Decode(ReadOnlySpan<byte> chunk, Leaf leaf, ColumnMetaData md, int rows)
    {
        return leaf.Spec.Type switch
        {
            ColumnType.Int32 => Flat<int, Int32Decoder>(chunk, leaf, md, rows),
            ColumnType.Int64 or ColumnType.Timestamp => Flat<long, Int64Decoder>(chunk, leaf, md, rows),
            ColumnType.Float => Flat<float, FloatDecoder>(chunk, leaf, md, rows),
            ColumnType.Double => Flat<double, DoubleDecoder>(chunk, leaf, md, rows),
            ColumnType.Boolean => Flat<bool, BooleanDecoder>(chunk, leaf, md, rows),
            ColumnType.String => Strings(chunk, leaf, md, rows),
            ColumnType.Int32List => Lists(chunk, leaf, md, rows),
            _ => throw new FormatException($"unsupported column type {leaf.Spec.Type}"),
        };
    }

    private static ColumnValues Flat<T, TD>(ReadOnlySpan<byte> chunk, Leaf leaf, ColumnMetaData md, int rows)
        where TD : IValueDecoder<T>
    {
        if (leaf.MaxDef == 0)
        {
            var (all, _, _, _) = Pages<T, TD>(chunk, leaf, md, rows, pooled: false);
            return new ColumnValues<T>(all, null, rows);
        }

        var (values, def, _, _) = Pages<T, TD>(chunk, leaf, md, rows, pooled: true);
        try
        {
            var slots = new T[rows];
            var defined = new bool[rows];
            int v = 0;
            for (int r = 0; r < rows; r++)
            {
                if (def![r] == leaf.MaxDef)
                {
                    slots[r] = values[v++];
                    defined[r] = true;
                }
            }

            return new ColumnValues<T>(slots, leaf.Spec.Optional ? defined : CheckAllDefined(defined, leaf), rows);
        }
        finally
        {
            Return(values, def, null);
        }
    }

    private static bool[]? CheckAllDefined(bool[] defined, Leaf leaf)
    {
        int bad = Array.IndexOf(defined, false);
        return bad < 0 ? null : throw new FormatException($"required column {leaf.Spec.Name} has a null in row {bad}");
    }

    private static ColumnValues Strings(ReadOnlySpan<byte> chunk, Leaf leaf, ColumnMetaData md, int rows)
    {
        if (leaf.MaxDef == 0)
        {
            var (all, _, _, _) = Pages<string, StringDecoder>(chunk, leaf, md, rows, pooled: false);
            return new ColumnValues<string?>(all!, null, rows);
        }

        var (values, def, _, _) = Pages<string, StringDecoder>(chunk, leaf, md, rows, pooled: true);
        try
        {
            var slots = new string?[rows];
            int v = 0;
            for (int r = 0; r < rows; r++)
            {
                if (def![r] == leaf.MaxDef)
                {
                    slots[r] = values[v++];
                }
            }

            return new ColumnValues<string?>(slots, null, rows);
        }
        finally
        {
            Return(values, def, null);
        }
    }

    private static ColumnValues Lists(ReadOnlySpan<byte> chunk, Leaf leaf, ColumnMetaData md, int rows)
    {
        var (values, def, rep, levels) = Pages<int, Int32Decoder>(chunk, leaf, md, rows, pooled: true);
        try
        {
            return AssembleLists(leaf, rows, values, def!, rep!, levels);
        }
        finally
        {
            Return(values, def, rep);
        }
    }

    private static void Return<T>(T[] values, int[]? def, int[]? rep)
    {
        ArrayPool<T>.Shared.Return(values, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        if (def is not null)
        {
            ArrayPool<int>.Shared.Return(def);
        }

        if (rep is not null)
        {
            ArrayPool<int>.Shared.Return(rep);
        }
    }

    private static ColumnValues AssembleLists(Leaf leaf, int rows, int[] values, int[] def, int[] rep, int levels)
    {
        var result = new int[]?[rows];
        int row = -1, v = 0, l = 0;
        var current = new List<int>();
        while (l < levels)
        {
            if (rep[l] != 0)
            {
                throw new FormatException($"level {l} continues a row that has not started");
            }

            row++;
            int d = def[l];
            if (d < leaf.EmptyListLevel)
            {
                result[row] = null;
                l++;
                continue;
            }

            if (d == leaf.EmptyListLevel)
            {
                result[row] = [];
                l++;
                continue;
            }

            current.Clear();
            do
            {
                if (def[l] != leaf.MaxDef)
                {
                    throw new FormatException($"row {row} has a null list element, which int32 lists cannot hold");
                }

                current.Add(values[v++]);
                l++;
            }
            while (l < levels && rep[l] == 1);

            result[row] = [.. current];
        }

        if (row + 1 != rows)
        {
            throw new FormatException($"the levels hold {row + 1} rows, the row group {rows}");
        }

        if (!leaf.Spec.Optional)
        {
            int bad = Array.IndexOf(result, null);
            if (bad >= 0)
            {
                throw new FormatException($"required column {leaf.Spec.Name} has a null in row {bad}");
            }
        }

        return new ColumnValues<int[]?>(result, null, rows);
    }

    /// <summary>
    /// Reads every page of the chunk: the non-null values in order, and the definition and
    /// repetition levels (null when the column has none). Returns the number of levels.
    /// </summary>
    /// <param name="pooled">Rent the value and level arrays (the caller returns them); otherwise the values array is exact and owned by the result.</param>
    private static (T[] Values, int[]? Def, int[]? Rep, int Levels) Pages<T, TD>(ReadOnlySpan<byte> chunk, Leaf leaf, ColumnMetaData md, int rows, bool pooled)
        where TD : IValueDecoder<T>
    {
        long total = md.NumValues;
        if (total < rows || total > MaxLevels || (leaf.MaxRep == 0 && total != rows))
        {
            throw new FormatException($"num_values {total} does not fit a row group of {rows} rows");
        }

        int levels = (int)total;
        var def = leaf.MaxDef > 0 ? ArrayPool<int>.Shared.Rent(levels) : null;
        var rep = leaf.MaxRep > 0 ? ArrayPool<int>.Shared.Rent(levels) : null;
        var values = pooled ? ArrayPool<T>.Shared.Rent(levels) : new T[levels];
        try
        {
            return PagesInto<T, TD>(chunk, leaf, md, levels, values, def, rep);
        }
        catch
        {
            if (pooled)
            {
                ArrayPool<T>.Shared.Return(values, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            }

            if (def is not null)
            {
                ArrayPool<int>.Shared.Return(def);
            }

            if (rep is not null)
            {
                ArrayPool<int>.Shared.Return(rep);
            }

            throw;
        }
    }

    private static (T[] Values, int[]? Def, int[]? Rep, int Levels) PagesInto<T, TD>(ReadOnlySpan<byte> chunk, Leaf leaf, ColumnMetaData md, int levels, T[] values, int[]? def, int[]? rep)
        where TD : IValueDecoder<T>
    {
        int levelCount = 0, valueCount = 0;
        T[]? dictionary = null;
        int pos = 0;
        bool first = true;
        while (levelCount < levels)
        {
            if (pos >= chunk.Length)
            {
                throw new FormatException($"the chunk ends after {levelCount} of {levels} values");
            }

            var header = MetadataCodec.ReadPageHeader(chunk[pos..], out int headerLength);
            pos += headerLength;
            if (header.CompressedPageSize < 0 || header.CompressedPageSize > chunk.Length - pos)
            {
                throw new FormatException($"page at chunk offset {pos - headerLength}: compressed size {header.CompressedPageSize} runs past the chunk ({chunk.Length - pos} bytes left)");
            }

            if (header.UncompressedPageSize < 0)
            {
                throw new FormatException($"page uncompressed size {header.UncompressedPageSize} is negative");
            }

            var body = chunk.Slice(pos, header.CompressedPageSize);
            pos += header.CompressedPageSize;
            if (header.Crc is { } crc && unchecked((int)Crc32.Compute(body)) != crc)
            {
                throw new FormatException($"page at chunk offset {pos - header.CompressedPageSize - headerLength}: CRC mismatch (page data corrupt)");
            }

            switch (header.Type)
            {
                case PageType.DictionaryPage:
                {
                    if (!first || dictionary is not null)
                    {
                        throw new FormatException("a dictionary page that is not the chunk's first page");
                    }

                    var data = Decompress(body, md.Codec, header.UncompressedPageSize);
                    if (header.NumValues < 0 || (long)header.NumValues * TD.MinPlainBytes > data.Length + 7L)
                    {
                        throw new FormatException($"dictionary of {header.NumValues} entries cannot fit in {data.Length} bytes");
                    }

                    if (header.Encoding is not (Encoding.Plain or Encoding.PlainDictionary))
                    {
                        throw new FormatException($"dictionary page encoding {header.Encoding}");
                    }

                    dictionary = new T[header.NumValues];
                    TD.Decode(Encoding.Plain, data, dictionary);
                    break;
                }

                case PageType.DataPage:
                case PageType.DataPageV2:
                {
                    if (!header.HasDataPageHeader)
                    {
                        throw new FormatException("data page without its data page header");
                    }

                    int n = header.NumValues;
                    if (n < 0 || n > levels - levelCount)
                    {
                        throw new FormatException($"page holds {n} values, {levels - levelCount} remain in the chunk");
                    }

                    ReadOnlySpan<byte> valueData;
                    int defined;
                    if (header.Type == PageType.DataPage)
                    {
                        var data = Decompress(body, md.Codec, header.UncompressedPageSize);
                        int p = 0;
                        if (rep is not null)
                        {
                            p += ReadLevelsV1(data[p..], header.RepetitionLevelEncoding, leaf.MaxRep, rep.AsSpan(levelCount, n));
                        }

                        if (def is not null)
                        {
                            p += ReadLevelsV1(data[p..], header.DefinitionLevelEncoding, leaf.MaxDef, def.AsSpan(levelCount, n));
                        }

                        valueData = data[p..];
                    }
                    else
                    {
                        int rl = header.RepetitionLevelsByteLength, dl = header.DefinitionLevelsByteLength;
                        if (rl < 0 || dl < 0 || (long)rl + dl > body.Length)
                        {
                            throw new FormatException($"v2 page level lengths {rl} + {dl} exceed the page ({body.Length} bytes)");
                        }

                        if (rep is not null)
                        {
                            Rle.Decode(body[..rl], Rle.BitWidth(leaf.MaxRep), rep.AsSpan(levelCount, n));
                        }

                        if (def is not null)
                        {
                            Rle.Decode(body.Slice(rl, dl), Rle.BitWidth(leaf.MaxDef), def.AsSpan(levelCount, n));
                        }

                        var rest = body[(rl + dl)..];
                        int uncompressedValues = header.UncompressedPageSize - rl - dl;
                        valueData = header.IsCompressed ? Decompress(rest, md.Codec, uncompressedValues) : Uncompressed(rest, uncompressedValues);
                    }

                    defined = n;
                    if (def is not null)
                    {
                        defined = 0;
                        foreach (int d in def.AsSpan(levelCount, n))
                        {
                            if (d > leaf.MaxDef)
                            {
                                throw new FormatException($"definition level {d} exceeds the maximum {leaf.MaxDef}");
                            }

                            if (d == leaf.MaxDef)
                            {
                                defined++;
                            }
                        }
                    }

                    if (rep is not null)
                    {
                        foreach (int r in rep.AsSpan(levelCount, n))
                        {
                            if (r > leaf.MaxRep)
                            {
                                throw new FormatException($"repetition level {r} exceeds the maximum {leaf.MaxRep}");
                            }
                        }
                    }

                    var target = values.AsSpan(valueCount, defined);
                    if (header.Encoding is Encoding.PlainDictionary or Encoding.RleDictionary)
                    {
                        if (dictionary is null)
                        {
                            throw new FormatException("dictionary-encoded page without a dictionary page");
                        }

                        if (defined > 0)
                        {
                            if (valueData.Length < 1)
                            {
                                throw new FormatException("dictionary indices lack their bit width");
                            }

                            var indices = new int[defined];
                            Rle.Decode(valueData[1..], valueData[0], indices);
                            for (int i = 0; i < indices.Length; i++)
                            {
                                int ix = indices[i];
                                if ((uint)ix >= (uint)dictionary.Length)
                                {
                                    throw new FormatException($"dictionary index {ix} outside a dictionary of {dictionary.Length}");
                                }

                                target[i] = dictionary[ix];
                            }
                        }
                    }
                    else
                    {
                        TD.Decode(header.Encoding, valueData, target);
                    }

                    levelCount += n;
                    valueCount += defined;
                    break;
                }

                case PageType.IndexPage:
                    break;
                default:
                    throw new FormatException($"unknown page type {(int)header.Type}");
            }

            first = false;
        }

        return (values, def, rep, levels);
    }

    private static int ReadLevelsV1(ReadOnlySpan<byte> data, Encoding encoding, int maxLevel, Span<int> output)
    {
        if (encoding != Encoding.Rle)
        {
            throw new FormatException($"level encoding {encoding} is not supported (RLE expected)");
        }

        if (data.Length < 4)
        {
            throw new FormatException("levels lack their 4-byte length");
        }

        int len = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (len < 0 || len > data.Length - 4)
        {
            throw new FormatException($"levels length {len} runs past the page ({data.Length - 4} bytes)");
        }

        Rle.Decode(data.Slice(4, len), Rle.BitWidth(maxLevel), output);
        return 4 + len;
    }

    private static byte[] Uncompressed(ReadOnlySpan<byte> body, int expected)
    {
        if (body.Length != expected)
        {
            throw new FormatException($"uncompressed page holds {body.Length} bytes, its header says {expected}");
        }

        return body.ToArray();
    }

    private static ReadOnlySpan<byte> Decompress(ReadOnlySpan<byte> body, Codec codec, int expected)
    {
        switch (codec)
        {
            case Codec.Uncompressed:
                if (body.Length != expected)
                {
                    throw new FormatException($"uncompressed page holds {body.Length} bytes, its header says {expected}");
                }

                return body;
            case Codec.Snappy:
            {
                // The Snappy block starts with the uncompressed length as a varint: check it before
                // the decoder allocates for it.
                int p = 0;
                ulong claimed = Rle.ReadVarint(body, ref p);
                if (claimed != (ulong)expected || (long)expected > ((long)body.Length * MaxSnappyRatio) + 64)
                {
                    throw new FormatException($"Snappy block claims {claimed} bytes, the page header {expected} (compressed {body.Length})");
                }

                byte[] output;
                try
                {
                    output = IronSnappy.Snappy.Decode(body);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new FormatException($"Snappy data is corrupt: {e.Message}", e);
                }

                if (output.Length != expected)
                {
                    throw new FormatException($"Snappy data expands to {output.Length} bytes, the page header says {expected}");
                }

                return output;
            }

            case Codec.Gzip:
            {
                if (expected > (long)body.Length * 1100 + 1024)
                {
                    throw new FormatException($"GZIP page claims {expected} bytes from {body.Length}");
                }

                var output = new byte[expected];
                try
                {
                    using var gz = new GZipStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress);
                    int n = 0;
                    while (n < expected)
                    {
                        int k = gz.Read(output, n, expected - n);
                        if (k == 0)
                        {
                            break;
                        }

                        n += k;
                    }

                    if (n != expected || gz.ReadByte() != -1)
                    {
                        throw new FormatException($"GZIP data does not expand to the {expected} bytes its page header says");
                    }
                }
                catch (InvalidDataException e)
                {
                    throw new FormatException($"GZIP data is corrupt: {e.Message}", e);
                }

                return output;
            }

            default:
                throw new FormatException($"compression codec {codec} is not supported (uncompressed, SNAPPY and GZIP are)");
        }
    }
}
