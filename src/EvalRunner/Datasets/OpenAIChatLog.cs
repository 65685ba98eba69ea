using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalRunner.Datasets;

/// <summary>
/// <c>format: openai-chat</c>: one log in the OpenAI chat-completions shape — the request's <c>messages</c> (and
/// <c>model</c>) with the response's <c>choices[0].message</c>, <c>usage</c>, <c>model</c> and <c>created</c>, either
/// side by side in one object or as <c>{"request": ..., "response": ...}</c> — as a datapoint's JSON with its
/// supplied response. The last user message is the input, the messages before it the history. When tools were
/// called after the last user message (assistant <c>tool_calls</c>, <c>tool</c> messages, or an answer that calls
/// tools), those messages are the log's steps: a model step per assistant turn, a tool step per call with the result
/// of the tool message that answers it, and the answer's text is the response.
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

        if (Text(response, "id") is { } responseId)
        {
            json["response_id"] = responseId;
        }

        var items = Modernize(messages.EnumerateArray().ToList());
        var choice = FieldMap.Lookup(response, "choices[0].message") is { } found ? Modernize([found])[0] : (JsonElement?)null;
        var answerCalls = choice is { ValueKind: JsonValueKind.Object } given && given.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null;

        // Assistant and tool messages after the last user message are the trajectory that led to the answer, when
        // tools were called; the messages up to the last user message are the conversation.
        var lastUser = items.FindLastIndex(m => m.ValueKind == JsonValueKind.Object && Text(m, "role") is "user");
        var usedTools = answerCalls || items.Skip(lastUser + 1).Any(m => m.ValueKind == JsonValueKind.Object
            && (Text(m, "role") is "tool" or "function" || (m.TryGetProperty("tool_calls", out var c) && c.ValueKind != JsonValueKind.Null)));
        var list = new JsonArray();
        var steps = usedTools ? new JsonArray() : null;
        var callSteps = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        for (var index = 0; index < items.Count; index++)
        {
            var message = items[index];
            var at = location.WithField($"{requestName}messages[{index}]");
            if (message.ValueKind != JsonValueKind.Object || Text(message, "role") is not { } role)
            {
                throw new DatasetException(at, "a message must be an object with 'role' and 'content'");
            }

            role = role switch { "developer" => "system", "function" => "tool", _ => role };
            if (steps is not null && index > lastUser && role is "assistant" or "tool")
            {
                AddStep(steps, callSteps, message, role, at);
                continue;
            }

            var converted = new JsonObject { ["role"] = role, ["content"] = Content(message, at) };
            if (role == "assistant" && message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind != JsonValueKind.Null)
            {
                converted["tool_calls"] = CallsJson(ToolCallJson.ReadCalls(toolCalls, at.WithField("tool_calls")));
            }
            else if (role == "tool" && message.TryGetProperty("tool_call_id", out var callId))
            {
                converted["tool_call_id"] = JsonNode.Parse(callId.GetRawText());
            }

            list.Add(converted);
        }

        json["messages"] = list;
        if (choice is not { ValueKind: JsonValueKind.Object } answer)
        {
            throw new DatasetException(location.WithField(responseName + "choices[0].message"), "is missing: an OpenAI chat log needs the response's answer");
        }

        json["generated_response"] = Content(answer, location.WithField(responseName + "choices[0].message.content"), allowNull: true)
            ?? Text(answer, "refusal")
            ?? string.Empty;
        if (steps is not null)
        {
            var final = new JsonObject { ["kind"] = "model" };
            if (FieldMap.Lookup(response, "usage.prompt_tokens") is { ValueKind: JsonValueKind.Number } promptTokens)
            {
                final["input_tokens"] = JsonNode.Parse(promptTokens.GetRawText());
            }

            if (FieldMap.Lookup(response, "usage.completion_tokens") is { ValueKind: JsonValueKind.Number } completionTokens)
            {
                final["output_tokens"] = JsonNode.Parse(completionTokens.GetRawText());
            }

            steps.Add(final);
            if (answerCalls)
            {
                // The answer asked for tools that the log does not show run: calls without results.
                foreach (var call in ToolCallJson.ReadCalls(answer.GetProperty("tool_calls"), location.WithField(responseName + "choices[0].message.tool_calls")))
                {
                    steps.Add(CallStep(call));
                }
            }

            json["steps"] = steps;
        }

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

    /// <summary>
    /// The older function-calling shape as tool calls: an assistant's <c>function_call</c> is one tool call (its id
    /// made up from its place), and a <c>function</c> message the tool message that answers the latest such call.
    /// </summary>
    private static List<JsonElement> Modernize(List<JsonElement> items)
    {
        static bool Legacy(JsonElement m) => m.ValueKind == JsonValueKind.Object
            && (Text(m, "role") == "function" || (m.TryGetProperty("function_call", out var call) && call.ValueKind == JsonValueKind.Object));
        if (!items.Any(Legacy))
        {
            return items;
        }

        var modern = new List<JsonElement>(items.Count);
        string? pending = null;
        for (var index = 0; index < items.Count; index++)
        {
            var message = items[index];
            if (!Legacy(message))
            {
                modern.Add(message);
                continue;
            }

            var node = JsonNode.Parse(message.GetRawText())!.AsObject();
            if (message.TryGetProperty("function_call", out var call) && call.ValueKind == JsonValueKind.Object && !message.TryGetProperty("tool_calls", out _))
            {
                pending = $"function_call_{index}";
                node.Remove("function_call");
                node["tool_calls"] = new JsonArray(new JsonObject { ["id"] = pending, ["type"] = "function", ["function"] = JsonNode.Parse(call.GetRawText()) });
            }
            else if (Text(message, "role") == "function" && pending is not null && !message.TryGetProperty("tool_call_id", out _))
            {
                node["role"] = "tool";
                node["tool_call_id"] = pending;
                pending = null;
            }

            modern.Add(JsonSerializer.SerializeToElement(node));
        }

        return modern;
    }

    /// <summary>One assistant or tool message of the trajectory as steps: a model step and its calls, or a call's result.</summary>
    private static void AddStep(JsonArray steps, Dictionary<string, JsonObject> callSteps, JsonElement message, string role, SourceLocation at)
    {
        if (role == "assistant")
        {
            steps.Add(new JsonObject { ["kind"] = "model" });
            if (message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind != JsonValueKind.Null)
            {
                foreach (var call in ToolCallJson.ReadCalls(toolCalls, at.WithField("tool_calls")))
                {
                    var step = CallStep(call);
                    callSteps[call.Id] = step;
                    steps.Add(step);
                }
            }

            return;
        }

        if (Text(message, "tool_call_id") is not { Length: > 0 } id)
        {
            throw new DatasetException(at.WithField("tool_call_id"), "is missing: a tool message answers one tool call of an earlier assistant message and names its id");
        }

        if (!callSteps.TryGetValue(id, out var answered))
        {
            throw new DatasetException(at.WithField("tool_call_id"), $"'{id}' is the id of no tool call of an earlier assistant message");
        }

        answered["result"] = Content(message, at);
    }

    private static JsonObject CallStep(ToolCallJson.Call call) => new()
    {
        ["kind"] = "tool",
        ["name"] = call.Name,
        ["call_id"] = call.Id,
        ["arguments"] = JsonNode.Parse(call.Arguments.GetRawText()),
    };

    /// <summary>Calls as the datapoint's <c>tool_calls</c>, their arguments as JSON objects.</summary>
    private static JsonArray CallsJson(List<ToolCallJson.Call> calls) => new([.. calls.Select(call => (JsonNode)new JsonObject
    {
        ["id"] = call.Id,
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = JsonNode.Parse(call.Arguments.GetRawText()) },
    })]);

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
