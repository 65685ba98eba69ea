using System.Text.Json.Nodes;

namespace EvalRunner.Cli.Online;

/// <summary>
/// Turns the spans of one agent trace (an <c>invoke_agent</c> span, its <c>chat</c> spans and its <c>execute_tool</c>
/// spans, with the log events of the chat calls) into one log whose steps are its trajectory.
/// </summary>
internal static class GenAITraces
{
    /// <summary>
    /// The trace's log: its steps are the model calls (chat spans) and tool calls (execute_tool spans) in order of start;
    /// its prompt is the agent span's input messages, else the first chat's prompt; its response the agent span's output,
    /// else the last chat's completion. Without a chat, a user message or a response it is not evaluated.
    /// </summary>
    public static GenAIOutcome Build(IReadOnlyCollection<GenAICall> members)
    {
        var spans = members.Where(m => m.Span is not null).OrderBy(m => m.Span!.StartUnixNano).ToList();
        var agent = spans.FirstOrDefault(m => m.Span!.Operation == GenAISpan.InvokeAgent)?.Span;
        var chats = spans.Where(m => m.Span!.Operation == GenAISpan.Chat).ToList();
        if (chats.Count == 0)
        {
            return new GenAIOutcome(null, GenAIMissing.SpanContent);
        }

        var prompt = agent is { Input.Count: > 0 } ? [.. agent.Input] : GenAICalls.Prompt(chats[0]);
        var messages = GenAICalls.Messages(agent?.SystemInstructions ?? GenAICalls.Instructions(chats[0]), prompt);
        var response = agent?.Output ?? GenAICalls.Completion(chats[^1]);
        var missing = chats.All(c => c.Events.IsEmpty) ? GenAIMissing.SpanContent : GenAIMissing.EventContent;
        if (response is null || !messages.Any(m => (string?)m!["role"] == "user"))
        {
            return new GenAIOutcome(null, missing);
        }

        var steps = new JsonArray();
        foreach (var span in spans.Select(m => m.Span!).Where(s => s.Operation != GenAISpan.InvokeAgent))
        {
            steps.Add(WithoutNulls(span.Operation == GenAISpan.Chat
                ? new JsonObject
                {
                    ["kind"] = "model",
                    ["latency_ms"] = span.LatencyMs,
                    ["input_tokens"] = span.InputTokens,
                    ["output_tokens"] = span.OutputTokens,
                }
                : new JsonObject
                {
                    ["kind"] = "tool",
                    ["name"] = span.Name ?? "unknown",
                    ["call_id"] = span.ToolCallId,
                    ["arguments"] = span.ToolArguments,
                    ["result"] = span.Error is null ? span.ToolResult : null,
                    ["error"] = span.Error,
                    ["latency_ms"] = span.LatencyMs,
                }));
        }

        var start = agent?.StartUnixNano ?? spans[0].Span!.StartUnixNano;
        var end = spans.Max(m => m.Span!.StartUnixNano + (ulong)(m.Span.LatencyMs * 1e6));
        var chatSpans = chats.Select(c => c.Span!).ToList();
        var row = new JsonObject
        {
            ["messages"] = messages,
            ["generated_response"] = response,
            ["timestamp"] = GenAICalls.Timestamp(start),
            ["model"] = chatSpans.Select(s => s.Model).FirstOrDefault(m => m is not null),
            ["latency_ms"] = agent?.LatencyMs ?? (end - start) / 1e6,
            ["input_tokens"] = Sum(chatSpans.Select(s => s.InputTokens)),
            ["output_tokens"] = Sum(chatSpans.Select(s => s.OutputTokens)),
            ["steps"] = steps,
        };
        var key = spans.FirstOrDefault(m => m.Span!.Operation == GenAISpan.InvokeAgent)?.Key ?? chats[0].Key;
        return GenAICalls.ToLog(key, row) is { } log ? new GenAIOutcome(log, GenAIMissing.None) : new GenAIOutcome(null, missing);
    }

    private static JsonObject WithoutNulls(JsonObject step)
    {
        foreach (var name in step.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            step.Remove(name);
        }

        return step;
    }

    private static long? Sum(IEnumerable<long?> counts)
    {
        var known = counts.OfType<long>().ToList();
        return known.Count == 0 ? null : known.Sum();
    }
}
