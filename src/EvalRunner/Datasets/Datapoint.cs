using System.Text.Json;
using Microsoft.Extensions.AI;

namespace EvalRunner.Datasets;

/// <summary>One test case: a conversation, an optional expected answer, free context and tags.</summary>
public sealed record Datapoint
{
    /// <summary>Unique within its dataset. Derived from the content when the dataset gives none.</summary>
    public required string Id { get; init; }

    /// <summary>The conversation, oldest first; the last user message is the input.</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>The target answer (a string) or any target data (a JSON value); null when there is none.</summary>
    public JsonElement? Expected { get; init; }

    /// <summary>Free key/values, reachable in templates as <c>{context.NAME}</c>.</summary>
    public IReadOnlyDictionary<string, JsonElement> Context { get; init; } = EmptyContext;

    /// <summary>Labels for filtering (<c>--filter tag:NAME</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The tool calls the datapoint expects (<c>expected_tool_calls</c>), in order; empty when it expects none.</summary>
    public IReadOnlyList<ExpectedToolCall> ExpectedToolCalls { get; init; } = [];

    /// <summary>The datapoint's own canned tool results (<c>tool_results</c>), tried before the suite's.</summary>
    public IReadOnlyList<CannedToolResult> ToolResults { get; init; } = [];

    /// <summary>
    /// The response generated elsewhere that came with the datapoint (<c>generated_response</c> and the log fields), to
    /// be evaluated as it is; null when a model config of the suite generates it.
    /// </summary>
    internal Logs.Log? SuppliedLog { get; init; }

    /// <summary>Where the datapoint starts in its dataset file, when it came from one.</summary>
    public SourceLocation? Location { get; init; }

    /// <summary>The content of the last user message, or empty when there is none.</summary>
    public string Input => Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;

    /// <summary>The expected answer as text: a string as it is, any other JSON value as JSON, empty when there is none.</summary>
    public string ExpectedText => Expected switch
    {
        null => string.Empty,
        { ValueKind: JsonValueKind.String } e => e.GetString()!,
        { ValueKind: JsonValueKind.Object } e when e.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            => content.GetString()!,
        { } e => e.GetRawText(),
    };

    /// <summary>
    /// The whole conversation as text, one <c>role: content</c> line per message; a tool call shows as
    /// <c>assistant: [tool_call NAME(ARGUMENTS)]</c> and a tool's result as <c>tool: RESULT</c>.
    /// </summary>
    public string FullHistory => string.Join('\n', Messages.SelectMany(ToolCallJson.HistoryLines));

    private static readonly Dictionary<string, JsonElement> EmptyContext = [];
}
