using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;

namespace EvalRunner.Generation;

/// <summary>A provider's HTTP answer that was not a success: its status, the error in its body, and the wait it asks for.</summary>
internal sealed record HttpAnswer
{
    public required int Status { get; init; }

    /// <summary>The provider's error code or type (<c>insufficient_quota</c>, <c>overloaded_error</c>), when the body has one.</summary>
    public string? Code { get; init; }

    /// <summary>The provider's error message (at most 500 characters), or the body, or the reason phrase.</summary>
    public string? Message { get; init; }

    /// <summary>The wait a 429 asks for: <c>retry-after-ms</c>, else <c>Retry-After</c> in seconds or as a date.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The answer of a System.ClientModel pipeline (the OpenAI and Azure OpenAI clients).</summary>
    public static HttpAnswer From(PipelineResponse response, TimeProvider time)
    {
        string? body;
        try
        {
            body = response.Content.ToString();
        }
        catch (InvalidOperationException)
        {
            body = null;
        }

        return From(response.Status, name => response.Headers.TryGetValue(name, out var value) ? value : null, body, response.ReasonPhrase, time);
    }

    /// <summary>An answer read from its status, headers (by name, any case) and body.</summary>
    public static HttpAnswer From(int status, Func<string, string?> header, string? body, string? reason, TimeProvider time)
    {
        var (code, message) = body is null ? (null, reason) : ErrorOf(body, reason);
        return new HttpAnswer { Status = status, Code = code, Message = message, RetryAfter = RetryAfterOf(header, time) };
    }

    /// <summary>The code and message of an error body: <c>{"error": {"code"|"type", "message"}}</c> or <c>{"error": "text"}</c>.</summary>
    public static (string? Code, string? Message) ErrorOf(string body, string? reason)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                ? ErrorOf(error)
                : (null, Short(body));
        }
        catch (JsonException)
        {
            return (null, reason);
        }
    }

    /// <summary>The code and message of an <c>error</c> value: an object with <c>code</c> or <c>type</c> and <c>message</c>, or a text.</summary>
    public static (string? Code, string? Message) ErrorOf(JsonElement error)
    {
        if (error.ValueKind == JsonValueKind.String)
        {
            return (null, Short(error.GetString()!));
        }

        if (error.ValueKind != JsonValueKind.Object)
        {
            return (null, Short(error.GetRawText()));
        }

        string? Text(string name) => error.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return (Text("code") ?? Text("type"), Text("message") is { } text ? Short(text) : null);
    }

    /// <summary>The text on one line, at most 500 characters.</summary>
    public static string Short(string text)
    {
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > 500 ? text[..500] + "…" : text;
    }

    private static TimeSpan? RetryAfterOf(Func<string, string?> header, TimeProvider time)
    {
        if ((header("retry-after-ms") ?? header("x-ms-retry-after-ms")) is { } ms
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (header("Retry-After") is { } after)
        {
            if (double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var wait = at - time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }
}
