using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace EvalRunner.Datasets;

/// <summary>Turns one JSON object (from any dataset format) into a <see cref="Datapoint"/>, naming the field of any error.</summary>
internal static partial class DatapointParser
{
    /// <summary>The fields of a supplied response (a log generated elsewhere).</summary>
    public static readonly string[] LogKeys = ["generated_response", "model", "latency_ms", "input_tokens", "output_tokens", "cost_usd", "timestamp", "steps", "trace_id", "span_id", "response_id"];

    /// <summary>The fields of a datapoint about tools: the calls it expects and its canned tool results.</summary>
    public static readonly string[] ToolKeys = ["expected_tool_calls", "tool_results"];

    /// <summary>Every field a datapoint may have.</summary>
    public static readonly string[] Keys = ["id", "messages", "input", "expected", "context", "tags", .. ToolKeys, .. LogKeys];

    /// <summary>The model config of a supplied response whose log names no model.</summary>
    public const string SuppliedModelConfig = "supplied";

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
        List<ExpectedToolCall> expectedToolCalls = [];
        List<CannedToolResult> toolResults = [];
        var log = new LogFields();

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
                case "expected_tool_calls":
                    expectedToolCalls = ParseExpectedToolCalls(value, at);
                    break;
                case "tool_results":
                    toolResults = ParseToolResults(value, at);
                    break;
                case "steps":
                    log.Steps = ParseSteps(value, at);
                    log.Given ??= property.Name;
                    break;
                case "generated_response":
                    log.Response = value.ValueKind switch
                    {
                        JsonValueKind.String => value.GetString(),
                        JsonValueKind.Null => null,
                        _ => throw new DatasetException(at, $"must be a string (the response generated elsewhere), not {Describe(value)}"),
                    };
                    break;
                case "model":
                    log.Model = value.ValueKind switch
                    {
                        JsonValueKind.String when value.GetString()!.Trim().Length > 0 => value.GetString()!.Trim(),
                        JsonValueKind.Null => null,
                        _ => throw new DatasetException(at, $"must be a non-empty string (the model that generated the response), not {Describe(value)}"),
                    };
                    log.Given ??= property.Name;
                    break;
                case "latency_ms":
                    log.LatencyMs = Number(value, at);
                    log.Given ??= property.Name;
                    break;
                case "input_tokens":
                    log.InputTokens = Count(value, at);
                    log.Given ??= property.Name;
                    break;
                case "output_tokens":
                    log.OutputTokens = Count(value, at);
                    log.Given ??= property.Name;
                    break;
                case "cost_usd":
                    log.CostUsd = Number(value, at);
                    log.Given ??= property.Name;
                    break;
                case "timestamp":
                    log.Timestamp = Timestamp(value, at);
                    log.Given ??= property.Name;
                    break;
                case "trace_id":
                    log.TraceId = HexId(value, at, 32, "a trace id");
                    log.Given ??= property.Name;
                    break;
                case "span_id":
                    log.SpanId = HexId(value, at, 16, "a span id");
                    log.Given ??= property.Name;
                    break;
                case "response_id":
                    log.ResponseId = value.ValueKind switch
                    {
                        JsonValueKind.String when value.GetString()!.Trim().Length > 0 => value.GetString()!.Trim(),
                        JsonValueKind.Null => null,
                        _ => throw new DatasetException(at, $"must be a non-empty string (the provider's id of the response), not {Describe(value)}"),
                    };
                    log.Given ??= property.Name;
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

        if (log.Response is null && log.Given is { } given)
        {
            throw new DatasetException(location.WithField(given), $"'{given}' describes a response generated elsewhere, but the datapoint has no 'generated_response'");
        }

