using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Logs;
using EvalRunner.Results;

namespace EvalRunner.Reports;

/// <summary>
/// How reports show a log's trajectory: each step as one line of plain text (the report escapes it), each argument
/// and result cut to a short length, and of a long trajectory only its first and last steps.
/// </summary>
internal static class TrajectoryText
{
    /// <summary>What heads a trajectory: its number of steps, and whether the model was still calling tools when stopped.</summary>
    public static string Heading(Log log)
    {
        var count = log.Steps?.Count ?? 0;
        var steps = string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? "step" : "steps")}");
        return log.Status == LogStatus.MaxSteps ? steps + "; stopped at max_steps: the model was still calling tools" : steps;
    }

    /// <summary>
    /// How many of <paramref name="count"/> steps to show from the start and from the end so that at most
    /// <paramref name="most"/> are shown; the steps between are omitted.
    /// </summary>
    public static (int Head, int Tail) Shown(int count, int most) => count <= most ? (count, 0) : (most - (most / 2), most / 2);

    /// <summary>
    /// A step as one line: <c>model call: 120 tokens in, 30 out, 850 ms</c>, or <c>tool name(arguments) → result; 12 ms</c>
    /// (<c>✗ error</c> for a failed call), each name, argument and result cut to <paramref name="limit"/> characters.
    /// </summary>
    public static string Step(TrajectoryStep step, int limit)
    {
        ArgumentNullException.ThrowIfNull(step);
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

        var text = new StringBuilder();
        text.Append("tool ").Append(MarkdownText.Cut(step.Name ?? "?", limit))
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

        if (step.LatencyMs is { } toolLatency)
        {
            text.Append("; ").Append(Milliseconds(toolLatency));
        }

        return text.ToString();
    }

    // A JSON object as compact JSON with its text unescaped (so that "<" reads as "<"); a JSON string (arguments cut
    // or not JSON) as its text.
    private static string Arguments(JsonElement? arguments)
    {
        if (arguments is not { } value || value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return string.Empty;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString() ?? string.Empty;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ResultsJson.Encoder }))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Milliseconds(double latency) => latency.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
