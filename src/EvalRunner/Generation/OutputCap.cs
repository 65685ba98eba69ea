using System.Security.Cryptography;
using System.Text;

namespace EvalRunner.Generation;

/// <summary>Cuts a generated response to <c>run.max_output_bytes</c> (UTF-8), keeping the SHA-256 of the whole.</summary>
internal static class OutputCap
{
    /// <summary>The text as it is when it fits; else its first <paramref name="maxBytes"/> bytes (whole characters) and the hex SHA-256 of all of it.</summary>
    public static (string Text, string? Sha256) Cut(string text, int maxBytes)
    {
        // Cheap check first: no string of at most maxBytes/3 chars can be over the limit.
        if (text.Length <= maxBytes / 3 || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return (text, null);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        return (Decode(bytes.AsSpan(0, maxBytes)), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>The bytes as text, without a character cut in half at the end.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.Length;

        // Step back over a trailing partial UTF-8 sequence.
        var back = 0;
        while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1] & 0xC0) == 0x80)
        {
            back++;
        }

        if (end - back - 1 >= 0)
        {
            var lead = bytes[end - back - 1];
            var length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (length > back + 1)
            {
                end -= back + 1;
            }
        }

        return Encoding.UTF8.GetString(bytes[..end]);
    }
}
