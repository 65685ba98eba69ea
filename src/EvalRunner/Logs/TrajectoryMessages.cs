using System.Text.Json;
using Microsoft.Extensions.AI;

namespace EvalRunner.Logs;

/// <summary>
/// A trajectory as Microsoft.Extensions.AI chat messages: each model call that called tools an assistant message of
/// <see cref="FunctionCallContent"/>, followed by a tool message of their <see cref="FunctionResultContent"/>.
/// </summary>
internal static class TrajectoryMessages
{
    /// <summary>
    /// The messages of a log's response: per model call that called tools, an assistant message with a function call
    /// per tool call and a tool message with their results (a failed call's result is its error, also as
    /// <see cref="FunctionResultContent.Exception"/>); then the final answer as an assistant message.
    /// </summary>
    public static List<ChatMessage> ToMessages(Log log)
    {
        var messages = new List<ChatMessage>();
        var steps = log.Steps ?? [];
        var number = 0;
        for (var i = 0; i < steps.Count;)
        {
            if (steps[i].Kind == StepKind.Model)
            {
                i++;
                continue;
            }

            var calls = new List<AIContent>();
            var results = new List<AIContent>();
            for (; i < steps.Count && steps[i].Kind == StepKind.Tool; i++)
            {
                var step = steps[i];
                var id = step.CallId ?? $"call_{++number}";
                calls.Add(new FunctionCallContent(id, step.Name ?? string.Empty, Arguments(step.Arguments)));
                results.Add(step.Error is { } error
                    ? new FunctionResultContent(id, error) { Exception = new InvalidOperationException(error) }
                    : new FunctionResultContent(id, step.Result));
            }

            messages.Add(new ChatMessage(ChatRole.Assistant, calls));
            messages.Add(new ChatMessage(ChatRole.Tool, results));
        }

        messages.Add(new ChatMessage(ChatRole.Assistant, log.Response ?? string.Empty));
        return messages;
    }

    // A JSON object's properties as JsonElement values; null for arguments that were cut or are not JSON.
    private static Dictionary<string, object?>? Arguments(JsonElement? arguments) =>
        arguments is { ValueKind: JsonValueKind.Object } value
            ? value.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
            : null;
}
