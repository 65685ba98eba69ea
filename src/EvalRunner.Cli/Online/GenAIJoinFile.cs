using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EvalRunner.Cli.Online;

/// <summary>
/// <c>genai-calls.json</c> in the watcher's results folder: the GenAI calls still waiting for their span or their log
/// events (<see cref="GenAIJoin"/>), the spans of agent traces waiting for the rest of their trace, and the services
/// known to send log events, so that a restart goes on waiting for
/// them from when they first arrived. Written whole (atomically) by the listener while they change and when it stops.
/// </summary>
internal static class GenAIJoinFile
{
    public const string FileName = "genai-calls.json";

    private const int Version = 1;

    public static string Write(IEnumerable<GenAICall> calls, IEnumerable<string> services)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", Version);
            json.WriteStartArray("services");
            foreach (var service in services)
            {
                json.WriteStringValue(service);
            }

            json.WriteEndArray();
            json.WriteStartArray("calls");
            foreach (var call in calls)
            {
                json.WriteStartObject();
                json.WriteString("key", call.Key);
                json.WriteString("since", call.Since.ToString("O", CultureInfo.InvariantCulture));
                if (call.Settled is { } settled)
                {
                    json.WriteString("settled", settled.ToString("O", CultureInfo.InvariantCulture));
                }

                if (call.Span is { } span)
                {
                    json.WriteStartObject("span");
                    WriteClient(json, span.Client);
                    WriteText(json, "model", span.Model);
                    WriteNumber(json, "input_tokens", span.InputTokens);
                    WriteNumber(json, "output_tokens", span.OutputTokens);
                    json.WriteNumber("latency_ms", span.LatencyMs);
                    json.WriteNumber("start_unix_nano", span.StartUnixNano);
                    WriteText(json, "system_instructions", span.SystemInstructions);
                    WriteMessages(json, span.Input);
                    WriteText(json, "output", span.Output);
                    if (span.Operation != GenAISpan.Chat)
                    {
                        json.WriteString("operation", span.Operation);
                    }

                    WriteText(json, "parent_span_id", span.ParentSpanId);
                    WriteText(json, "name", span.Name);
                    WriteText(json, "tool_call_id", span.ToolCallId);
                    WriteText(json, "tool_arguments", span.ToolArguments);
                    WriteText(json, "tool_result", span.ToolResult);
                    WriteText(json, "error", span.Error);
                    WriteText(json, "response_id", span.ResponseId);
                    json.WriteEndObject();
                }

                json.WriteStartArray("events");
                foreach (var genAI in call.Events)
                {
                    json.WriteStartObject();
                    WriteClient(json, genAI.Client);
                    json.WriteNumber("time_unix_nano", genAI.TimeUnixNano);
                    json.WriteNumber("observed_unix_nano", genAI.ObservedUnixNano);
                    json.WriteNumber("sequence", genAI.Sequence);
                    WriteMessages(json, genAI.Input);
                    WriteText(json, "system_instructions", genAI.SystemInstructions);
                    json.WriteBoolean("is_output", genAI.IsOutput);
                    WriteText(json, "output", genAI.Output);
                    json.WriteNumber("choice_index", genAI.ChoiceIndex);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The calls and services of a file's text.</summary>
    /// <exception cref="InvalidDataException">The text is not such a file; the message says where and why.</exception>
    public static (IReadOnlyList<GenAICall> Calls, IReadOnlyList<string> Services) Read(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != Version)
            {
                throw new InvalidDataException($"it is not version {Version} of this file");
            }

            var services = Array(root, "services", "services").Select((s, i) => s.GetString() ?? throw new InvalidDataException($"services[{i}] is not a string")).ToList();
            var calls = new List<GenAICall>();
            foreach (var (element, i) in Array(root, "calls", "calls").Select((c, i) => (c, i)))
            {
                calls.Add(ReadCall(element, $"calls[{i}]"));
            }

            if (calls.Count > GenAIJoin.MaxHeld)
            {
                throw new InvalidDataException($"it holds {calls.Count} calls, more than the {GenAIJoin.MaxHeld} that wait at once");
            }

            return (calls, services);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    private static GenAICall ReadCall(JsonElement element, string at)
    {
        var call = new GenAICall
        {
            Key = Text(element, "key", at) ?? throw Missing(at, "key"),
            Since = Time(element, "since", at) ?? throw Missing(at, "since"),
            Settled = Time(element, "settled", at),
        };
        if (element.TryGetProperty("span", out var span) && span.ValueKind != JsonValueKind.Null)
        {
            var where = $"{at}.span";
            call = call with
            {
                Span = new GenAISpan
                {
                    Key = call.Key,
                    Client = Client(span, where),
                    Model = Text(span, "model", where),
                    InputTokens = span.TryGetProperty("input_tokens", out _) ? Number(span, "input_tokens", where, e => e.GetInt64()) : null,
                    OutputTokens = span.TryGetProperty("output_tokens", out _) ? Number(span, "output_tokens", where, e => e.GetInt64()) : null,
                    LatencyMs = Number(span, "latency_ms", where, e => e.GetDouble()),
                    StartUnixNano = Number(span, "start_unix_nano", where, e => e.GetUInt64()),
                    SystemInstructions = Text(span, "system_instructions", where),
                    Input = Messages(span, where),
                    Output = Text(span, "output", where),
                    Operation = Text(span, "operation", where) switch
                    {
                        null => GenAISpan.Chat,
                        var known when known is GenAISpan.Chat or GenAISpan.ExecuteTool or GenAISpan.InvokeAgent => known,
                        var other => throw new InvalidDataException($"{where}.operation is '{other}', not {GenAISpan.ExecuteTool} or {GenAISpan.InvokeAgent}"),
                    },
                    ParentSpanId = Text(span, "parent_span_id", where),
                    Name = Text(span, "name", where),
                    ToolCallId = Text(span, "tool_call_id", where),
                    ToolArguments = Text(span, "tool_arguments", where),
                    ToolResult = Text(span, "tool_result", where),
                    Error = Text(span, "error", where),
                    ResponseId = Text(span, "response_id", where),
                },
            };
        }

        var events = ImmutableList.CreateBuilder<GenAIEvent>();
        foreach (var (genAI, i) in Array(element, "events", $"{at}.events").Select((e, i) => (e, i)))
        {
            var where = $"{at}.events[{i}]";
            events.Add(new GenAIEvent
            {
                Key = call.Key,
                Client = Client(genAI, where),
                TimeUnixNano = Number(genAI, "time_unix_nano", where, e => e.GetUInt64()),
                ObservedUnixNano = Number(genAI, "observed_unix_nano", where, e => e.GetUInt64()),
                Sequence = Number(genAI, "sequence", where, e => e.GetInt64()),
                Input = Messages(genAI, where),
                SystemInstructions = Text(genAI, "system_instructions", where),
                IsOutput = Number(genAI, "is_output", where, e => e.GetBoolean()),
                Output = Text(genAI, "output", where),
                ChoiceIndex = Number(genAI, "choice_index", where, e => e.GetInt64()),
            });
        }

        if (call.Span is null && events.Count == 0)
        {
            throw new InvalidDataException($"{at} has neither a span nor events");
        }

        return call with { Events = events.ToImmutable() };
    }

    private static void WriteClient(Utf8JsonWriter json, GenAIClient client)
    {
        json.WriteString("scope", client.Scope);
        WriteText(json, "language", client.Language);
        WriteText(json, "service", client.Service);
    }

    private static GenAIClient Client(JsonElement element, string at) => new()
    {
        Scope = Text(element, "scope", at) ?? throw Missing(at, "scope"),
        Language = Text(element, "language", at),
        Service = Text(element, "service", at),
    };

    private static void WriteMessages(Utf8JsonWriter json, IReadOnlyList<(string Role, string? Text)> messages)
    {
        json.WriteStartArray("input");
        foreach (var (role, text) in messages)
        {
            json.WriteStartObject();
            json.WriteString("role", role);
            WriteText(json, "text", text);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static List<(string Role, string? Text)> Messages(JsonElement element, string at) =>
        [.. Array(element, "input", $"{at}.input").Select((m, i) => (Text(m, "role", $"{at}.input[{i}]") ?? throw Missing($"{at}.input[{i}]", "role"), Text(m, "text", $"{at}.input[{i}]")))];

    private static void WriteText(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
    }

    private static string? Text(JsonElement element, string name, string at) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new InvalidDataException($"{at}.{name} is not a string");

    private static DateTimeOffset? Time(JsonElement element, string name, string at) =>
        Text(element, name, at) is not { } text ? null
        : DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time
        : throw new InvalidDataException($"{at}.{name} is not a time such as 2026-01-05T12:00:00.0000000+00:00");

    private static List<JsonElement> Array(JsonElement element, string name, string at) =>
        !element.TryGetProperty(name, out var value) ? []
        : value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()]
        : throw new InvalidDataException($"{at} is not an array");

    /// <summary>A number (or a boolean) read by <paramref name="read"/>; missing or of another kind, the file is damaged.</summary>
    private static T Number<T>(JsonElement element, string name, string at, Func<JsonElement, T> read)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            throw Missing(at, name);
        }

        try
        {
            return read(value);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            var kind = typeof(T) == typeof(bool) ? "true or false" : typeof(T) == typeof(double) ? "a number" : "a whole number in range";
            throw new InvalidDataException($"{at}.{name} is not {kind}");
        }
    }

    private static InvalidDataException Missing(string at, string name) => new($"{at}.{name} is missing");
}
