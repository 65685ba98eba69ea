using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EvalRunner.Logs;

/// <summary>
/// A log's trajectory as plain lines of text, for reports and for judges: a tool call as
/// <c>name(arguments) → result</c> (<c>✗ error</c> when it failed), a model call as its tokens and latency.
/// </summary>
internal static class TrajectoryLines
{
    /// <summary>
    /// A tool call as <c>name(arguments) → result</c>, or <c>name(arguments) ✗ error</c> when it failed, with
    /// <c>(cut at run.max_output_bytes)</c> when its arguments or result were cut; each name, argument and result cut
    /// to <paramref name="limit"/> characters.
    /// </summary>
    public static string ToolCall(TrajectoryStep step, int limit = int.MaxValue)
    {
        var text = new StringBuilder();
        text.Append(MarkdownText.Cut(step.Name ?? "?", limit))
            .Append('(').Append(MarkdownText.Cut(Arguments(step.Arguments), limit)).Append(')');
        if (step.Error is { } error)
        {
            text.Append(" ✗ ").Append(MarkdownText.Cut(error, limit));
        }
        else if (step.Result is { } result)
        {
            text.Append(" → ").Append(MarkdownText.Cut(result, limit));
        }

        if (step.Cut)
        {
            text.Append(" (cut at run.max_output_bytes)");
        }

        return text.ToString();
    }

    /// <summary>
    /// A step as one line: <c>model call: 120 tokens in, 30 out, 850 ms</c>, or <c>tool name(arguments) → result; 12 ms</c>
    /// (<c>✗ error</c> for a failed call), each name, argument and result cut to <paramref name="limit"/> characters.
    /// </summary>
    public static string Step(TrajectoryStep step, int limit = int.MaxValue)
    {
        if (step.Kind == StepKind.Model)
        {
            var parts = new List<string>();
            parts.AddRange((step.InputTokens, step.OutputTokens) switch
            {
                ({ } input, { } output) => [string.Create(CultureInfo.InvariantCulture, $"{input} tokens in, {output} out")],
                ({ } input, null) => [string.Create(CultureInfo.InvariantCulture, $"{input} tokens in")],
                (null, { } output) => [string.Create(CultureInfo.InvariantCulture, $"{output} tokens out")],
                _ => [],
            });
            if (step.LatencyMs is { } latency)
            {
                parts.Add(Milliseconds(latency));
            }

            return parts.Count == 0 ? "model call" : "model call: " + string.Join(", ", parts);
        }

        var line = "tool " + ToolCall(step, limit);
        return step.LatencyMs is { } toolLatency ? line + "; " + Milliseconds(toolLatency) : line;
    }

    /// <summary>The log's tool calls, one <see cref="ToolCall"/> a line; empty without any.</summary>
    public static string ToolCalls(Log log) => string.Join('\n', log.ToolCalls.Select(step => ToolCall(step)));

    /// <summary>Every step of the log, one <see cref="Step"/> a line, numbered from 1 (<c>1. model call: …</c>); empty without steps.</summary>
    public static string Numbered(Log log) =>
        string.Join('\n', (log.Steps ?? []).Select((step, i) => string.Create(CultureInfo.InvariantCulture, $"{i + 1}. {Step(step)}")));

    /// <summary>
    /// Arguments as text: a JSON object as compact JSON with its text unescaped (so that "&lt;" reads as "&lt;"); a
    /// JSON string (arguments cut or not JSON) as its text; nothing when there are none.
    /// </summary>
    public static string Arguments(JsonElement? arguments)
    {
        if (arguments is not { } value || value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return string.Empty;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : Compact(value);
    }

    /// <summary>JSON as one line, its text unescaped.</summary>
    public static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Milliseconds(double latency) => latency.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
