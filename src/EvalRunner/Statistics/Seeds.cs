using System.Security.Cryptography;
using System.Text;

namespace EvalRunner.Statistics;

/// <summary>Seeds for random draws that are the same on every machine and every run for the same text.</summary>
internal static class Seeds
{
    /// <summary>A seed from <paramref name="text"/> (the first four bytes of its SHA-256).</summary>
    public static int For(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return BitConverter.ToInt32(hash, 0) & int.MaxValue;
    }
}
