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

    public required JsonElement Body { get; init; }
}
