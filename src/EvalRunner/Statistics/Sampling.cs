using System.Security.Cryptography;
using System.Text;

namespace EvalRunner.Statistics;

/// <summary>Stable sampling by id: the same id is always in or out of a share, on every machine and run.</summary>
internal static class Sampling
{
    /// <summary>Whether <paramref name="id"/> is in the sampled <paramref name="share"/> (0 to 1) of ids, by its hash.</summary>
    public static bool Sampled(string id, double share)
    {
        if (share >= 1)
        {
            return true;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(id));
        return BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue < share;
    }
}
