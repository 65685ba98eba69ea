using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EvalRunner.Cli.Online.Otlp;

namespace EvalRunner.Cli.Online;

/// <summary>
/// Reads GenAI content from OTLP values: attributes and log bodies arrive as JSON strings (as Microsoft.Extensions.AI
/// writes <c>gen_ai.input.messages</c>) or as structured values (arrays and key/value lists, as the OpenTelemetry SDKs
/// for Node and Python write them); both are read through one JSON shape.
/// </summary>
internal static class GenAIValues
{
    /// <summary>The attributes by key (the last one wins when a key repeats).</summary>
    public static Dictionary<string, AnyValue> ByKey(IEnumerable<KeyValue> attributes)
    {
        var byKey = new Dictionary<string, AnyValue>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            if (attribute.Value is not null)
            {
                byKey[attribute.Key] = attribute.Value;
            }
        }

        return byKey;
    }

    public static string? Text(Dictionary<string, AnyValue> attributes, string key) =>
        attributes.TryGetValue(key, out var value) && value.ValueCase == AnyValue.ValueOneofCase.StringValue ? value.StringValue : null;

    public static long? Count(Dictionary<string, AnyValue> attributes, string key) =>
        attributes.TryGetValue(key, out var value) ? value.ValueCase switch
        {
            AnyValue.ValueOneofCase.IntValue => value.IntValue,
            AnyValue.ValueOneofCase.DoubleValue => (long)value.DoubleValue,
            AnyValue.ValueOneofCase.StringValue when long.TryParse(value.StringValue, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        } : null;

    /// <summary>The value as JSON: a key/value list is an object, an array an array, bytes base64.</summary>
    public static JsonNode? ToJson(AnyValue? value)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                return JsonValue.Create(value.StringValue);
            case AnyValue.ValueOneofCase.BoolValue:
                return JsonValue.Create(value.BoolValue);
            case AnyValue.ValueOneofCase.IntValue:
                return JsonValue.Create(value.IntValue);
            case AnyValue.ValueOneofCase.DoubleValue:
                return JsonValue.Create(value.DoubleValue);
            case AnyValue.ValueOneofCase.BytesValue:
                return JsonValue.Create(value.BytesValue.ToBase64());
            case AnyValue.ValueOneofCase.ArrayValue:
                var array = new JsonArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    array.Add(ToJson(item));
                }

                return array;
            case AnyValue.ValueOneofCase.KvlistValue:
                var list = new JsonObject();
                foreach (var pair in value.KvlistValue.Values)
                {
                    list[pair.Key] = ToJson(pair.Value);
                }

                return list;
            default:
                return null;
        }
    }

    /// <summary>A messages or parts attribute: a JSON string is parsed, a structured value converted; throws JsonException on a string that is not JSON.</summary>
    public static JsonNode? Structured(AnyValue? value) =>
        value?.ValueCase == AnyValue.ValueOneofCase.StringValue ? JsonNode.Parse(value.StringValue) : ToJson(value);

    /// <summary>
    /// The text of <c>gen_ai.system_instructions</c>: a parts list (as JSON or structured), or plain text as some clients
    /// send it.
    /// </summary>
    public static string? Instructions(AnyValue? value)
    {
        if (value?.ValueCase == AnyValue.ValueOneofCase.StringValue && !value.StringValue.TrimStart().StartsWith('['))
        {
            return value.StringValue.Length > 0 ? value.StringValue : null;
        }

        return Content(Structured(value));
    }

    /// <summary>
    /// The <c>(role, text)</c> messages of a GenAI messages value (<c>[{role, parts: [{type: text, content}]}]</c>, or
    /// <c>[{role, content}]</c>); a message without text has null text.
    /// </summary>
    public static List<(string Role, string? Text)> Messages(JsonNode? node)
    {
        List<(string, string?)> messages = [];
        if (node is not JsonArray array)
        {
            return messages;
        }

        foreach (var item in array.OfType<JsonObject>())
        {
            if (item["role"] is JsonValue role && role.TryGetValue<string>(out var name))
            {
                messages.Add((name, Content(item["parts"]) ?? Content(item["content"])));
            }
        }

        return messages;
    }

    /// <summary>
    /// The text of message content: a string, or a parts list (<c>[{type: text, content}]</c>, or <c>{type: text, text}</c>
    /// as the OpenAI API writes parts), joined; null when there is none.
    /// </summary>
    public static string? Content(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                return text.Length > 0 ? text : null;
            case JsonArray parts:
                var joined = new StringBuilder();
                foreach (var part in parts.OfType<JsonObject>())
                {
                    if ((string?)part["type"] is "text" or null
                        && (part["content"] ?? part["text"]) is JsonValue content && content.TryGetValue<string>(out var piece))
                    {
                        joined.Append(piece);
                    }
                }

                return joined.Length > 0 ? joined.ToString() : null;
            default:
                return null;
        }
    }
}
