using System.Text.Json.Nodes;
using Google.Protobuf;

namespace EvalRunner.Cli.Online;

/// <summary>
/// OTLP/JSON: the protobuf JSON mapping of an OTLP message, except that trace and span ids are hex strings, not base64
/// (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). Unknown fields are ignored, as OTLP asks.
/// </summary>
internal static class OtlpJson
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static readonly string[] IdFields = ["traceId", "spanId", "parentSpanId"];

    /// <summary>The message in <paramref name="body"/>; throws <see cref="FormatException"/> when it is not one.</summary>
    public static T Parse<T>(byte[] body)
        where T : IMessage<T>, new()
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"not JSON ({e.Message})", e);
        }

        if (root is not JsonObject)
        {
            throw new FormatException("not a JSON object");
        }

        HexIdsToBase64(root);
        try
        {
            return Parser.Parse<T>(root.ToJsonString());
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>Rewrites every trace and span id from hex to base64, the protobuf JSON mapping of bytes.</summary>
    private static void HexIdsToBase64(JsonNode node)
    {
        switch (node)
        {
            case JsonObject item:
                foreach (var name in IdFields)
                {
                    if (item[name] is JsonValue value && value.TryGetValue<string>(out var hex))
                    {
                        item[name] = hex.Length == 0 ? string.Empty : Convert.ToBase64String(FromHex(hex, name));
                    }
                }

                foreach (var (_, child) in item.ToList())
                {
                    if (child is not null)
                    {
                        HexIdsToBase64(child);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        HexIdsToBase64(child);
                    }
                }

                break;
        }
    }

    private static byte[] FromHex(string hex, string field)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new FormatException($"{field} '{(hex.Length > 40 ? hex[..40] + "…" : hex)}' is not hex (OTLP/JSON sends trace and span ids as hex)");
        }
    }
}
