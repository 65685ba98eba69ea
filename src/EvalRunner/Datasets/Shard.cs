using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EvalRunner.Datasets;

/// <summary>
/// One of <see cref="Count"/> shares of a suite's datapoints (<c>run --shard I/N</c>): a datapoint belongs to the
/// shard given by the SHA-256 of its id's UTF-8 bytes, mod N. The hash is stable across processes, machines and .NET
/// versions (unlike <c>string.GetHashCode</c>), and depends on the id alone: adding or removing a datapoint moves no
/// other one, and every model config and trial of a datapoint runs in the same shard.
/// </summary>
internal sealed record Shard
{
    /// <summary>The most shards a suite is split into.</summary>
    public const int MaxCount = 1000;

    /// <summary>The shard's number, 1 to <see cref="Count"/>.</summary>
    public required int Index { get; init; }

    /// <summary>How many shards the suite is split into.</summary>
    public required int Count { get; init; }

    /// <summary>Whether the datapoint with this id runs in this shard.</summary>
    public bool Contains(string datapointId) => Of(datapointId, Count) == Index;

    /// <summary>The shard (1 to <paramref name="count"/>) of a datapoint id.</summary>
    public static int Of(string datapointId, int count)
    {
        ArgumentNullException.ThrowIfNull(datapointId);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(datapointId), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)count) + 1;
    }

    /// <summary>A shard from <c>I/N</c>, or the reason it is not one.</summary>
    public static Shard? Parse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            problem = $"--shard '{text}' is not I/N, the shard's number and the number of shards (e.g. 1/3)";
            return null;
        }

        if (count is < 1 or > MaxCount)
        {
            problem = $"--shard '{text}': the number of shards N must be from 1 to {MaxCount}";
            return null;
        }

        if (index < 1 || index > count)
        {
            problem = $"--shard '{text}': the shard's number I must be from 1 to N ({count}); shards are numbered from 1";
            return null;
        }

        return new Shard { Index = index, Count = count };
    }

    /// <inheritdoc />
    public override string ToString() => $"{Index.ToString(CultureInfo.InvariantCulture)}/{Count.ToString(CultureInfo.InvariantCulture)}";
}
