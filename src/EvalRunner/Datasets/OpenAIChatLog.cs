using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalRunner.Datasets;

/// <summary>
/// <c>format: openai-chat</c>: one log in the OpenAI chat-completions shape — the request's <c>messages</c> (and
/// <c>model</c>) with the response's <c>choices[0].message</c>, <c>usage</c>, <c>model</c> and <c>created</c>, either
/// side by side in one object or as <c>{"request": ..., "response": ...}</c> — as a datapoint's JSON with its
/// supplied response. The last user message is the input, the messages before it the history.
/// </summary>
internal static class OpenAIChatLog
{
    public static JsonObject Convert(JsonElement log, SourceLocation location)
    {
        if (log.ValueKind != JsonValueKind.Object)
        {
            throw new DatasetException(location, $"an OpenAI chat log must be an object with 'messages' and 'choices', not {DatapointParser.Describe(log)}");
        }

        var request = log.TryGetProperty("request", out var r) && r.ValueKind == JsonValueKind.Object ? r : log;
        var response = log.TryGetProperty("response", out var s) && s.ValueKind == JsonValueKind.Object ? s : log;
        var (requestName, responseName) = (Prefix(request, log, "request"), Prefix(response, log, "response"));
        if (!request.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw new DatasetException(location.WithField(requestName + "messages"), "is missing: an OpenAI chat log needs the request's messages (a list)");
        }

        var json = new JsonObject();
        var id = Text(log, "id") ?? Text(response, "id");
        if (id is not null)
        {
            json["id"] = id;
        }

        var list = new JsonArray();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var at = location.WithField($"{requestName}messages[{index++}]");
            if (message.ValueKind != JsonValueKind.Object || Text(message, "role") is not { } role)
            {
                throw new DatasetException(at, "a message must be an object with 'role' and 'content'");
            }

            list.Add(new JsonObject
            {
                ["role"] = role switch { "developer" => "system", "function" => "tool", _ => role },
                ["content"] = Content(message, at),
            });
        }

        json["messages"] = list;
        var choice = FieldMap.Lookup(response, "choices[0].message");
        if (choice is not { ValueKind: JsonValueKind.Object } answer)
        {
            throw new DatasetException(location.WithField(responseName + "choices[0].message"), "is missing: an OpenAI chat log needs the response's answer");
        }

        json["generated_response"] = Content(answer, location.WithField(responseName + "choices[0].message.content"), allowNull: true)
            ?? Text(answer, "refusal")
            ?? string.Empty;
        if ((Text(response, "model") ?? Text(request, "model")) is { } model)
        {
            json["model"] = model;
        }

        if (FieldMap.Lookup(response, "usage.prompt_tokens") is { ValueKind: JsonValueKind.Number } prompt)
        {
            json["input_tokens"] = JsonNode.Parse(prompt.GetRawText());
        }

        if (FieldMap.Lookup(response, "usage.completion_tokens") is { ValueKind: JsonValueKind.Number } completion)
        {
            json["output_tokens"] = JsonNode.Parse(completion.GetRawText());
        }

        if (response.TryGetProperty("created", out var created) && created.ValueKind == JsonValueKind.Number)
        {
            json["timestamp"] = JsonNode.Parse(created.GetRawText());
        }

        if (log.TryGetProperty("latency_ms", out var latency) && latency.ValueKind == JsonValueKind.Number)
        {
            json["latency_ms"] = JsonNode.Parse(latency.GetRawText());
        }

        if (request.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            // Request metadata (user ids, routes) is what {context.NAME} is for.
            json["context"] = JsonNode.Parse(metadata.GetRawText());
        }

        return json;
    }

    private static string Prefix(JsonElement part, JsonElement log, string name) =>
        part.ValueKind == JsonValueKind.Object && log.TryGetProperty(name, out var inner) && inner.ValueKind == JsonValueKind.Object ? name + "." : string.Empty;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A message's content: a string, or the text of its parts (<c>[{"type": "text", "text": ...}]</c>).</summary>
    private static string? Content(JsonElement message, SourceLocation at, bool allowNull = false)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            // An assistant turn that only called tools has no content.
            return allowNull ? null : string.Empty;
        }

        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString();
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && Text(part, "text") is { } piece)
                    {
                        text.Append(text.Length > 0 ? "\n" : string.Empty).Append(piece);
                    }
                }

                return text.ToString();
            default:
                throw new DatasetException(at.Field is { } field ? at with { Field = field + (field.EndsWith(".content", StringComparison.Ordinal) ? string.Empty : ".content") } : at,
                    $"must be a string or a list of content parts, not {DatapointParser.Describe(content)}");
        }
    }
}
