using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalRunner.Logs;

/// <summary>
/// One step of a generation that used tools: a model call (its tokens and latency) or a tool call (its name, its
/// arguments as JSON, its result or error, and its latency). The steps of a log, in order, are its trajectory.
/// </summary>
public sealed record TrajectoryStep
{
    /// <summary>A model call or a tool call.</summary>
    public required StepKind Kind { get; init; }

    /// <summary>The tool's name; null for a model call.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    /// <summary>The id the model gave the call, when it gave one; null for a model call.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CallId { get; init; }

    /// <summary>
    /// The tool call's arguments as the model sent them (a JSON object), or, when they were longer than
    /// <c>run.max_output_bytes</c> or not JSON, their text as a JSON string (<see cref="Cut"/> says which); null for a model call.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Arguments { get; init; }

    /// <summary>What the tool returned, as text; null for a model call and for a call that failed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Result { get; init; }

    /// <summary>Why the tool call failed (an unknown tool, a tool that threw or timed out, no canned result); null when it did not.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>Whether the arguments or the result were longer than <c>run.max_output_bytes</c> and were cut there.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Cut { get; init; }

    /// <summary>How long the step took, in milliseconds; null when unknown.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LatencyMs { get; init; }

    /// <summary>A model call's prompt tokens, when the provider reports them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? InputTokens { get; init; }

    /// <summary>A model call's completion tokens, when the provider reports them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? OutputTokens { get; init; }

    /// <summary>True for a tool call that failed.</summary>
    [JsonIgnore]
    public bool IsFailed => Kind == StepKind.Tool && Error is not null;
}
