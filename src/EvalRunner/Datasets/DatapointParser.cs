using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace EvalRunner.Datasets;

/// <summary>Turns one JSON object (from any dataset format) into a <see cref="Datapoint"/>, naming the field of any error.</summary>
internal static class DatapointParser
{
    private static readonly string[] Keys = ["id", "messages", "input", "expected", "context", "tags"];

    public static Datapoint Parse(JsonElement element, SourceLocation location)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new DatasetException(location, $"a datapoint must be an object with 'messages' or 'input', not {Describe(element)}");
        }

        string? id = null;
        List<ChatMessage>? messages = null;
        string? input = null;
        JsonElement? expected = null;
        Dictionary<string, JsonElement> context = [];
        List<string> tags = [];

        foreach (var property in element.EnumerateObject())
        {
            var at = location.WithField(property.Name);
            var value = property.Value;
            switch (property.Name)
            {
                case "id":
                    id = value.ValueKind switch
                    {
                        JsonValueKind.String when value.GetString()!.Trim().Length > 0 => value.GetString()!.Trim(),
                        JsonValueKind.Number => value.GetRawText(),
                        JsonValueKind.Null => null,
                        _ => throw new DatasetException(at, $"must be a non-empty string, not {Describe(value)}"),
                    };
                    break;
                case "messages":
                    messages = ParseMessages(value, at);
                    break;
                case "input":
                    input = value.ValueKind == JsonValueKind.String
                        ? value.GetString()
                        : throw new DatasetException(at, $"must be a string (the user message), not {Describe(value)}");
                    break;
                case "expected":
                    expected = value.ValueKind == JsonValueKind.Null ? null : value.Clone();
                    break;
                case "context":
                    if (value.ValueKind == JsonValueKind.Null)
                    {
                        break;
                    }

                    if (value.ValueKind != JsonValueKind.Object)
                    {
                        throw new DatasetException(at, $"must be an object of key/values, not {Describe(value)}");
                    }

                    foreach (var entry in value.EnumerateObject())
                    {
                        context[entry.Name] = entry.Value.Clone();
                    }

                    break;
                case "tags":
                    tags = ParseTags(value, at);
                    break;
                default:
                    throw new DatasetException(at, $"unknown field '{property.Name}'{Suggest.DidYouMean(property.Name, Keys)} (put extra data under 'context')");
            }
        }

        if (messages is not null && input is not null)
        {
            throw new DatasetException(location.WithField("input"), "give either 'messages' or 'input', not both");
        }

        messages ??= input is not null ? [new ChatMessage(ChatRole.User, input)] : null;
        if (messages is null || messages.Count == 0)
        {
            throw new DatasetException(location.WithField("messages"), "a datapoint needs 'messages' (a non-empty list) or 'input' (a string)");
        }

        var datapoint = new Datapoint
        {
            Id = id ?? string.Empty,
            Messages = messages,
            Expected = expected,
            Context = context,
            Tags = tags,
            Location = location,
        };
        return id is null ? datapoint with { Id = DeriveId(datapoint) } : datapoint;
    }

    /// <summary>A stable id from the content, so that the same datapoint keeps its id when the file is reordered.</summary>
    public static string DeriveId(Datapoint datapoint)
    {
        var text = new StringBuilder();
        foreach (var message in datapoint.Messages)
        {
            text.Append(message.Role.Value).Append('\u001f').Append(message.Text).Append('\u001e');
        }

        text.Append(datapoint.Expected?.GetRawText());
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return "dp-" + Convert.ToHexStringLower(hash)[..12];
    }

    public static ChatRole ParseRole(string role, SourceLocation at) => role.ToLowerInvariant() switch
    {
        "user" or "human" => ChatRole.User,
        "assistant" or "ai" => ChatRole.Assistant,
        "system" => ChatRole.System,
        "tool" => ChatRole.Tool,
        _ => throw new DatasetException(at, $"unknown role '{role}' (use user, assistant, system or tool; human and ai are accepted too)"),
    };

    private static List<ChatMessage> ParseMessages(JsonElement value, SourceLocation at)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new DatasetException(at, $"must be a list of {{role, content}} messages, not {Describe(value)}");
        }

        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemAt = at with { Field = $"{at.Field}[{index}]" };
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetException(itemAt, $"a message must be an object with 'role' and 'content', not {Describe(item)}");
            }

            if (!item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            {
                throw new DatasetException(itemAt.WithField("role"), "is missing (use user, assistant, system or tool)");
            }

            if (!item.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw new DatasetException(itemAt.WithField("content"), "is missing or not a string");
            }

            messages.Add(new ChatMessage(ParseRole(role.GetString()!, itemAt.WithField("role")), content.GetString() ?? string.Empty));
            index++;
        }

        return messages;
    }

    private static List<string> ParseTags(JsonElement value, SourceLocation at)
    {
        return value.ValueKind switch
        {
            JsonValueKind.Null => [],
            JsonValueKind.String => [.. SplitTags(value.GetString()!)],
            JsonValueKind.Array => [.. value.EnumerateArray().Select(tag => tag.ValueKind == JsonValueKind.String
                ? tag.GetString()!
                : throw new DatasetException(at, $"every tag must be a string, not {Describe(tag)}"))],
            _ => throw new DatasetException(at, $"must be a list of strings, not {Describe(value)}"),
        };
    }

    public static IEnumerable<string> SplitTags(string text) =>
        text.Split([',', ';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
