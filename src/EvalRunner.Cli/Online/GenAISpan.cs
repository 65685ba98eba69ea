namespace EvalRunner.Cli.Online;

/// <summary>
/// What a GenAI span says: for a chat span, one call (the model, tokens and timing, and the messages it carries, often
/// none); for an <c>execute_tool</c> span, one tool call; for an <c>invoke_agent</c> span, the agent run that holds them.
/// </summary>
internal sealed record GenAISpan
{
    public const string Chat = "chat";

    public const string ExecuteTool = "execute_tool";

    public const string InvokeAgent = "invoke_agent";

    /// <summary>The call's key: trace id and span id in hex (<c>TRACEID:SPANID</c>).</summary>
    public required string Key { get; init; }

    public required GenAIClient Client { get; init; }

    /// <summary><c>gen_ai.operation.name</c>: <see cref="Chat"/>, <see cref="ExecuteTool"/> or <see cref="InvokeAgent"/>.</summary>
    public string Operation { get; init; } = Chat;

    /// <summary>The parent span's id in hex, or null for a root span.</summary>
    public string? ParentSpanId { get; init; }

    public string? Model { get; init; }

    /// <summary><c>gen_ai.response.id</c>: the provider's id of the completion.</summary>
    public string? ResponseId { get; init; }

    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    public double LatencyMs { get; init; }

    public ulong StartUnixNano { get; init; }

    public string? SystemInstructions { get; init; }

    public IReadOnlyList<(string Role, string? Text)> Input { get; init; } = [];

    public string? Output { get; init; }

    /// <summary>The tool's name (<c>gen_ai.tool.name</c>) or the agent's (<c>gen_ai.agent.name</c>).</summary>
    public string? Name { get; init; }

    public string? ToolCallId { get; init; }

    /// <summary><c>gen_ai.tool.call.arguments</c> as sent (opt-in in the conventions).</summary>
    public string? ToolArguments { get; init; }

    /// <summary><c>gen_ai.tool.call.result</c> as sent (opt-in in the conventions).</summary>
    public string? ToolResult { get; init; }

    /// <summary>Why the span failed (<c>error.type</c> and the ERROR status's message), or null.</summary>
    public string? Error { get; init; }

    /// <summary>The trace id in hex.</summary>
    public string TraceId => Key.Split(':')[0];

    /// <summary>
    /// Whether the span belongs to an agent trace, whose spans are joined into one log: an agent or tool span, or a
    /// chat span with a parent (a root chat span is a call of its own).
    /// </summary>
    public bool InTrace => Operation != Chat || ParentSpanId is not null;
}
