using System.Text.Json;
using Microsoft.Extensions.AI;

namespace EvalRunner.Logs;

/// <summary>
/// A trajectory as Microsoft.Extensions.AI chat messages: each model call that called tools an assistant message of
/// <see cref="FunctionCallContent"/>, followed by a tool message of their <see cref="FunctionResultContent"/>.
/// </summary>
internal static class TrajectoryMessages
{
    // Arguments and results as compact JSON, as a provider sends them.
    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

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

    /// <summary>
    /// The trajectory of a conversation's messages as <see cref="FunctionInvokingChatClient"/> or an agent leaves them:
    /// each assistant message a model call, each <see cref="FunctionCallContent"/> in it a tool call with the result
    /// (or the error) of the <see cref="FunctionResultContent"/> with its call id. Tokens and latency are not known
    /// per step and are left out.
    /// </summary>
    public static List<TrajectoryStep> FromMessages(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        var results = list.SelectMany(m => m.Contents).OfType<FunctionResultContent>()
            .GroupBy(r => r.CallId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var steps = new List<TrajectoryStep>();
        foreach (var message in list.Where(m => m.Role == ChatRole.Assistant))
        {
            steps.Add(new TrajectoryStep { Kind = StepKind.Model });
            foreach (var call in message.Contents.OfType<FunctionCallContent>())
            {
                results.TryGetValue(call.CallId, out var result);
                var error = result?.Exception?.Message ?? (result is null ? "no result was recorded for this call" : null);
                steps.Add(new TrajectoryStep
                {
                    Kind = StepKind.Tool,
                    Name = call.Name,
                    CallId = call.CallId,
                    Arguments = call.Arguments is { } arguments ? JsonSerializer.SerializeToElement(arguments, Compact) : null,
                    Result = error is null ? Text(result!.Result) : null,
                    Error = error,
                });
            }
        }

        return steps;
    }

    private static string? Text(object? result) => result switch
    {
        null => null,
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } json => json.GetString(),
        JsonElement json => json.GetRawText(),
        _ => JsonSerializer.Serialize(result, Compact),
    };

    // A JSON object's properties as JsonElement values; null for arguments that were cut or are not JSON.
    private static Dictionary<string, object?>? Arguments(JsonElement? arguments) =>
        arguments is { ValueKind: JsonValueKind.Object } value
            ? value.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
            : null;
}
