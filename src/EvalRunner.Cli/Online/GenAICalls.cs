using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Online;

namespace EvalRunner.Cli.Online;

/// <summary>Turns what arrived of one GenAI call (a chat span, log events, or both) into a log.</summary>
internal static class GenAICalls
{
    public static string Key(ReadOnlySpan<byte> traceId, ReadOnlySpan<byte> spanId) =>
        $"{Convert.ToHexStringLower(traceId)}:{Convert.ToHexStringLower(spanId)}";

    /// <summary>The text of the first assistant message (the first choice).</summary>
    public static string? FirstAssistant(IEnumerable<(string Role, string? Text)> messages) =>
        messages.Where(m => m.Role == "assistant").Select(m => m.Text).FirstOrDefault();

    /// <summary>
    /// The call's log once its span and its completion are there; before that it waits, unless <paramref name="final"/>
    /// (its time to wait is over): then events without a span become a log without model, tokens and latency.
    /// </summary>
    public static GenAIOutcome Build(GenAICall call, bool final)
    {
        var span = call.Span;
        var prompt = Prompt(call);
        var completion = call.Events.Where(e => e.IsOutput).OrderBy(e => e.ChoiceIndex).ThenBy(e => e.Sequence).FirstOrDefault();
        var hasCompletion = completion is not null || span?.Output is not null;
        // Events of one call may arrive out of order (an exporter sending each record on its own): without any prompt
        // event yet, the call waits for one until its time is over.
        if (!final && (span is null || !hasCompletion || prompt.Count == 0))
        {
            return default;
        }

        var response = completion?.Output ?? span?.Output;
        var messages = Messages(Instructions(call), prompt);
        var missing = call.Events.IsEmpty ? GenAIMissing.SpanContent : GenAIMissing.EventContent;
        if (response is null || !messages.Any(m => (string?)m!["role"] == "user"))
        {
            return new GenAIOutcome(null, missing);
        }

        var row = new JsonObject
        {
            ["messages"] = messages,
            ["generated_response"] = response,
            ["timestamp"] = Timestamp(span?.StartUnixNano ?? call.Events.Min(e => e.TimeUnixNano)),
        };
        if (span is not null)
        {
            row["model"] = span.Model;
            row["latency_ms"] = span.LatencyMs;
            row["input_tokens"] = span.InputTokens;
            row["output_tokens"] = span.OutputTokens;
            row["response_id"] = span.ResponseId;
        }

        return ToLog(call.Key, row) is { } log ? new GenAIOutcome(log, span is null ? GenAIMissing.Span : GenAIMissing.None) : new GenAIOutcome(null, missing);
    }

    /// <summary>The prompt of a call: from its events, else from its span.</summary>
    public static List<(string Role, string? Text)> Prompt(GenAICall call)
    {
        var prompt = call.Events
            .Where(e => e.Input.Count > 0)
            .OrderBy(e => e.TimeUnixNano)
            .ThenBy(e => e.ObservedUnixNano)
            .ThenBy(e => e.Input[0].Role == "system" ? 0 : 1)
            .ThenBy(e => e.Sequence)
            .SelectMany(e => e.Input)
            .ToList();
        return prompt.Count == 0 && call.Span is { } span ? [.. span.Input] : prompt;
    }

    /// <summary>The completion's text (the first choice), from the events or the span; null when there is none.</summary>
    public static string? Completion(GenAICall call) =>
        call.Events.Where(e => e.IsOutput).OrderBy(e => e.ChoiceIndex).ThenBy(e => e.Sequence).FirstOrDefault()?.Output ?? call.Span?.Output;

    public static string? Instructions(GenAICall call) =>
        call.Span?.SystemInstructions ?? call.Events.Select(e => e.SystemInstructions).FirstOrDefault(s => s is not null);

    /// <summary>A log's messages in the OpenAI chat shape: the system instructions (unless the prompt has its own), then the prompt's text messages.</summary>
    public static JsonArray Messages(string? instructions, IEnumerable<(string Role, string? Text)> prompt)
    {
        var messages = new JsonArray();
        var list = prompt.ToList();
        if (instructions is not null && !list.Any(m => m.Role is "system" or "developer"))
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        }

        foreach (var (role, text) in list)
        {
            var name = role == "developer" ? "system" : role;
            if (text is not null && name is "system" or "user" or "assistant")
            {
                messages.Add(new JsonObject { ["role"] = name, ["content"] = text });
            }
        }

        return messages;
    }

    public static string Timestamp(ulong unixNano) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNano / 100)).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>
    /// The log of a row in the dataset shape (id <c>otlp:KEY</c>, with the key's trace id and span id, which evaluation
    /// events are parented to), or null when it is not a valid row.
    /// </summary>
    public static IncomingLog? ToLog(string key, JsonObject row)
    {
        var id = "otlp:" + key;
        // The span's trace and span: evaluation events are parented to them, and watchers behind a collector that
        // routes by trace id split logs by the trace too.
        if (key.Split(':') is [{ Length: 32 } traceId, { Length: 16 } spanId] && traceId.Any(c => c != '0') && spanId.Any(c => c != '0'))
        {
            row["trace_id"] = traceId;
            row["span_id"] = spanId;
        }

        try
        {
            var datapoint = DatapointParser.Parse(JsonSerializer.SerializeToElement(row), new SourceLocation(id, 0));
            return new IncomingLog { Id = id, Datapoint = datapoint with { Id = id }, Log = datapoint.SuppliedLog! };
        }
        catch (DatasetException)
        {
            return null;
        }
    }
}
