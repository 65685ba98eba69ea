namespace EvalRunner.Online;

/// <summary>
/// One log file being followed: its open handle (kept across a rename, so a rotated file is read to its end), how far it
/// was read, and the logs read from it whose rows are not written yet. Not thread-safe: <see cref="LogFollower"/> locks.
/// </summary>
internal sealed class FollowedFile : IDisposable
{
    private readonly SortedDictionary<long, int> _pending = [];

    public required string Identity { get; init; }

    public required string Name { get; init; }

    public required string Path { get; set; }

    public int Generation { get; init; }

    public required FileStream Stream { get; init; }

    /// <summary>The offset after the last whole line read.</summary>
    public long ReadOffset { get; set; }

    /// <summary>Lines before <see cref="ReadOffset"/>.</summary>
    public int Lines { get; set; }

    /// <summary>The id of the log at <paramref name="offset"/>: the file and the byte offset, never the log's content.</summary>
    public string IdAt(long offset) => Generation == 0 ? $"{Name}#{Identity}:{offset}" : $"{Name}#{Identity}+{Generation}:{offset}";

    public void Pending(long offset, int line) => _pending[offset] = line;

    public void Done(long offset) => _pending.Remove(offset);

    public bool HasPending => _pending.Count > 0;

    /// <summary>Where a restart continues: the first log without a written row, else the end of what was read.</summary>
    public FileMark Mark()
    {
        var (offset, lines) = _pending.Count > 0 ? (_pending.First().Key, _pending.First().Value - 1) : (ReadOffset, Lines);
        return new FileMark { Identity = Identity, Name = Name, Path = Path, Generation = Generation, Offset = offset, Lines = lines };
    }

    public void Dispose() => Stream.Dispose();
}
