namespace EvalRunner.Online;

/// <summary>One whole line read from a followed file: where it starts and its text.</summary>
internal sealed record LogLine
{
    public required FollowedFile File { get; init; }

    public required long Offset { get; init; }

    /// <summary>The line's number in the file (1-based), for problems.</summary>
    public required int Line { get; init; }

    public required string Text { get; init; }
}
