namespace EvalRunner.Logs;

/// <summary>One generation: what the model config produced for one datapoint, how long it took and what it cost.</summary>
public sealed record Log
{
    /// <summary>The name of the model config that generated it.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>The model that answered, as the provider reported it (or as configured).</summary>
    public string? Model { get; init; }

    /// <summary>The generated response; null when the generation failed.</summary>
    public string? Response { get; init; }

    /// <summary>Wall time of the generation in milliseconds; null when unknown (a response supplied without <c>latency_ms</c>).</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Prompt tokens, when the provider reports them.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Completion tokens, when the provider reports them.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>Whether the response came from the response cache (nothing was paid for it).</summary>
    public bool CacheHit { get; init; }

    /// <summary>What the generation cost in USD by the price table; null when the model has no price.</summary>
    public double? CostUsd { get; init; }

    /// <summary>Why the generation failed, with secrets removed; null when it succeeded.</summary>
    public Logs.RunError? Error { get; init; }

    /// <summary>Set when the answer is not a complete one: cut at the token limit, refused, or filtered; null when complete.</summary>
    public LogStatus? Status { get; init; }

    /// <summary>Whether the response was longer than <c>run.max_output_bytes</c> and was cut there.</summary>
    public bool TruncatedOutput { get; init; }

    /// <summary>The SHA-256 (hex) of the whole response when it was cut (<see cref="TruncatedOutput"/>); else null.</summary>
    public string? OutputSha256 { get; init; }

    /// <summary>
    /// The trajectory of a generation that could use tools: each model call and each tool call, in order; null when
    /// the model config offers no tools and the log brought none. <see cref="Response"/> stays the final answer.
    /// </summary>
    public IReadOnlyList<TrajectoryStep>? Steps { get; init; }

    /// <summary>The tool calls of the trajectory, in order; empty when there are none.</summary>
    public IEnumerable<TrajectoryStep> ToolCalls => Steps?.Where(s => s.Kind == StepKind.Tool) ?? [];

    /// <summary>
    /// The tools offered to the application that produced a supplied log (from its <c>ChatOptions</c>); null for a
    /// log of a model config, whose tools the suite declares.
    /// </summary>
    internal IReadOnlyList<Microsoft.Extensions.AI.AITool>? OfferedTools { get; init; }

    /// <summary>Whether the response came with the datapoint (generated elsewhere) instead of from a model config of the suite.</summary>
    internal bool Supplied { get; init; }

    /// <summary>When a supplied response was generated, as its dataset says; null when it does not say.</summary>
    internal DateTimeOffset? Timestamp { get; init; }

    /// <summary>
    /// The trace id (32 lower-case hex digits) of the span that made a supplied response, as its log says
    /// (<c>trace_id</c>, or the OTLP span it came from); null when unknown. Evaluation events are parented to it, and
    /// watchers split logs between them by it (<c>watch --shard</c>).
    /// </summary>
    internal string? TraceId { get; init; }

    /// <summary>The span id (16 lower-case hex digits) of the span that made a supplied response; null when unknown.</summary>
    internal string? SpanId { get; init; }

    /// <summary>The provider's id of the response (<c>response_id</c>, <c>gen_ai.response.id</c>); null when unknown.</summary>
    internal string? ResponseId { get; init; }
}
