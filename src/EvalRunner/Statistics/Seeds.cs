using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EvalRunner.Statistics;

/// <summary>
/// Seeds for resampling that depend on what is computed, never on the machine or the process: the same rule over the
/// same model config draws the same resamples on every run and every platform.
/// </summary>
internal static class Seeds
{
    /// <summary>A seed from text parts: the first four bytes (little-endian) of the SHA-256 of their UTF-8, parts joined by U+001F.</summary>
    /// <remarks>Not <see cref="string.GetHashCode()"/>: that is randomised per process.</remarks>
    public static int Of(params ReadOnlySpan<string> parts)
    {
        var text = string.Join('\u001f', parts.ToArray());
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return BinaryPrimitives.ReadInt32LittleEndian(hash);
    }
}
