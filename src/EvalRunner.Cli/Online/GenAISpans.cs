using System.Text.Json;
using EvalRunner.Cli.Online.Otlp;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Online;

namespace EvalRunner.Cli.Online;

/// <summary>
/// Reads an OTLP span that follows the GenAI semantic conventions (<c>gen_ai.operation.name</c> = chat, and the
/// <c>execute_tool</c> and <c>invoke_agent</c> spans of an agent: tool name, call id, arguments, result, error): the model,
/// token counts and the span's duration as latency, and the messages when the span carries them
/// (<c>gen_ai.system_instructions</c>, <c>gen_ai.input.messages</c>, <c>gen_ai.output.messages</c>, as written by
/// Microsoft.Extensions.AI's OpenTelemetry chat client). Clients that send messages as log events leave them out.
/// </summary>
internal static class GenAISpans
{
    private const string OrchestrateTools = "orchestrate_tools";

    /// <summary>The call the span describes, or null when it is not a GenAI chat span.</summary>
    public static GenAISpan? Read(Span span, GenAIClient client)
    {
        var attributes = GenAIValues.ByKey(span.Attributes);
        // Microsoft.Extensions.AI's FunctionInvokingChatClient wraps its model and tool calls in an orchestrate_tools span
        // (no operation name): without an invoke_agent span it is the root that ends last, and stands for the agent span.
        var operation = GenAIValues.Text(attributes, "gen_ai.operation.name")
            ?? (span.Name == OrchestrateTools ? GenAISpan.InvokeAgent : null);
        if (operation is not (GenAISpan.Chat or GenAISpan.ExecuteTool or GenAISpan.InvokeAgent))
        {
            return null;
        }

        var facts = new GenAISpan
        {
            Key = GenAICalls.Key(span.TraceId.Span, span.SpanId.Span),
            Client = client,
            Operation = operation,
            ParentSpanId = span.ParentSpanId.IsEmpty ? null : Convert.ToHexStringLower(span.ParentSpanId.Span),
            Name = GenAIValues.Text(attributes, operation == GenAISpan.InvokeAgent ? "gen_ai.agent.name" : "gen_ai.tool.name"),
            ToolCallId = GenAIValues.Text(attributes, "gen_ai.tool.call.id"),
            ToolArguments = Raw(attributes, "gen_ai.tool.call.arguments"),
            ToolResult = Raw(attributes, "gen_ai.tool.call.result"),
            Error = Error(span, attributes),
            Model = GenAIValues.Text(attributes, "gen_ai.response.model") ?? GenAIValues.Text(attributes, "gen_ai.request.model"),
            ResponseId = GenAIValues.Text(attributes, "gen_ai.response.id"),
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

    /// <summary>An attribute as text: a string as it is, a structured value as JSON.</summary>
    private static string? Raw(Dictionary<string, AnyValue> attributes, string key) =>
        !attributes.TryGetValue(key, out var value) ? null
        : value.ValueCase == AnyValue.ValueOneofCase.StringValue ? value.StringValue
        : GenAIValues.ToJson(value)?.ToJsonString();

    /// <summary>Why a span failed: its <c>error.type</c> and its ERROR status's message; null when it did not.</summary>
    private static string? Error(Span span, Dictionary<string, AnyValue> attributes)
    {
        var type = GenAIValues.Text(attributes, "error.type");
        var failed = span.Status?.Code == Status.Types.StatusCode.Error;
        if (type is null && !failed)
        {
            return null;
        }

        var message = failed && !string.IsNullOrWhiteSpace(span.Status!.Message) ? span.Status.Message : null;
        return type is not null && message is not null ? $"{type}: {message}" : type ?? message ?? "the span's status is ERROR";
    }
}
