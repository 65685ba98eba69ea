namespace EvalRunner.Testing;

/// <summary>One chat message as the test server received it.</summary>
public sealed record FakeMessage
{
    public required string Role { get; init; }

    public required string Content { get; init; }
}
