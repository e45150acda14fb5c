using System.Buffers;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// A growable byte buffer on <see cref="ArrayPool{T}"/>: encoding a row group allocates megabytes of
/// scratch per column, and renting it keeps those arrays out of the large-object heap (whose
/// collections would otherwise walk every live row the caller holds).
/// </summary>
internal sealed class ByteBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;

    public ByteBuffer(int capacity) => _array = ArrayPool<byte>.Shared.Rent(Math.Max(256, capacity));

    public int WrittenCount { get; private set; }

    public Span<byte> WrittenSpan => _array.AsSpan(0, WrittenCount);

    public void Advance(int count) => WrittenCount += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(WrittenCount);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(WrittenCount);
    }

    public void Reset() => WrittenCount = 0;

    public void Dispose()
    {
        var a = _array;
        _array = [];
        WrittenCount = 0;
        if (a.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(a);
        }
    }

    private void Ensure(int sizeHint)
    {
        int need = WrittenCount + Math.Max(sizeHint, 1);
        if (need <= _array.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _array.Length * 2));
        _array.AsSpan(0, WrittenCount).CopyTo(bigger);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = bigger;
    }
}
