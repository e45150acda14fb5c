using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Unlearning.Storage.Checkpoints;

/// <summary>A named float32 tensor, row-major: the engine-independent currency of checkpoints.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafeTensorEntry(string Name, string DType, int[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>A parsed safetensors header: the entries in file order, the metadata, and where the data starts.</summary>
public sealed record SafeTensorsHeader(string Path, IReadOnlyList<SafeTensorEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart, long DataLength)
{
    public SafeTensorEntry? Find(string name) => Entries.FirstOrDefault(e => e.Name == name);
}

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes
/// of JSON <c>{"__metadata__": {..}, "name": {"dtype", "shape", "data_offsets": [begin, end]}}</c>
/// padded with spaces to a multiple of 8, then the tensor data (offsets relative to its start,
/// contiguous, little endian). We write F32; we read F32, F16 and BF16 (converted to float).
/// Reading goes straight from the file into the caller's array, a block at a time.
/// </summary>
public static class SafeTensors
{
    /// <summary>The reference implementation refuses headers above 100 MB.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int Block = 1 << 20;

    /// <summary>Writes the tensors in the given order (temporary name, then rename).</summary>
    public static void Write(string path, IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var kv in metadata)
                {
                    w.WriteString(kv.Key, kv.Value);
                }

                w.WriteEndObject();
            }

            long offset = 0;
            foreach (var t in list)
            {
                if (t.Name == "__metadata__" || !names.Add(t.Name))
                {
                    throw new ArgumentException($"tensor name {t.Name} is reserved or appears twice");
                }

                if (t.Shape.Any(d => d < 0) || t.ElementCount != t.Data.Length)
                {
                    throw new ArgumentException($"tensor {t.Name}: shape [{string.Join(", ", t.Shape)}] does not hold {t.Data.Length} values");
                }

                w.WriteStartObject(t.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in t.Shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += 4L * t.Data.Length;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int headerLength = (int)((json.Length + 7) / 8 * 8);
        var header = new byte[8 + headerLength];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)headerLength);
        json.ToArray().CopyTo(header, 8);
        header.AsSpan(8 + (int)json.Length).Fill((byte)' ');

        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            foreach (var t in list)
            {
                stream.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            }
        });
    }

    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var handle = OpenRead(path);
        return ReadHeader(path, handle);
    }

    internal static SafeTensorsHeader ReadHeader(string path, SafeFileHandle handle)
    {
        long length = RandomAccess.GetLength(handle);
        if (length < 8)
        {
            throw new StorageFormatException(path, "header length", "an 8-byte little-endian length", $"a file of {length} bytes");
        }

        Span<byte> prefix = stackalloc byte[8];
        RandomAccess.Read(handle, prefix, 0);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n < 2 || n > (ulong)Math.Min(MaxHeaderBytes, length - 8))
        {
            throw new StorageFormatException(path, "header length", $"2..{Math.Min(MaxHeaderBytes, length - 8)} bytes", n.ToString(CultureInfo.InvariantCulture));
        }

        var json = new byte[n];
        RandomAccess.Read(handle, json, 8);
        long dataStart = 8 + (long)n;
        long dataLength = length - dataStart;
        var entries = new List<SafeTensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new StorageFormatException(path, "header", "a JSON object", doc.RootElement.ValueKind.ToString());
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    foreach (var m in p.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    }

                    continue;
                }

                entries.Add(ParseEntry(path, p, dataLength));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException or KeyNotFoundException)
        {
            throw new StorageFormatException(path, "header", "valid safetensors JSON", e.Message, e);
        }

        // The data buffer is covered exactly: no overlaps, no holes, nothing past the end.
        long expect = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != expect)
            {
                throw new StorageFormatException(path, $"tensor {e.Name} data_offsets", $"to start at byte {expect} (contiguous, no overlap)", e.Begin.ToString(CultureInfo.InvariantCulture));
            }

            expect = e.End;
        }

        if (expect != dataLength)
        {
            throw new StorageFormatException(path, "data", $"{expect} bytes of tensor data after the header", $"{dataLength} bytes (truncated or padded)");
        }

        return new SafeTensorsHeader(path, entries, metadata, dataStart, dataLength);
    }

    private static SafeTensorEntry ParseEntry(string path, JsonProperty p, long dataLength)
    {
        var v = p.Value;
        string dtype = v.GetProperty("dtype").GetString() ?? "";
        int size = ElementSize(dtype);
        if (size == 0)
        {
            throw new StorageFormatException(path, $"tensor {p.Name} dtype", "F32, F16 or BF16", dtype);
        }

        var shape = v.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        if (shape.Any(d => d < 0))
        {
            throw new StorageFormatException(path, $"tensor {p.Name} shape", "non-negative dimensions", "[" + string.Join(", ", shape) + "]");
        }

        var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        long count = shape.Aggregate(1L, (a, d) => checked(a * d));
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
        {
            throw new StorageFormatException(path, $"tensor {p.Name} data_offsets", $"[begin, end] within 0..{dataLength}", "[" + string.Join(", ", offsets) + "]");
        }

        if (offsets[1] - offsets[0] != count * size)
        {
            throw new StorageFormatException(path, $"tensor {p.Name} data_offsets", $"{count * size} bytes for shape [{string.Join(", ", shape)}] of {dtype}", $"{offsets[1] - offsets[0]} bytes");
        }

        return new SafeTensorEntry(p.Name, dtype, shape, offsets[0], offsets[1]);
    }

    private static int ElementSize(string dtype) => dtype switch
    {
        "F32" => 4,
        "F16" or "BF16" => 2,
        _ => 0,
    };

    internal static SafeFileHandle OpenRead(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageFormatException(path, "file", "a readable safetensors file", e.Message, e);
        }
    }

    /// <summary>Reads one tensor into <paramref name="destination"/> (exactly its element count), a block at a time.</summary>
    public static void ReadInto(SafeFileHandle handle, SafeTensorsHeader header, SafeTensorEntry entry, Span<float> destination)
    {
        if (destination.Length != entry.ElementCount)
        {
            throw new ArgumentException($"tensor {entry.Name} has {entry.ElementCount} values, the destination {destination.Length}");
        }

        long at = header.DataStart + entry.Begin;
        if (entry.DType == "F32")
        {
            var bytes = MemoryMarshal.AsBytes(destination);
            ReadExactly(handle, header.Path, bytes, at);
            return;
        }

        // Half precision: read blocks into a small buffer and widen.
        var buffer = new byte[Block];
        int done = 0;
        while (done < destination.Length)
        {
            int n = Math.Min(Block / 2, destination.Length - done);
            var chunk = buffer.AsSpan(0, 2 * n);
            ReadExactly(handle, header.Path, chunk, at + (2L * done));
            for (int i = 0; i < n; i++)
            {
                ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(chunk[(2 * i)..]);
                destination[done + i] = entry.DType == "F16"
                    ? (float)BitConverter.UInt16BitsToHalf(bits)
                    : BitConverter.Int32BitsToSingle(bits << 16);
            }

            done += n;
        }
    }

    /// <summary>Reads every tensor of a file (each allocated once, at its size).</summary>
    public static IReadOnlyList<NamedTensor> ReadAll(string path)
    {
        using var handle = OpenRead(path);
        var header = ReadHeader(path, handle);
        return header.Entries.Select(e =>
        {
            var data = new float[e.ElementCount];
            ReadInto(handle, header, e, data);
            return new NamedTensor(e.Name, e.Shape, data);
        }).ToList();
    }

    private static void ReadExactly(SafeFileHandle handle, string path, Span<byte> destination, long offset)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int n = RandomAccess.Read(handle, destination[done..], offset + done);
            if (n == 0)
            {
                throw new StorageFormatException(path, "data", $"{destination.Length} bytes at {offset}", $"{done} (truncated)");
            }

            done += n;
        }
    }
}

/// <summary>Writes a file under a temporary name beside the target and renames it into place once flushed.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        StopPoints.Pass(full + " (write-begin)");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(StopPoints.Enabled ? new StopPoints.MiddleOfWrite(stream, full) : stream);
                stream.Flush(flushToDisk: true);
            }

            StopPoints.Pass(full + " (write-end)");
            File.Move(temporary, full, overwrite: true);
        }
        catch (IOException e)
        {
            File.Delete(temporary);
            // A full disk or a failed device: the message names the file being written, not the temporary.
            throw new IOException($"{full}: {e.Message}", e);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public static void WriteText(string path, string text)
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        // Two writes, so that a test stopping the process in the middle of the file finds half of it (StopPoints).
        Write(path, s =>
        {
            s.Write(bytes.AsSpan(0, bytes.Length / 2));
            s.Write(bytes.AsSpan(bytes.Length / 2));
        });
    }
}
