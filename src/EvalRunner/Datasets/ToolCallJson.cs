using System.Text.Json;
using Microsoft.Extensions.AI;

namespace EvalRunner.Datasets;

/// <summary>
/// Tool calls in the OpenAI chat shape — an assistant message's <c>tool_calls</c>
/// (<c>[{id, type: function, function: {name, arguments: "JSON"}}]</c>) and a tool message's <c>tool_call_id</c> — read
/// from datasets and logs, written for programs under test, and shown as text in <c>{full_history}</c>.
/// </summary>
internal static class ToolCallJson
{
    /// <summary>What the message of a bad <c>tool_calls</c> says a tool call is.</summary>
    public const string CallShape = "{id, type: function, function: {name, arguments}}";

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>One tool call read from an assistant message's <c>tool_calls</c>.</summary>
    public readonly record struct Call(string Id, string Name, JsonElement Arguments);

    /// <summary>The calls of <c>tool_calls</c> (at <paramref name="at"/>), in order.</summary>
    /// <exception cref="DatasetException">The list, a call, its id, its function's name or its arguments are malformed.</exception>
    public static List<Call> ReadCalls(JsonElement value, SourceLocation at)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new DatasetException(at, $"must be a list of tool calls ({CallShape}), not {DatapointParser.Describe(value)}");
        }

        var calls = new List<Call>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemAt = at with { Field = $"{at.Field}[{index++}]" };
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetException(itemAt, $"a tool call must be an object {CallShape}, not {DatapointParser.Describe(item)}");
            }

            if (!item.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString()!.Length == 0)
            {
                throw new DatasetException(itemAt.WithField("id"), "is missing (the call's id, which the tool message that answers it names as its tool_call_id)");
            }

            if (item.TryGetProperty("type", out var type) && type.ValueKind != JsonValueKind.Null
                && !(type.ValueKind == JsonValueKind.String && type.GetString() == "function"))
            {
                throw new DatasetException(itemAt.WithField("type"), $"must be 'function', not {DatapointParser.Describe(type)}{(type.ValueKind == JsonValueKind.String ? $" '{type.GetString()}'" : string.Empty)}");
            }

            if (!item.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetException(itemAt.WithField("function"), "is missing: a tool call names its function as {name, arguments}");
            }

            var functionAt = itemAt.WithField("function");
            if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Trim().Length == 0)
            {
                throw new DatasetException(functionAt.WithField("name"), "is missing (the tool's name)");
            }

            var arguments = function.TryGetProperty("arguments", out var given) ? Arguments(given, functionAt.WithField("arguments")) : null;
            calls.Add(new Call(id.GetString()!, name.GetString()!.Trim(), arguments ?? EmptyObject));
        }

        return calls;
    }

    /// <summary>Tool arguments: a JSON object, or a string holding one (as OpenAI sends them); null for null or a blank string.</summary>
    /// <exception cref="DatasetException">They are another JSON value, or a string that is not a JSON object.</exception>
    public static JsonElement? Arguments(JsonElement value, SourceLocation at)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Object:
                return value.Clone();
            case JsonValueKind.String when value.GetString()!.Trim().Length == 0:
                return null;
            case JsonValueKind.String:
                JsonElement parsed;
                try
                {
                    using var document = JsonDocument.Parse(value.GetString()!);
                    parsed = document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    throw new DatasetException(at, "is not valid JSON; the arguments are a JSON object, or a string holding one");
                }

                return parsed.ValueKind == JsonValueKind.Object
                    ? parsed
                    : throw new DatasetException(at, $"must be a JSON object (or a string holding one), not a string holding {DatapointParser.Describe(parsed)}");
            default:
                throw new DatasetException(at, $"must be a JSON object (or a string holding one), not {DatapointParser.Describe(value)}");
        }
    }

    /// <summary>A JSON value as text: a string as it is, any other value as its JSON.</summary>
    public static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>An assistant message that calls tools, with its text when it has any.</summary>
    public static ChatMessage AssistantMessage(string text, IEnumerable<Call> calls)
    {
        List<AIContent> contents = text.Length > 0 ? [new TextContent(text)] : [];
        contents.AddRange(calls.Select(call => new FunctionCallContent(
            call.Id, call.Name, call.Arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal))));
        return new ChatMessage(ChatRole.Assistant, contents);
    }

    /// <summary>
    /// A message as lines of <c>{full_history}</c>: <c>role: text</c>, with each tool call as
    /// <c>[tool_call NAME(ARGUMENTS)]</c> after the text, and each tool result as a <c>tool: RESULT</c> line.
    /// </summary>
    public static IEnumerable<string> HistoryLines(ChatMessage message)
    {
        var results = message.Contents.OfType<FunctionResultContent>().ToList();
        if (results.Count > 0 && message.Text.Length == 0)
        {
            foreach (var result in results)
            {
                yield return $"{message.Role.Value}: {ResultText(result.Result)}";
            }

            yield break;
        }

        var line = message.Text;
        foreach (var call in message.Contents.OfType<FunctionCallContent>())
        {
            line += (line.Length > 0 ? " " : string.Empty) + $"[tool_call {call.Name}({ArgumentsText(call.Arguments)})]";
        }

        foreach (var result in results)
        {
            line += (line.Length > 0 ? " " : string.Empty) + ResultText(result.Result);
        }

        yield return $"{message.Role.Value}: {line}";
    }

    /// <summary>Whether a message holds tool calls or tool results (which its <see cref="ChatMessage.Text"/> leaves out).</summary>
    public static bool HasTools(ChatMessage message) =>
        message.Contents.Any(content => content is FunctionCallContent or FunctionResultContent);

    /// <summary>
    /// Writes messages in the OpenAI chat shape: <c>{role, content}</c>; an assistant message that calls tools with
    /// <c>tool_calls</c> (its content null when it has no text); each tool result as its own
    /// <c>{role: tool, tool_call_id, content}</c>.
    /// </summary>
    public static void WriteMessages(Utf8JsonWriter writer, IEnumerable<ChatMessage> messages)
    {
        writer.WriteStartArray();
        foreach (var message in messages)
        {
            var results = message.Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                foreach (var result in results)
                {
                    writer.WriteStartObject();
                    writer.WriteString("role", message.Role.Value);
                    writer.WriteString("tool_call_id", result.CallId);
                    writer.WriteString("content", ResultText(result.Result));
                    writer.WriteEndObject();
                }

                continue;
            }

            var calls = message.Contents.OfType<FunctionCallContent>().ToList();
            writer.WriteStartObject();
            writer.WriteString("role", message.Role.Value);
            if (calls.Count > 0 && message.Text.Length == 0)
            {
                writer.WriteNull("content");
            }
            else
            {
                writer.WriteString("content", message.Text);
            }

            if (calls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var call in calls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", call.CallId);
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", call.Name);
                    writer.WriteString("arguments", ArgumentsText(call.Arguments));
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Messages as a JSON list in the shape <see cref="WriteMessages"/> writes.</summary>
    public static JsonElement MessagesElement(IEnumerable<ChatMessage> messages)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteMessages(writer, messages);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>A datapoint's <c>expected_tool_calls</c> and <c>tool_results</c> fields, as datasets give them; nothing when it has none.</summary>
    public static void WriteToolFields(Utf8JsonWriter writer, Datapoint datapoint)
    {
        if (datapoint.ExpectedToolCalls.Count > 0)
        {
            writer.WriteStartArray("expected_tool_calls");
            foreach (var call in datapoint.ExpectedToolCalls)
            {
                writer.WriteStartObject();
                writer.WriteString("name", call.Name);
                WriteJson(writer, "arguments", call.Arguments);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (datapoint.ToolResults.Count > 0)
        {
            writer.WriteStartArray("tool_results");
            foreach (var canned in datapoint.ToolResults)
            {
                writer.WriteStartObject();
                writer.WriteString("name", canned.Name);
                WriteJson(writer, "arguments", canned.Arguments);
                WriteText(writer, "result", canned.Result);
                WriteText(writer, "error", canned.Error);
                writer.WriteNumber("latency_ms", canned.LatencyMs);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    /// <summary>A log's <c>steps</c> field in the shape results.jsonl writes; nothing when the log has no steps.</summary>
    public static void WriteSteps(Utf8JsonWriter writer, IReadOnlyList<Logs.TrajectoryStep>? steps)
    {
        if (steps is null)
        {
            return;
        }

        writer.WriteStartArray("steps");
        foreach (var step in steps)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", step.Kind == Logs.StepKind.Model ? "model" : "tool");
            WriteText(writer, "name", step.Name);
            WriteText(writer, "call_id", step.CallId);
            WriteJson(writer, "arguments", step.Arguments);
            WriteText(writer, "result", step.Result);
            WriteText(writer, "error", step.Error);
            if (step.Cut)
            {
                writer.WriteBoolean("cut", true);
            }

            if (step.LatencyMs is { } latency)
            {
                writer.WriteNumber("latency_ms", latency);
            }

            if (step.InputTokens is { } input)
            {
                writer.WriteNumber("input_tokens", input);
            }

            if (step.OutputTokens is { } output)
            {
                writer.WriteNumber("output_tokens", output);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteText(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteJson(Utf8JsonWriter writer, string name, JsonElement? value)
    {
        if (value is { } json)
        {
            writer.WritePropertyName(name);
            json.WriteTo(writer);
        }
    }

    /// <summary>A call's arguments as compact JSON (<c>{}</c> when it has none).</summary>
    public static string ArgumentsText(IDictionary<string, object?>? arguments) =>
        arguments is null ? "{}" : Compact(arguments, typeof(IDictionary<string, object?>));

    /// <summary>A tool's result as text: a string as it is, any other value as JSON.</summary>
    public static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string text => text,
        JsonElement element => Text(element),
        _ => Compact(result, typeof(object)),
    };

    /// <summary>A value as JSON on one line, its text as it reads (é, not \u00E9).</summary>
    private static string Compact(object value, Type type)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonSerializer.Serialize(writer, value, AIJsonUtilities.DefaultOptions.GetTypeInfo(type));
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
