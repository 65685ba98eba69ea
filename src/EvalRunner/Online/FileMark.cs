namespace EvalRunner.Online;

/// <summary>
/// One followed file in the watcher's checkpoint: which file (<see cref="Identity"/>, its inode and the fingerprint of
/// its first line, and how often it was truncated), and the byte offset up to which every log has its row in
/// <c>results.jsonl</c>.
/// </summary>
internal sealed record FileMark
{
    /// <summary>The file's part of its logs' ids: its inode and fingerprint when first seen (only the inode in older checkpoints).</summary>
    public required string Identity { get; init; }

    /// <summary>The path the file had when first seen; part of its logs' ids.</summary>
    public required string Name { get; init; }

    /// <summary>Where the file was last seen (it moves when rotated).</summary>
    public required string Path { get; init; }

    /// <summary>How many times the file was truncated (its offsets started again at 0).</summary>
    public int Generation { get; init; }

    public long Offset { get; init; }

    /// <summary>Lines before <see cref="Offset"/>, so that problems name the right line after a restart.</summary>
    public int Lines { get; init; }

    /// <summary>The file's device and inode (<c>DEVICE.INODE</c>) when last seen; null in older checkpoints, where it is <see cref="Identity"/>.</summary>
    public string? Inode { get; init; }

    /// <summary>The hash of the file's first line; null in older checkpoints.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The bytes <see cref="Fingerprint"/> covers.</summary>
    public int FingerprintLength { get; init; }

    /// <summary>The hash of the bytes just before <see cref="Offset"/>; null in older checkpoints and at offset 0.</summary>
    public string? Tail { get; init; }

    /// <summary>The bytes <see cref="Tail"/> covers.</summary>
    public int TailLength { get; init; }

    /// <summary>The mark's key among the marks: its identity and generation, as in its logs' ids.</summary>
    internal string Key => Generation == 0 ? Identity : $"{Identity}+{Generation}";

    internal FileFingerprint? Print => Fingerprint is { } hash ? new FileFingerprint(hash, FingerprintLength) : null;

    internal FileFingerprint? TailPrint => Tail is { } hash ? new FileFingerprint(hash, TailLength) : null;
}
