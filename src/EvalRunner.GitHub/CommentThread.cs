namespace EvalRunner.GitHub;

/// <summary>The pull request whose conversation the comments go to.</summary>
internal sealed record CommentThread
{
    public required string Owner { get; init; }

    public required string Name { get; init; }

    public required long Number { get; init; }
}
