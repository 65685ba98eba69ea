using EvalRunner.Cli.Online.Otlp;

namespace EvalRunner.Cli.Online;

/// <summary>
/// Who sent a span or log event: its instrumentation scope, the OpenTelemetry SDK's language and the service, from
/// the OTLP resource. It decides whether a chat span's messages may come later as log events, and the advice given
/// when content is missing.
/// </summary>
internal sealed record GenAIClient
{
    /// <summary>Instrumentations that send prompts and completions as log events, not on the span.</summary>
    private static readonly HashSet<string> EventScopes = new(StringComparer.Ordinal)
    {
        "@opentelemetry/instrumentation-openai",
        "@elastic/opentelemetry-instrumentation-openai",
        "opentelemetry.instrumentation.openai_v2",
        "opentelemetry.instrumentation.google_genai",
        "opentelemetry.instrumentation.vertexai",
    };

    public required string Scope { get; init; }

    public string? Language { get; init; }

    public string? Service { get; init; }

    public static GenAIClient From(Resource? resource, InstrumentationScope? scope)
    {
        var attributes = GenAIValues.ByKey(resource?.Attributes ?? []);
        return new GenAIClient
        {
            Scope = scope?.Name is { Length: > 0 } name ? name : "an unnamed instrumentation scope",
            Language = GenAIValues.Text(attributes, "telemetry.sdk.language"),
            Service = GenAIValues.Text(attributes, "service.name"),
        };
    }

    /// <summary>True when the instrumentation is known to send messages as log events.</summary>
    public bool SendsEvents => EventScopes.Contains(Scope);

    /// <summary>The scope and service, for a console line.</summary>
    public string Describe() => Service is null ? Scope : $"{Scope} (service {Service})";

    /// <summary>How this client sends message content to the listener at <paramref name="address"/>.</summary>
    public string Advice(Uri address)
    {
        var logs = $"{address}v1/logs";
        if (Scope.EndsWith("instrumentation-openai", StringComparison.Ordinal) || Language == "nodejs")
        {
            return $"turn on message content with new OpenAIInstrumentation({{ captureMessageContent: true }}) "
                + $"(or OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true), and export logs to {logs} with an OTLPLogExporter: "
                + "the instrumentation sends messages as log events, not on the span";
        }

        if (Language == "python" || Scope.StartsWith("opentelemetry.instrumentation.", StringComparison.Ordinal))
        {
            return "set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true and export logs to "
                + $"{logs} (OTLPLogExporter): the instrumentation sends messages as log events, not on the span";
        }

        if (Language == "dotnet")
        {
            return "set EnableSensitiveData = true on the OpenTelemetry chat client "
                + "(UseOpenTelemetry(configure: c => c.EnableSensitiveData = true)): without it the span carries no messages";
        }

        return $"turn on message content capture in the GenAI instrumentation; if it sends messages as log events, export logs to {logs} too";
    }
}
