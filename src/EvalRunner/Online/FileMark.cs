namespace EvalRunner.Online;

/// <summary>
/// One followed file in the watcher's checkpoint: which file (<see cref="Identity"/>, and how often it was truncated),
/// and the byte offset up to which every log has its row in <c>results.jsonl</c>.
/// </summary>
internal sealed record FileMark
{
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
}
