namespace EvalRunner.Testing;

/// <summary>One request as the GitHub-API-shaped test server received it.</summary>
public sealed record FakeGitHubRequest
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    public required string? Authorization { get; init; }

    /// <summary>The raw request body (JSON), as text.</summary>
    public required string Body { get; init; }

    /// <summary>The raw request body's size in bytes, as it came over the wire.</summary>
    public required int BodyBytes { get; init; }

    /// <summary>The comment text of a create or an edit (the JSON <c>body</c> field), else null.</summary>
    public string? Comment { get; init; }

    /// <summary>The comment text's size in UTF-8 bytes.</summary>
    public int? CommentBytes => Comment is null ? null : System.Text.Encoding.UTF8.GetByteCount(Comment);

    /// <summary>The login of the identity behind the token that made the call.</summary>
    public required string Login { get; init; }
}
