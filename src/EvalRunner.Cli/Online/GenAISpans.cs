using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Cli.Online.Otlp;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Online;

namespace EvalRunner.Cli.Online;

/// <summary>
/// Turns an OTLP span that follows the GenAI semantic conventions (<c>gen_ai.operation.name</c> = chat, as written by
/// Microsoft.Extensions.AI's OpenTelemetry chat client) into a log: the messages from <c>gen_ai.system_instructions</c>
/// and <c>gen_ai.input.messages</c>, the response from <c>gen_ai.output.messages</c>, the model, token counts, and the
/// span's duration as latency. The log's id is the trace id and span id.
/// </summary>
internal static class GenAISpans
{
    public static GenAISpanResult ToLog(Span span)
    {
        try
        {
            return Convert(span);
        }
        catch (Exception e) when (e is DatasetException or JsonException or InvalidOperationException)
        {
            // Messages that are not GenAI JSON, an unknown role: the span cannot be evaluated as a log.
            return new GenAISpanResult(null, Missing: true);
        }
    }

    private static GenAISpanResult Convert(Span span)
    {
        var attributes = new Dictionary<string, AnyValue>(StringComparer.Ordinal);
        foreach (var attribute in span.Attributes)
        {
            attributes[attribute.Key] = attribute.Value;
        }

        if (Text(attributes, "gen_ai.operation.name") != "chat")
        {
            return default;
        }

        var id = $"otlp:{System.Convert.ToHexStringLower(span.TraceId.Span)}:{System.Convert.ToHexStringLower(span.SpanId.Span)}";
        var messages = new JsonArray();
        if (Text(attributes, "gen_ai.system_instructions") is { } system && Parts(system) is { Length: > 0 } instructions)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        }

        foreach (var message in Messages(Text(attributes, "gen_ai.input.messages")))
        {
            messages.Add(message);
        }

        var response = Messages(Text(attributes, "gen_ai.output.messages"))
            .Where(m => (string?)m["role"] == "assistant")
            .Select(m => (string?)m["content"])
            .FirstOrDefault();
        if (messages.Count == 0 || response is null)
        {
            return new GenAISpanResult(null, Missing: true);
        }

        var row = new JsonObject
        {
            ["messages"] = messages,
            ["generated_response"] = response,
            ["model"] = Text(attributes, "gen_ai.response.model") ?? Text(attributes, "gen_ai.request.model"),
            ["latency_ms"] = span.EndTimeUnixNano >= span.StartTimeUnixNano ? (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6 : 0,
            ["input_tokens"] = Count(attributes, "gen_ai.usage.input_tokens"),
            ["output_tokens"] = Count(attributes, "gen_ai.usage.output_tokens"),
            ["timestamp"] = DateTimeOffset.UnixEpoch.AddTicks((long)(span.StartTimeUnixNano / 100)).ToString("O", CultureInfo.InvariantCulture),
        };
        var datapoint = DatapointParser.Parse(JsonSerializer.SerializeToElement(row), new SourceLocation(id, 0));
        return new GenAISpanResult(new IncomingLog { Id = id, Datapoint = datapoint with { Id = id }, Log = datapoint.SuppliedLog! }, Missing: false);
    }

    private static string? Text(Dictionary<string, AnyValue> attributes, string key) =>
        attributes.TryGetValue(key, out var value) && value.ValueCase == AnyValue.ValueOneofCase.StringValue ? value.StringValue : null;

    private static long? Count(Dictionary<string, AnyValue> attributes, string key) =>
        attributes.TryGetValue(key, out var value) ? value.ValueCase switch
        {
            AnyValue.ValueOneofCase.IntValue => value.IntValue,
            AnyValue.ValueOneofCase.DoubleValue => (long)value.DoubleValue,
            AnyValue.ValueOneofCase.StringValue when long.TryParse(value.StringValue, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        } : null;

    /// <summary>The <c>{role, content}</c> messages of a GenAI messages attribute (<c>[{role, parts: [{type, content}]}]</c>).</summary>
    private static IEnumerable<JsonObject> Messages(string? json)
    {
        if (json is null || JsonNode.Parse(json) is not JsonArray array)
        {
            yield break;
        }

        foreach (var item in array.OfType<JsonObject>())
        {
            if (item["role"] is JsonValue role && role.TryGetValue<string>(out var name) && Parts(item["parts"]?.ToJsonString()) is { } text)
            {
                yield return new JsonObject { ["role"] = name, ["content"] = text };
            }
        }
    }

    /// <summary>The text of a parts list (<c>[{type: text, content}]</c>), joined; null when there is none.</summary>
    private static string? Parts(string? json)
    {
        if (json is null || JsonNode.Parse(json) is not JsonArray parts)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var part in parts.OfType<JsonObject>())
        {
            if ((string?)part["type"] == "text" && part["content"] is JsonValue content && content.TryGetValue<string>(out var value))
            {
                text.Append(value);
            }
        }

        return text.Length > 0 ? text.ToString() : null;
    }
}
