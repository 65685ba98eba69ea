using System.Text.Json;

namespace EvalRunner.Testing;

/// <summary>One chat request as the test server received it.</summary>
public sealed record FakeChatRequest
{
    public required string Path { get; init; }

    public required string? Model { get; init; }

    public required IReadOnlyList<FakeMessage> Messages { get; init; }

    public double? Temperature { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>The Authorization header, or the api-key header (Azure), or the x-api-key header (Anthropic).</summary>
    public string? Authorization { get; init; }

    public JsonElement? ResponseFormat { get; init; }

    /// <summary>The names of the tools the request offers, in order; empty when it offers none.</summary>
    public IReadOnlyList<string> Tools { get; init; } = [];

    /// <summary>How many tool results the conversation holds: the number of tool rounds an agent has done so far.</summary>
    public int ToolResults => Messages.Count(m => m.Role == "tool");

    public required JsonElement Body { get; init; }
}
