using System.Security.Cryptography;

namespace EvalRunner.Online;

/// <summary>
/// What a log file holds at its start: a hash of its first line (up to 1 KiB), so that a file is known by its content
/// and not by its inode alone. A new file that reuses a rotated file's inode, or a file rewritten in place, has another
/// first line; a copy of a file (logrotate's copytruncate) has the same one. <see cref="Before"/> takes the same hash of
/// the bytes just before a read offset, which tells a file rewritten in place with the same first line.
/// </summary>
internal readonly record struct FileFingerprint(string Hash, int Length)
{
    /// <summary>The most bytes a fingerprint covers: the first line, or its first 1 KiB when it is longer.</summary>
    public const int MaxLength = 1024;

    /// <summary>The fingerprint of <paramref name="stream"/>'s first line, or null while that line is not whole yet.</summary>
    public static FileFingerprint? Of(FileStream stream)
    {
        var buffer = new byte[MaxLength];
        var read = ReadStart(stream, buffer);
        var newline = Array.IndexOf(buffer, (byte)'\n', 0, read);
        var length = newline >= 0 ? newline + 1 : read == MaxLength ? MaxLength : 0;
        return length == 0 ? null : new FileFingerprint(HashOf(buffer.AsSpan(0, length)), length);
    }

    /// <summary>
    /// The fingerprint of the bytes just before <paramref name="offset"/> (up to 1 KiB): what was read last. A file
    /// rewritten in place with the same first line holds other bytes there. Null at offset 0.
    /// </summary>
    public static FileFingerprint? Before(FileStream stream, long offset)
    {
        var length = (int)Math.Min(MaxLength, offset);
        if (length == 0)
        {
            return null;
        }

        var buffer = new byte[length];
        return ReadAt(stream, offset - length, buffer) == length ? new FileFingerprint(HashOf(buffer), length) : null;
    }

    /// <summary>Whether the bytes of <paramref name="stream"/> just before <paramref name="offset"/> are those this fingerprint was taken of.</summary>
    public bool MatchesBefore(FileStream stream, long offset)
    {
        var buffer = new byte[Length];
        return offset >= Length && ReadAt(stream, offset - Length, buffer) == Length && HashOf(buffer) == Hash;
    }

    /// <summary>Whether <paramref name="stream"/> starts with the bytes this fingerprint was taken of.</summary>
    public bool Matches(FileStream stream)
    {
        var buffer = new byte[Length];
        return ReadStart(stream, buffer) == Length && HashOf(buffer) == Hash;
    }

    /// <summary>Whether the file at <paramref name="path"/> starts with the bytes this fingerprint was taken of.</summary>
    public bool Matches(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            return Matches(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int ReadStart(FileStream stream, byte[] buffer) => ReadAt(stream, 0, buffer);

    private static int ReadAt(FileStream stream, long position, byte[] buffer)
    {
        try
        {
            stream.Position = position;
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string HashOf(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
}