        var datapoint = new Datapoint
        {
            Id = id ?? string.Empty,
            Messages = messages,
            Expected = expected,
            Context = context,
            Tags = tags,
            ExpectedToolCalls = expectedToolCalls,
            ToolResults = toolResults,
            Location = location,
            SuppliedLog = log.Response is null ? null : new Logs.Log
            {
                ModelConfig = log.Model ?? SuppliedModelConfig,
                Model = log.Model,
                Response = log.Response,
                LatencyMs = log.LatencyMs,
                InputTokens = log.InputTokens,
                OutputTokens = log.OutputTokens,
                CostUsd = log.CostUsd,
                Timestamp = log.Timestamp,
                TraceId = log.TraceId,
                SpanId = log.SpanId,
                ResponseId = log.ResponseId,
                Steps = log.Steps,
                Supplied = true,
            },
        };
        return id is null ? datapoint with { Id = DeriveId(datapoint) } : datapoint;
    }

    /// <summary>A stable id from the content, so that the same datapoint keeps its id when the file is reordered.</summary>
    public static string DeriveId(Datapoint datapoint)
    {
        var text = new StringBuilder();
        foreach (var message in datapoint.Messages)
        {
            text.Append(message.Role.Value).Append('\u001f').Append(message.Text);
            if (ToolCallJson.HasTools(message))
            {
                // Only a conversation that used tools hashes its calls, so that the ids of all others stay as they were.
                text.Append('\u001c').AppendJoin('\n', ToolCallJson.HistoryLines(message));
            }

            text.Append('\u001e');
        }

        text.Append(datapoint.Expected?.GetRawText());
        foreach (var call in datapoint.ExpectedToolCalls)
        {
            text.Append('\u001b').Append(call.Name).Append('\u001f').Append(call.Arguments?.GetRawText());
        }

        foreach (var canned in datapoint.ToolResults)
        {
            text.Append('\u001a').Append(canned.Name).Append('\u001f').Append(canned.Arguments?.GetRawText())
                .Append('\u001f').Append(canned.Result).Append('\u001f').Append(canned.Error);
        }

        if (datapoint.SuppliedLog is { } log)
        {
            // Two logs of the same question differ by their answers (and models).
            text.Append('\u001d').Append(log.ModelConfig).Append('\u001f').Append(log.Response);
        }

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

    /// <summary>A number, or a string holding one (a CSV cell); not negative.</summary>
    private static double? Number(JsonElement value, SourceLocation at)
    {
        double? number = value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.String when double.TryParse(value.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => throw new DatasetException(at, $"must be a number, not {Describe(value)}{Shown(value)}"),
        };
        return number is < 0 or double.NaN or double.PositiveInfinity ? throw new DatasetException(at, $"must be a number of 0 or more, not {number}") : number;
    }

    /// <summary>A whole number of 0 or more, or a string holding one (a CSV cell).</summary>
    private static long? Count(JsonElement value, SourceLocation at) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Number when value.TryGetInt64(out var n) && n >= 0 => n,
        JsonValueKind.String when long.TryParse(value.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
        _ => throw new DatasetException(at, $"must be a whole number of 0 or more, not {Describe(value)}{Shown(value)}"),
    };

    /// <summary>
    /// A W3C trace id (32 hex digits) or span id (16), in lower case; not all zeros (which means none). The OTLP/JSON
    /// and W3C traceparent spelling, so that a log's ids can be copied from the application's telemetry.
    /// </summary>
    private static string? HexId(JsonElement value, SourceLocation at, int digits, string what)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim() : null;
        if (text is null || text.Length != digits || !text.All(char.IsAsciiHexDigit) || text.All(c => c == '0'))
        {
            throw new DatasetException(at, $"must be {what} of {digits} hex digits (as in the W3C traceparent header), not {Describe(value)}{Shown(value)}");
        }

        return text.ToLowerInvariant();
    }

    /// <summary>An ISO 8601 date and time (UTC unless it says), or Unix seconds (a number, as <c>created</c> in OpenAI's answers).</summary>
    private static DateTimeOffset? Timestamp(JsonElement value, SourceLocation at)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds is >= 0 and < 253402300800)
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                return parsed;
            }

            if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seconds) && seconds < 253402300800)
            {
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
        }

        throw new DatasetException(at, $"must be a date and time (ISO 8601, such as 2025-01-31T12:00:00Z) or Unix seconds, not {Describe(value)}{Shown(value)}");
    }

    private static string Shown(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? $" '{(value.GetString()!.Length > 40 ? value.GetString()![..40] + "…" : value.GetString())}'" : string.Empty;

    private static List<ChatMessage> ParseMessages(JsonElement value, SourceLocation at)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            // A messages column of a CSV file (or a string field of a log) holds the conversation as JSON text.
            try
            {
                using var document = JsonDocument.Parse(value.GetString()!);
                return ParseMessages(document.RootElement.Clone(), at);
            }
            catch (JsonException)
            {
                throw new DatasetException(at, "must be a list of {role, content} messages; this string is not a JSON list");
            }
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new DatasetException(at, $"must be a list of {{role, content}} messages, not {Describe(value)}");
        }

        var messages = new List<ChatMessage>();
        var calls = new HashSet<string>(StringComparer.Ordinal);
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

            var chatRole = ParseRole(role.GetString()!, itemAt.WithField("role"));
            List<ToolCallJson.Call>? toolCalls = null;
            if (item.TryGetProperty("tool_calls", out var given) && given.ValueKind != JsonValueKind.Null)
            {
                toolCalls = chatRole == ChatRole.Assistant
                    ? ToolCallJson.ReadCalls(given, itemAt.WithField("tool_calls"))
                    : throw new DatasetException(itemAt.WithField("tool_calls"), "only an assistant message calls tools");
            }

            // An assistant message that only called tools has no content (null, or none at all).
            var hasContent = item.TryGetProperty("content", out var content);
            if ((!hasContent && toolCalls is null) || (hasContent && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)))
            {
                throw new DatasetException(itemAt.WithField("content"), "is missing or not a string");
            }

            var text = hasContent ? content.GetString() ?? string.Empty : string.Empty;
            if (toolCalls is not null)
            {
                calls.UnionWith(toolCalls.Select(call => call.Id));
                messages.Add(ToolCallJson.AssistantMessage(text, toolCalls));
            }
            else if (chatRole == ChatRole.Tool)
            {
                messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(ToolCallId(item, calls, itemAt), text)]));
            }
            else
            {
                messages.Add(new ChatMessage(chatRole, text));
            }

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
