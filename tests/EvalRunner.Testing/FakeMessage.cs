namespace EvalRunner.Testing;

/// <summary>One chat message as the test server received it.</summary>
public sealed record FakeMessage
{
    public required string Role { get; init; }

    public required string Content { get; init; }

    /// <summary>A tool message's <c>tool_call_id</c>; null for other messages.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>An assistant message's tool calls (name and arguments), in order; empty when it has none.</summary>
    public IReadOnlyList<FakeToolCall> ToolCalls { get; init; } = [];
}
