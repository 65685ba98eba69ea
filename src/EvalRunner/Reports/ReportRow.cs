using System.Globalization;
using System.Text.Json;

namespace EvalRunner.Reports;

/// <summary>A row of <c>results.jsonl</c> as reports show it.</summary>
public sealed record ReportRow
{
    /// <summary>The datapoint id.</summary>
    public required string DatapointId { get; init; }

    /// <summary>The model config.</summary>
    public required string ModelConfig { get; init; }

    /// <summary><c>pass</c>, <c>fail</c> or <c>error</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>The input.</summary>
    public string Input { get; init; } = string.Empty;

    /// <summary>The expected answer.</summary>
    public string Expected { get; init; } = string.Empty;

    /// <summary>The generated response.</summary>
    public string Response { get; init; } = string.Empty;

    /// <summary>The row's error, if any.</summary>
    public string? Error { get; init; }

    /// <summary>Where the datapoint is (<c>file:line</c>), when known.</summary>
    public string? Location { get; init; }

    /// <summary>The failed per-datapoint rules with their values.</summary>
    public IReadOnlyList<string> FailedRules { get; init; } = [];

    /// <summary>Every evaluator column (<c>evaluator.column</c>) with its value as JSON (string, number, bool, null).</summary>
    public IReadOnlyList<KeyValuePair<string, JsonElement>> Columns { get; init; } = [];

    /// <summary>Evaluator errors by evaluator.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> EvaluatorErrors { get; init; } = [];

    /// <summary>The dataset file of <see cref="Location"/>, or null.</summary>
    public string? File => SplitLocation().File;

    /// <summary>The line of <see cref="Location"/>, or 0.</summary>
    public int Line => SplitLocation().Line;

    /// <summary>Generation latency in milliseconds.</summary>
    public double LatencyMs { get; init; }

    /// <summary>Parses one line of results.jsonl.</summary>
    public static ReportRow Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var log = root.GetProperty("log");
        var columns = new List<KeyValuePair<string, JsonElement>>();
        var errors = new List<KeyValuePair<string, string>>();
        foreach (var evaluation in root.GetProperty("evaluations").EnumerateObject())
        {
            foreach (var value in evaluation.Value.EnumerateObject())
            {
                if (value.Name == "error" && value.Value.ValueKind == JsonValueKind.String)
                {
                    errors.Add(KeyValuePair.Create(evaluation.Name, value.Value.GetString()!));
                }
                else
                {
                    columns.Add(KeyValuePair.Create($"{evaluation.Name}.{value.Name}", value.Value.Clone()));
                }
            }
        }

        return new ReportRow
        {
            DatapointId = root.GetProperty("datapoint_id").GetString()!,
            ModelConfig = root.GetProperty("model_config").GetString()!,
            Outcome = root.GetProperty("outcome").GetString()!,
            Input = root.GetProperty("input").GetString() ?? string.Empty,
            Expected = root.GetProperty("expected").GetString() ?? string.Empty,
            Response = log.GetProperty("generated_response").GetString() ?? string.Empty,
            Error = root.GetProperty("error").GetString(),
            Location = root.TryGetProperty("location", out var location) ? location.GetString() : null,
            FailedRules = [.. root.GetProperty("failed_rules").EnumerateArray().Select(r => r.GetString()!)],
            Columns = columns,
            EvaluatorErrors = errors,
            LatencyMs = log.GetProperty("latency_ms").GetDouble(),
        };
    }

    private (string? File, int Line) SplitLocation()
    {
        // file:line, file:line:column, file:line:column: field — the file may itself hold ':' (C:\...).
        var match = Location is null ? null : System.Text.RegularExpressions.Regex.Match(Location, @"^(?<file>.+?):(?<line>\d+)(?::\d+)?(?::\s.*)?$");
        return match is { Success: true } ? (match.Groups["file"].Value, int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture)) : (null, 0);
    }

    /// <summary>A column value as text.</summary>
    public static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetDouble().ToString("0.####", CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "missing",
        _ => value.GetRawText(),
    };
}
