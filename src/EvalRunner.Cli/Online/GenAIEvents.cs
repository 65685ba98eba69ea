using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Cli.Online.Otlp;

namespace EvalRunner.Cli.Online;

/// <summary>
/// Reads an OTLP log record as a GenAI event: the older events (<c>gen_ai.system.message</c>, <c>gen_ai.user.message</c>,
/// <c>gen_ai.assistant.message</c> with <c>{content}</c> bodies, <c>gen_ai.choice</c> with <c>{index, message: {content}}</c>),
/// named by the record's event name or its <c>event.name</c> attribute, and any record with the current
/// <c>gen_ai.input.messages</c>, <c>gen_ai.output.messages</c> or <c>gen_ai.system_instructions</c> attributes
/// (<c>gen_ai.client.inference.operation.details</c>).
/// </summary>
internal static class GenAIEvents
{
    /// <summary>The event, or null when the record is not a GenAI event (another log of the application).</summary>
    public static GenAIEvent? Read(LogRecord record, GenAIClient client, long sequence)
    {
        var attributes = GenAIValues.ByKey(record.Attributes);
        var name = record.EventName is { Length: > 0 } eventName ? eventName : GenAIValues.Text(attributes, "event.name");
        var genAI = new GenAIEvent
        {
            Key = GenAICalls.Key(record.TraceId.Span, record.SpanId.Span),
            Client = client,
            TimeUnixNano = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano,
            ObservedUnixNano = record.ObservedTimeUnixNano,
            Sequence = sequence,
        };
        try
        {
            var body = GenAIValues.ToJson(record.Body);
            switch (name)
            {
                case "gen_ai.system.message" or "gen_ai.user.message" or "gen_ai.assistant.message":
                    var role = name["gen_ai.".Length..^".message".Length];
                    return genAI with { Input = [(role, GenAIValues.Content(body is JsonObject message ? message["content"] : body))] };
                case "gen_ai.tool.message":
                    // Tool results are not part of a datapoint's conversation.
                    return genAI with { Input = [] };
                case "gen_ai.choice":
                    var choice = body as JsonObject;
                    return genAI with
                    {
                        IsOutput = true,
                        Output = GenAIValues.Content((choice?["message"] as JsonObject)?["content"]),
                        ChoiceIndex = choice?["index"] is JsonValue index && index.TryGetValue<long>(out var at) ? at : 0,
                    };
            }

            var hasInput = attributes.TryGetValue("gen_ai.input.messages", out var input);
            var hasOutput = attributes.TryGetValue("gen_ai.output.messages", out var output);
            var hasInstructions = attributes.TryGetValue("gen_ai.system_instructions", out var instructions);
            if (!hasInput && !hasOutput && !hasInstructions)
            {
                return null;
            }

            return genAI with
            {
                Input = hasInput ? GenAIValues.Messages(GenAIValues.Structured(input)) : [],
                SystemInstructions = hasInstructions ? GenAIValues.Instructions(instructions) : null,
                IsOutput = hasOutput,
                Output = hasOutput ? GenAICalls.FirstAssistant(GenAIValues.Messages(GenAIValues.Structured(output))) : null,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // Content that is not GenAI JSON: the event is kept as one without content.
            return genAI with { IsOutput = name == "gen_ai.choice" || attributes.ContainsKey("gen_ai.output.messages") };
        }
    }
}
