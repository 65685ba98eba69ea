using System.Text.Json;
using EvalRunner.Cli.Online.Otlp;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Online;

namespace EvalRunner.Cli.Online;

/// <summary>
/// Reads an OTLP span that follows the GenAI semantic conventions (<c>gen_ai.operation.name</c> = chat): the model,
/// token counts and the span's duration as latency, and the messages when the span carries them
/// (<c>gen_ai.system_instructions</c>, <c>gen_ai.input.messages</c>, <c>gen_ai.output.messages</c>, as written by
/// Microsoft.Extensions.AI's OpenTelemetry chat client). Clients that send messages as log events leave them out.
/// </summary>
internal static class GenAISpans
{
    /// <summary>The call the span describes, or null when it is not a GenAI chat span.</summary>
    public static GenAISpan? Read(Span span, GenAIClient client)
    {
        var attributes = GenAIValues.ByKey(span.Attributes);
        if (GenAIValues.Text(attributes, "gen_ai.operation.name") != "chat")
        {
            return null;
        }

        var facts = new GenAISpan
        {
            Key = GenAICalls.Key(span.TraceId.Span, span.SpanId.Span),
            Client = client,
            Model = GenAIValues.Text(attributes, "gen_ai.response.model") ?? GenAIValues.Text(attributes, "gen_ai.request.model"),
            InputTokens = GenAIValues.Count(attributes, "gen_ai.usage.input_tokens"),
            OutputTokens = GenAIValues.Count(attributes, "gen_ai.usage.output_tokens"),
            LatencyMs = span.EndTimeUnixNano >= span.StartTimeUnixNano ? (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6 : 0,
            StartUnixNano = span.StartTimeUnixNano,
        };
        try
        {
            attributes.TryGetValue("gen_ai.system_instructions", out var instructions);
            attributes.TryGetValue("gen_ai.input.messages", out var input);
            attributes.TryGetValue("gen_ai.output.messages", out var output);
            return facts with
            {
                SystemInstructions = GenAIValues.Instructions(instructions),
                Input = GenAIValues.Messages(GenAIValues.Structured(input)),
                Output = GenAICalls.FirstAssistant(GenAIValues.Messages(GenAIValues.Structured(output))),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // Messages that are not GenAI JSON: the span is read as one without content.
            return facts;
        }
    }
}
