namespace EvalRunner.Online;

/// <summary>
/// One log file being followed: its open handle (kept across a rename, so a rotated file is read until it is idle), how
/// far it was read, and the logs read from it whose rows are not written yet. Not thread-safe: <see cref="LogFollower"/> locks.
/// </summary>
internal sealed class FollowedFile : IDisposable
{
    private readonly SortedDictionary<long, int> _pending = [];

    public required string Identity { get; init; }

    public required string Name { get; init; }

    public required string Path { get; set; }

    public int Generation { get; init; }

    /// <summary>The open file; replaced by its copy when the file was copied and truncated (logrotate's copytruncate).</summary>
    public required FileStream Stream { get; set; }

    /// <summary>The inode of the file <see cref="Stream"/> reads.</summary>
    public required string Inode { get; set; }

    /// <summary>The fingerprint of the file's first line: the file changed when its start no longer matches it.</summary>
    public required FileFingerprint Fingerprint { get; init; }

    /// <summary>Whether the file was at a path the glob matches at the last poll (else it was rotated away).</summary>
    public bool AtPath { get; set; }

    /// <summary>When the file last changed its length, by the watcher's clock.</summary>
    public DateTimeOffset LastGrowth { get; set; }

    /// <summary>The file's length at the last poll.</summary>
    public long LastLength { get; set; } = -1;

    /// <summary>The offset after the last whole line read.</summary>
    public long ReadOffset { get; set; }

    /// <summary>The fingerprint of the bytes just before <see cref="ReadOffset"/>: checked when the file's size or modification time changes.</summary>
    public FileFingerprint? Tail { get; set; }

    /// <summary>The file's modification time at the last check of <see cref="Tail"/>.</summary>
    public DateTime LastWrite { get; set; }

    /// <summary>Lines before <see cref="ReadOffset"/>.</summary>
    public int Lines { get; set; }

    /// <summary>The file's key among the followed files and the marks: its identity and generation.</summary>
    public string Key => Generation == 0 ? Identity : $"{Identity}+{Generation}";

    /// <summary>The id of the log at <paramref name="offset"/>: the file and the byte offset, never the log's content.</summary>
    public string IdAt(long offset) => $"{Name}#{Key}:{offset}";

    public void Pending(long offset, int line) => _pending[offset] = line;

    public void Done(long offset) => _pending.Remove(offset);

    public bool HasPending => _pending.Count > 0;

    /// <summary>Where a restart continues: the first log without a written row, else the end of what was read.</summary>
    public FileMark Mark()
    {
        var (offset, lines) = _pending.Count > 0 ? (_pending.First().Key, _pending.First().Value - 1) : (ReadOffset, Lines);
        var tail = offset == ReadOffset ? Tail : FileFingerprint.Before(Stream, offset);
        return new FileMark
        {
            Identity = Identity, Name = Name, Path = Path, Generation = Generation, Offset = offset, Lines = lines,
            Inode = Inode, Fingerprint = Fingerprint.Hash, FingerprintLength = Fingerprint.Length,
            Tail = tail?.Hash, TailLength = tail?.Length ?? 0,
        };
    }

    public void Dispose() => Stream.Dispose();
}
