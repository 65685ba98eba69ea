namespace EvalRunner.Testing;

/// <summary>One comment the GitHub-API-shaped test server keeps.</summary>
public sealed record FakeGitHubComment
{
    public required long Id { get; init; }

    public required string Body { get; init; }

    /// <summary>The login that wrote it.</summary>
    public required string Author { get; init; }

    /// <summary>Whether that login is a bot (an app or the workflow token).</summary>
    public bool IsBot => Author.EndsWith("[bot]", StringComparison.Ordinal);
}
