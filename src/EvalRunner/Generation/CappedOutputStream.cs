using System.Buffers;
using System.Security.Cryptography;

namespace EvalRunner.Generation;

/// <summary>
/// A write-only stream that keeps the first <paramref name="maxBytes"/> bytes written to it and hashes them all, so
/// that a program printing 50 MB costs the limit in memory, not the output.
/// </summary>
internal sealed class CappedOutputStream(int maxBytes) : Stream
{
    private readonly ArrayBufferWriter<byte> _kept = new(Math.Min(maxBytes, 1 << 16));
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;

    public bool Exceeded => _length > maxBytes;

    /// <summary>The kept text, and the SHA-256 of everything written when it was more than the limit.</summary>
    public (string Text, string? Sha256) Result() =>
        (OutputCap.Decode(_kept.WrittenSpan), Exceeded ? Convert.ToHexStringLower(_hash.GetHashAndReset()) : null);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        var room = (int)Math.Max(0, Math.Min(buffer.Length, maxBytes - _length));
        if (room > 0)
        {
            _kept.Write(buffer[..room]);
        }

        _length += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
