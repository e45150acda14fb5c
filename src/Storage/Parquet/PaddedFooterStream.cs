using System.Buffers.Binary;

namespace Unlearning.Storage.Parquet;

/// <summary>
/// A read-only view of a Parquet file whose footer is followed by <see cref="Padding"/> zero bytes
/// (the footer length at the end grows by as much). Parquet.Net 6.1.0 parses the footer with a Thrift
/// reader that, past the end of its bytes, reads -1 as 0xFF and spins for ever in a varint; a damaged
/// footer (one flipped byte can do it) then hangs the reader. A zero byte ends every varint, struct
/// and list header, so the parse stops within the padding instead; what it then returns is checked
/// like any footer. The data pages keep their offsets.
/// </summary>
internal sealed class PaddedFooterStream : Stream
{
    public const int Padding = 1 << 20;

    private readonly Stream _file;
    private readonly long _footerEnd;
    private readonly byte[] _tail = new byte[8];
    private long _position;

    public PaddedFooterStream(Stream file, long footerLength)
    {
        _file = file;
        _footerEnd = file.Length - 8;
        BinaryPrimitives.WriteUInt32LittleEndian(_tail, checked((uint)(footerLength + Padding)));
        "PAR1"u8.CopyTo(_tail.AsSpan(4));
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _footerEnd + Padding + 8;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length && _position < Length)
        {
            var rest = buffer[done..];
            int n;
            if (_position < _footerEnd)
            {
                _file.Position = _position;
                n = _file.Read(rest[..(int)Math.Min(rest.Length, _footerEnd - _position)]);
                if (n == 0)
                {
                    break;
                }
            }
            else if (_position < _footerEnd + Padding)
            {
                n = (int)Math.Min(rest.Length, _footerEnd + Padding - _position);
                rest[..n].Clear();
            }
            else
            {
                int at = (int)(_position - _footerEnd - Padding);
                n = Math.Min(rest.Length, 8 - at);
                _tail.AsSpan(at, n).CopyTo(rest);
            }

            _position += n;
            done += n;
        }

        return done;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
