using System.Text.Json;
using EvalRunner.Logs;

namespace EvalRunner.Datasets;

/// <summary>The fields of a datapoint about tools: expected tool calls, canned tool results, and a supplied log's steps.</summary>
internal static partial class DatapointParser
{
    private static readonly string[] ExpectedToolCallKeys = ["name", "arguments"];
    private static readonly string[] ToolResultKeys = ["name", "arguments", "result", "error", "latency_ms"];
    private static readonly string[] StepKeys = ["kind", "name", "call_id", "arguments", "result", "error", "cut", "latency_ms", "input_tokens", "output_tokens"];

    /// <summary>A tool message's <c>tool_call_id</c>: the id of a call of an earlier assistant message.</summary>
    private static string ToolCallId(JsonElement message, HashSet<string> calls, SourceLocation at)
    {
        if (!message.TryGetProperty("tool_call_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString()!.Length == 0)
        {
            throw new DatasetException(at.WithField("tool_call_id"), "is missing: a tool message answers one tool call of an earlier assistant message and names its id");
        }

        return calls.Contains(id.GetString()!)
            ? id.GetString()!
            : throw new DatasetException(at.WithField("tool_call_id"), $"'{id.GetString()}' is the id of no tool call of an earlier assistant message");
    }

    /// <summary><c>expected_tool_calls</c>: a list of <c>{name, arguments?}</c> (or of names).</summary>
    private static List<ExpectedToolCall> ParseExpectedToolCalls(JsonElement value, SourceLocation at)
    {
        const string Shape = "{name, arguments} tool calls";
        return Entries(value, at, Shape, (item, itemAt) =>
        {
            if (item.ValueKind == JsonValueKind.String && item.GetString()!.Trim().Length > 0)
            {
                return new ExpectedToolCall { Name = item.GetString()!.Trim() };
            }

            RequireObject(item, itemAt, ExpectedToolCallKeys, "a tool call has name and arguments");
            return new ExpectedToolCall
            {
                Name = ToolName(item, itemAt),
                Arguments = item.TryGetProperty("arguments", out var arguments) ? ToolCallJson.Arguments(arguments, itemAt.WithField("arguments")) : null,
            };
        });
    }

    /// <summary><c>tool_results</c>: a list of <c>{name, arguments?, result | error, latency_ms?}</c>.</summary>
    private static List<CannedToolResult> ParseToolResults(JsonElement value, SourceLocation at)
    {
        const string Shape = "{name, arguments, result or error, latency_ms} canned tool results";
        return Entries(value, at, Shape, (item, itemAt) =>
        {
            RequireObject(item, itemAt, ToolResultKeys, "a canned tool result has name, arguments, result or error, and latency_ms");
            var name = ToolName(item, itemAt);
            var result = item.TryGetProperty("result", out var r) && r.ValueKind != JsonValueKind.Null ? ToolCallJson.Text(r) : null;
            string? error = null;
            if (item.TryGetProperty("error", out var e) && e.ValueKind != JsonValueKind.Null)
            {
                error = e.ValueKind == JsonValueKind.String
                    ? e.GetString()
                    : throw new DatasetException(itemAt.WithField("error"), $"must be a string (why the tool fails), not {Describe(e)}");
            }

            if ((result, error) is (null, null))
            {
                throw new DatasetException(itemAt, "needs 'result' (what the tool returns) or 'error' (why it fails)");
            }

            if ((result, error) is (not null, not null))
            {
                throw new DatasetException(itemAt, "gives both 'result' and 'error'; a canned result either returns or fails");
            }

            return new CannedToolResult
            {
                Name = name,
                Arguments = item.TryGetProperty("arguments", out var arguments) ? ToolCallJson.Arguments(arguments, itemAt.WithField("arguments")) : null,
                Result = result,
                Error = error,
                LatencyMs = item.TryGetProperty("latency_ms", out var latency) ? Number(latency, itemAt.WithField("latency_ms")) ?? 0 : 0,
                Location = itemAt,
            };
        });
    }

    /// <summary>
    /// <c>steps</c> of a supplied log, in the shape results.jsonl writes them:
    /// <c>[{kind: model|tool, name, call_id, arguments, result, error, cut, latency_ms, input_tokens, output_tokens}]</c>.
    /// </summary>
    internal static List<TrajectoryStep> ParseSteps(JsonElement value, SourceLocation at)
    {
        const string Shape = "steps ({kind: model|tool, name, arguments, result, error, latency_ms, ...})";
        return Entries(value, at, Shape, (item, itemAt) =>
        {
            RequireObject(item, itemAt, StepKeys, $"a step has {string.Join(", ", StepKeys)}");
            var kind = item.TryGetProperty("kind", out var k) ? k : default;
            var stepKind = kind.ValueKind == JsonValueKind.String ? kind.GetString() switch
            {
                "model" => StepKind.Model,
                "tool" => StepKind.Tool,
                _ => throw new DatasetException(itemAt.WithField("kind"), $"must be model or tool, not '{kind.GetString()}'"),
            }
            : throw new DatasetException(itemAt.WithField("kind"), kind.ValueKind == JsonValueKind.Undefined ? "is missing (model or tool)" : $"must be model or tool, not {Describe(kind)}");
            var name = OptionalText(item, "name", itemAt);
            if (stepKind == StepKind.Tool && string.IsNullOrWhiteSpace(name))
            {
                throw new DatasetException(itemAt.WithField("name"), "is missing: a tool step names its tool");
            }

            JsonElement? arguments = null;
            if (item.TryGetProperty("arguments", out var given) && given.ValueKind != JsonValueKind.Null)
            {
                // As results.jsonl keeps them: a JSON object, or text (cut, or not JSON) as a JSON string.
                arguments = given.ValueKind == JsonValueKind.String && TryObject(given.GetString()!) is { } parsed ? parsed : given.Clone();
            }

            var cut = item.TryGetProperty("cut", out var c) && c.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw new DatasetException(itemAt.WithField("cut"), $"must be true or false, not {Describe(c)}"),
            };
            return new TrajectoryStep
            {
                Kind = stepKind,
                Name = name?.Trim(),
                CallId = OptionalText(item, "call_id", itemAt),
                Arguments = arguments,
                Result = item.TryGetProperty("result", out var result) && result.ValueKind != JsonValueKind.Null ? ToolCallJson.Text(result) : null,
                Error = OptionalText(item, "error", itemAt),
                Cut = cut,
                LatencyMs = item.TryGetProperty("latency_ms", out var latency) ? Number(latency, itemAt.WithField("latency_ms")) : null,
                InputTokens = item.TryGetProperty("input_tokens", out var input) ? Count(input, itemAt.WithField("input_tokens")) : null,
                OutputTokens = item.TryGetProperty("output_tokens", out var output) ? Count(output, itemAt.WithField("output_tokens")) : null,
            };
        });
    }

    /// <summary>The entries of a list field (or of a string holding a JSON list: a CSV cell), each at its index.</summary>
    private static List<T> Entries<T>(JsonElement value, SourceLocation at, string shape, Func<JsonElement, SourceLocation, T> read)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            JsonElement list;
            try
            {
                using var document = JsonDocument.Parse(value.GetString()!);
                list = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new DatasetException(at, $"must be a list of {shape}; this string is not a JSON list");
            }

            return list.ValueKind == JsonValueKind.Array
                ? Entries(list, at, shape, read)
                : throw new DatasetException(at, $"must be a list of {shape}, not a string holding {Describe(list)}");
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new DatasetException(at, $"must be a list of {shape}, not {Describe(value)}");
        }

        var entries = new List<T>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            entries.Add(read(item, at with { Field = $"{at.Field}[{index++}]" }));
        }

        return entries;
    }

    /// <summary>Throws unless <paramref name="item"/> is an object with only <paramref name="keys"/>.</summary>
    private static void RequireObject(JsonElement item, SourceLocation at, string[] keys, string shape)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new DatasetException(at, $"must be an object ({shape}), not {Describe(item)}");
        }

        foreach (var property in item.EnumerateObject())
        {
            if (!keys.Contains(property.Name))
            {
                throw new DatasetException(at.WithField(property.Name), $"unknown key '{property.Name}'{Suggest.DidYouMean(property.Name, keys)}; {shape}");
            }
        }
    }

    private static string ToolName(JsonElement item, SourceLocation at) =>
        item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString()!.Trim().Length > 0
            ? name.GetString()!.Trim()
            : throw new DatasetException(at.WithField("name"), "is missing (the tool's name)");

    private static string? OptionalText(JsonElement item, string key, SourceLocation at) =>
        !item.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new DatasetException(at.WithField(key), $"must be a string, not {Describe(value)}");

    private static JsonElement? TryObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
